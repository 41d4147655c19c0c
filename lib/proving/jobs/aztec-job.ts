/** Aztec jobs: Aztec's inputs from Aztec's proof-store key, Aztec's result JSON to Aztec's output key. */
import { ProverError } from '../../errors.ts';
import type { AztecJobSpec } from '../job-spec.ts';
import { outputRecord, sha256, type JobContext, type ProvedJob } from './job-handler.ts';

/** Aztec's job in, Aztec's result JSON out (lib/protocols/aztec/prover/aztec-job-prover.ts). */
export interface AztecJobProver {
  prove(request: { readonly type: AztecJobSpec['type']; readonly inputs: Uint8Array }): Promise<{
    readonly output: Uint8Array;
    readonly proveMs: number;
    readonly backend: string;
    readonly backendVersion: string;
  }>;
}

export async function proveAztecJob(spec: AztecJobSpec, { aztecProver, store }: JobContext): Promise<ProvedJob> {
  if (aztecProver === undefined) {
    throw new ProverError(`job ${spec.id} is an Aztec ${spec.type} job, but this job runner has no Aztec prover`, {
      metaMessages: ['the Aztec prover needs CRS_PATH (the image sets it); see containers/prover/deps.ts'],
    });
  }
  const inputs = await store.get(spec.inputs);
  if (inputs === undefined) throw new ProverError(`the inputs of Aztec job ${spec.id} (${spec.type}) are missing at ${spec.inputs}`);
  if (spec.inputsSha256 !== undefined && sha256(inputs) !== spec.inputsSha256) {
    throw new ProverError(`the inputs at ${spec.inputs} do not hash to ${spec.inputsSha256}, the hash in Aztec's job id: they were changed after the job was enqueued`);
  }
  const proved = await aztecProver.prove({ type: spec.type, inputs });
  await store.put(spec.output, proved.output, { contentType: 'application/json' });
  return {
    outputs: { result: outputRecord(spec.output, proved.output) },
    proveMs: proved.proveMs,
    backend: proved.backend,
    backendVersion: proved.backendVersion,
  };
}
