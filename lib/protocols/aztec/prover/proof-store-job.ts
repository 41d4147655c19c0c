/**
 * An Aztec proving job in Aztec's proof-store layout (@aztec/prover-client 4.1.2 FileStoreProofStore), inside
 * our bucket: `<prefix>inputs/<TYPE>/<aztecJobId>` holds the serialized inputs, the job writes
 * `<prefix>outputs/<TYPE>/<aztecJobId>.json`. Point Aztec's proof store at the same place
 * (PROVER_PROOF_STORE=s3://<bucket>/<prefix>) and both sides read each other's files.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../../errors.ts';
import { jobId } from '../../../proving/job-id.ts';
import { aztecJobSpecSchema, type AztecJobSpec } from '../../../proving/job-spec.ts';
import type { AztecJobType } from '../job-types.ts';

export interface AztecProofStoreJob {
  readonly type: AztecJobType;
  /** Aztec's id for the job (its broker's ProvingJobId); default: the sha256 of the inputs. */
  readonly aztecJobId: string;
  /** Key prefix of the proof store in the bucket ('' or ending in '/'). */
  readonly prefix: string;
}

function aztecInputsKey(job: AztecProofStoreJob): string {
  return `${job.prefix}inputs/${job.type}/${job.aztecJobId}`;
}

function aztecOutputKey(job: AztecProofStoreJob): string {
  return `${job.prefix}outputs/${job.type}/${job.aztecJobId}.json`;
}

/** Our job for it: the id commits to the keys and the inputs' bytes, so the same job is proven once. */
export function aztecJobSpec(job: AztecProofStoreJob, inputs: Uint8Array): AztecJobSpec {
  if (job.prefix !== '' && !job.prefix.endsWith('/')) throw new InputError(`proof store prefix "${job.prefix}" must end with "/"`);
  if (!/^[A-Za-z0-9:_.-]{1,200}$/.test(job.aztecJobId)) {
    throw new InputError(`Aztec job id "${job.aztecJobId}" is not usable in an S3 key`, { metaMessages: ['letters, digits, ":", "_", ".", "-"; at most 200'] });
  }
  const inputsKey = aztecInputsKey(job);
  const output = aztecOutputKey(job);
  const sha = createHash('sha256').update(inputs).digest('hex');
  const spec = { kind: 'aztec' as const, id: jobId('aztec', job.type, [inputsKey, output, sha]), type: job.type, inputs: inputsKey, output };
  return aztecJobSpecSchema.parse(spec);
}

export function defaultAztecJobId(inputs: Uint8Array): string {
  return createHash('sha256').update(inputs).digest('hex');
}
