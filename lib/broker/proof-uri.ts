/**
 * Where a job's inputs are and where its result goes, from the `inputsUri` Aztec's facade sent:
 *
 *   s3://<bucket>/<base>inputs/<TYPE>/<id>          Aztec's FileStoreProofStore (PROVER_PROOF_STORE=s3://…)
 *     → result at <base>outputs/<TYPE>/<id>.json, reported as s3://<bucket>/<base>outputs/<TYPE>/<id>.json
 *       (what Aztec's S3 file store's own `save` returns and its `read` takes)
 *   data:application/json;charset=utf-8,<json>      Aztec's InlineProofStore (no PROVER_PROOF_STORE)
 *     → inputs copied into the bucket, the result reported back inline as a data: URI, the way
 *       InlineProofStore encodes it (`jsonStringify({ type, result })`, URI-component encoded)
 *
 * Anything else (another bucket, gs://, file://) cannot be read by the stack's jobs: refused with what to set.
 */
import { InputError } from '../errors.ts';
import { jobTypeName, type ProvingJob } from './contract.ts';

/** The inline form Aztec 4.1.2's InlineProofStore writes and reads (proof_store/inline_proof_store.ts). */
const INLINE_URI_PREFIX = 'data:application/json;charset=utf-8';

export interface ProofStoreScope {
  readonly bucket: string;
  /** Key prefix the stack's jobs may write results under ('' = anywhere; else ending in '/'). */
  readonly prefix: string;
  /** Where inline jobs' inputs and results are kept in the bucket (ending in '/'). */
  readonly inlinePrefix: string;
}

export type JobLocation =
  | { readonly kind: 'store'; readonly inputsKey: string; readonly outputKey: string; readonly resultUri: string }
  | { readonly kind: 'inline'; readonly inputsKey: string; readonly outputKey: string; readonly inputs: Buffer };

const storeHint = (scope: ProofStoreScope) => `point the prover node at the stack's proof store: PROVER_PROOF_STORE=s3://${scope.bucket}/${scope.prefix}`;

export function locateJob(job: ProvingJob, scope: ProofStoreScope): JobLocation {
  const type = jobTypeName(job.type);
  if (job.inputsUri.startsWith('data:')) return inlineJob(job, type, scope);
  let url: URL;
  try {
    url = new URL(job.inputsUri);
  } catch {
    throw new InputError(`job ${job.id}: inputsUri ${truncate(job.inputsUri)} is not a URI`, { metaMessages: [storeHint(scope)] });
  }
  if (url.protocol !== 's3:') {
    throw new InputError(`job ${job.id}: inputs at ${truncate(job.inputsUri)} cannot be read by the stack's jobs (only s3:// in its bucket, or inline)`, {
      metaMessages: [storeHint(scope)],
    });
  }
  if (url.host !== scope.bucket) {
    throw new InputError(`job ${job.id}: inputs are in bucket "${url.host}", not in the stack's bucket "${scope.bucket}"`, { metaMessages: [storeHint(scope)] });
  }
  const inputsKey = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  const suffix = `inputs/${type}/${job.id}`;
  if (!inputsKey.endsWith(suffix)) {
    throw new InputError(`job ${job.id}: inputs at ${inputsKey} are not where Aztec's proof store keeps a ${type} job (…/${suffix})`);
  }
  const base = inputsKey.slice(0, -suffix.length);
  if (!base.startsWith(scope.prefix) || (base !== '' && !base.endsWith('/'))) {
    throw new InputError(`job ${job.id}: the proof store at s3://${scope.bucket}/${base} is outside the prefix the stack's jobs may write to`, {
      metaMessages: [storeHint(scope)],
    });
  }
  const outputKey = `${base}outputs/${type}/${job.id}.json`;
  return { kind: 'store', inputsKey, outputKey, resultUri: `s3://${scope.bucket}/${outputKey}` };
}

/** Aztec's inline inputs: `{ type, inputs: base64(inputs.toBuffer()) }` behind the data: prefix. */
function inlineJob(job: ProvingJob, type: string, scope: ProofStoreScope): JobLocation {
  const comma = job.inputsUri.indexOf(',');
  if (comma < 0 || job.inputsUri.slice(0, comma) !== INLINE_URI_PREFIX) {
    throw new InputError(`job ${job.id}: inline inputs must start with "${INLINE_URI_PREFIX},"`, { metaMessages: [`got ${truncate(job.inputsUri)}`] });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(job.inputsUri.slice(comma + 1)));
  } catch (cause) {
    throw new InputError(`job ${job.id}: inline inputs are not URI-encoded JSON`, { cause });
  }
  const body = parsed as { type?: unknown; inputs?: unknown };
  if (body?.type !== job.type || typeof body.inputs !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.inputs)) {
    throw new InputError(`job ${job.id}: inline inputs are not a ${type} job's { type, inputs } (type ${String(body?.type)})`);
  }
  return {
    kind: 'inline',
    inputsKey: `${scope.inlinePrefix}inputs/${type}/${job.id}`,
    outputKey: `${scope.inlinePrefix}outputs/${type}/${job.id}.json`,
    inputs: Buffer.from(body.inputs, 'base64'),
  };
}

/** Aztec's result JSON (`jsonStringify({ type, result })`) as the data: URI InlineProofStore decodes. */
export function inlineResultUri(resultJson: string): string {
  return `${INLINE_URI_PREFIX},${encodeURIComponent(resultJson)}`;
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
