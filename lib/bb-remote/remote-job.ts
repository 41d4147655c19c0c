/**
 * A delegated bb call as a raw-bb job of the job runner (lib/proving/job-spec.ts `kind: 'bb'`):
 * - inputs are uploaded content-addressed (`blobs/<sha256>`), so a circuit's bytecode and vk go up once for
 *   every proof of that circuit, and a retried call uploads nothing again;
 * - the job id is a hash of the bb version, the arguments and the input hashes, so a repeated call (the agent
 *   retrying after a crash, a second agent with the same job) finds the finished result instead of proving
 *   again, and the same call under another bb is another job (its proof would not be this bb's);
 * - the spec names the bb version, and the job runner runs exactly that bb.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { jobId } from '../proving/job-id.ts';
import type { BbJobSpec } from '../proving/job-spec.ts';
import { blobKey } from '../proving/keys.ts';
import type { DelegatedCall } from './bb-argv.ts';

/** The profile part of bb-remote job ids (lib/proving/job-id.ts); bump the version if the spec's meaning changes. */
const BB_REMOTE_JOB_PROFILE = 'bbremote';
/** v2: the bb version is part of the id (v1 ids did not say which bb proved them, so none is reused). */
const JOB_ID_VERSION = 'v2';

export interface UploadedInput {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  /** False when the object was already there (nothing sent). */
  readonly uploaded: boolean;
}

/** Uploads a file to blobs/<sha256> unless that object exists. */
export async function uploadBlob(store: ArtifactStore, path: string): Promise<UploadedInput> {
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = blobKey(sha256);
  // HEAD first: the common case (bytecode, vk) is "already there", and then no body is sent at all.
  if (await store.exists(key)) return { key, sha256, bytes: bytes.length, uploaded: false };
  // A racing uploader of the same key writes the same bytes, so a plain PUT is safe.
  await store.put(key, bytes);
  return { key, sha256, bytes: bytes.length, uploaded: true };
}

/** The job spec for a call whose inputs are uploaded, to be run by bb `bbVersion`. */
export function remoteJobSpec(call: DelegatedCall, uploaded: Readonly<Record<string, UploadedInput>>, bbVersion: string): BbJobSpec {
  const names = Object.keys(call.inputs).sort();
  const inputs: Record<string, string> = {};
  for (const name of names) {
    const input = uploaded[name];
    if (input === undefined) throw new Error(`input ${name} was not uploaded`);
    inputs[name] = input.key;
  }
  const outputs = call.outputs.map((o) => o.name);
  const optionalOutputs = call.optionalOutputs.map((o) => o.name);
  const id = jobId(BB_REMOTE_JOB_PROFILE, call.command, [
    JOB_ID_VERSION,
    `bb=${bbVersion}`,
    JSON.stringify(call.args),
    ...names.map((name) => `${name}=${uploaded[name]!.sha256}`),
    JSON.stringify({ outputs, optionalOutputs }),
  ]);
  return { kind: 'bb', id, bbVersion, args: [...call.args], inputs, outputs, ...(optionalOutputs.length > 0 ? { optionalOutputs } : {}) };
}
