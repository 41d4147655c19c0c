/**
 * Runs one proving job: spec in, proof out. The same code runs in the Batch container, in the local executor
 * and in tests; only the store and the backend differ.
 *
 * Resume: a job whose result.json exists and whose outputs still hash to what it recorded is skipped, so a
 * re-run of an execution, a Batch retry or a duplicate job never proves twice. result.json is written last,
 * so a job killed half-way leaves no done-marker and is simply proven again.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProverError, describeError } from '../errors.ts';
import { RETRYABLE_EXIT_CODE } from '../job-retry.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { ProvingBackend } from './backend.ts';
import { bbBackendForVersion } from './bb-versions.ts';
import type { JobAdapter, JobIo, PreparedProof } from './job-adapter.ts';
import { isJobId } from './job-id.ts';
import { jobResultSchema, jobSpecSchema, type AztecJobSpec, type BbJobSpec, type JobError, type JobResult, type JobSpec } from './job-spec.ts';
import { jobErrorKey, jobOutputKey, jobResultKey, jobSpecKey } from './keys.ts';

export interface JobRunnerDeps {
  readonly store: ArtifactStore;
  readonly backend: ProvingBackend;
  /** `<version>/bb` binaries for raw-bb jobs that name a bb version (lib/proving/bb-versions.ts). */
  readonly bbVersionsDir?: string;
  /** Adapters by profile name, for protocol jobs. */
  readonly adapters: Readonly<Record<string, JobAdapter>>;
  /** Proves `kind: 'aztec'` jobs (Aztec's own circuits and formats); absent where the image has no Aztec prover. */
  readonly aztecProver?: AztecJobProver;
  readonly crsPath?: string;
  /** Parent of per-job scratch dirs (default: the OS temp dir). */
  readonly scratchRoot?: string;
  /** Keep the scratch dir (debugging). */
  readonly keepScratch?: boolean;
}

/** Aztec's job in, Aztec's result JSON out (lib/protocols/aztec/prover/aztec-job-prover.ts). */
export interface AztecJobProver {
  prove(request: { readonly type: AztecJobSpec['type']; readonly inputs: Uint8Array }): Promise<{
    readonly output: Uint8Array;
    readonly proveMs: number;
    readonly backend: string;
    readonly backendVersion: string;
  }>;
}

export type JobRunOutcome =
  | { readonly status: 'proved' | 'skipped'; readonly result: JobResult }
  | { readonly status: 'failed'; readonly retryable: boolean; readonly message: string };

/** Exit codes the container uses; the Batch retry strategy and the local executor read them. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;

export function exitCodeFor(outcome: JobRunOutcome): number {
  if (outcome.status !== 'failed') return EXIT_OK;
  return outcome.retryable ? RETRYABLE_EXIT_CODE : EXIT_FAILED;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The job's finished result if its outputs are intact, else undefined. */
export async function findFinishedResult(store: ArtifactStore, jobId: string): Promise<JobResult | undefined> {
  const raw = await store.get(jobResultKey(jobId));
  if (raw === undefined) return undefined;
  const parsed = jobResultSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
  if (!parsed.success) return undefined;
  for (const output of Object.values(parsed.data.outputs)) {
    const bytes = await store.get(output.key);
    if (bytes === undefined || sha256(bytes) !== output.sha256) return undefined;
  }
  return parsed.data;
}

export async function runJob(jobId: string, deps: JobRunnerDeps): Promise<JobRunOutcome> {
  try {
    const finished = await findFinishedResult(deps.store, jobId);
    if (finished) return { status: 'skipped', result: finished };
    const spec = await loadSpec(deps.store, jobId);
    const result = await proveWithScratch(spec, deps);
    return { status: 'proved', result };
  } catch (err) {
    const retryable = err instanceof ProverError ? err.retryable : isTransient(err);
    const message = `job ${jobId}: ${describeError(err)}`;
    await recordFailure(deps.store, jobId, message, retryable);
    return { status: 'failed', retryable, message };
  }
}

/**
 * jobs/<id>/error.json: the failure where a caller outside the container can read it (bb-remote reports it
 * as bb's error text; Batch only keeps a status reason and the exit code). Best effort: the outcome and the
 * exit code stay the contract, so a store that is down must not turn a proving failure into a crash.
 */
async function recordFailure(store: ArtifactStore, jobId: string, message: string, retryable: boolean): Promise<void> {
  if (!isJobId(jobId)) return;
  const record: JobError = { id: jobId, message, retryable, failedAt: new Date().toISOString(), host: hostname() };
  try {
    await store.put(jobErrorKey(jobId), Buffer.from(JSON.stringify(record, null, 2)), { contentType: 'application/json' });
  } catch {
    // The failure itself is still reported through the outcome (stderr line + exit code).
  }
}

async function loadSpec(store: ArtifactStore, jobId: string): Promise<JobSpec> {
  const raw = await store.get(jobSpecKey(jobId));
  if (raw === undefined) throw new ProverError(`no job spec at ${jobSpecKey(jobId)}`, { metaMessages: ['Plan writes it before the job is submitted; was the run planned in this bucket?'] });
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (cause) {
    throw new ProverError(`job spec ${jobSpecKey(jobId)} is not JSON`, { cause });
  }
  const parsed = jobSpecSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProverError(`job spec ${jobSpecKey(jobId)} is invalid`, { metaMessages: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  if (parsed.data.id !== jobId) throw new ProverError(`job spec ${jobSpecKey(jobId)} is for job ${parsed.data.id}`);
  return parsed.data;
}

async function proveWithScratch(spec: JobSpec, deps: JobRunnerDeps): Promise<JobResult> {
  const root = deps.scratchRoot ?? tmpdir();
  await mkdir(root, { recursive: true });
  const workDir = await mkdtemp(join(root, `job-${spec.id}-`));
  try {
    return await prove(spec, deps, workDir);
  } finally {
    if (!deps.keepScratch) await rm(workDir, { recursive: true, force: true });
  }
}

async function prove(spec: JobSpec, deps: JobRunnerDeps, workDir: string): Promise<JobResult> {
  if (spec.kind === 'aztec') return proveAztecSpec(spec, deps);
  const started = Date.now();
  const backend = spec.kind === 'bb' ? await bbBackendForVersion(spec.bbVersion, { fallback: deps.backend, ...(deps.bbVersionsDir ? { versionsDir: deps.bbVersionsDir } : {}) }) : deps.backend;
  const prepared = spec.kind === 'bb' ? await prepareBbJob(spec, deps.store, workDir) : await prepareProtocolJob(spec, deps, workDir);
  const outcome = await backend.run({ args: prepared.args, cwd: workDir, ...(deps.crsPath ? { crsPath: deps.crsPath } : {}) });
  if (!outcome.ok) {
    throw new ProverError(`bb failed: ${outcome.reason}`, { retryable: outcome.retry, metaMessages: tail(outcome.stderr || outcome.stdout) });
  }
  const outputs: JobResult['outputs'] = {};
  for (const name of prepared.outputs) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(prepared.outDir, name));
    } catch (cause) {
      throw new ProverError(`bb reported success but wrote no ${name}`, { cause, metaMessages: tail(outcome.stdout) });
    }
    const key = jobOutputKey(spec.id, name);
    await deps.store.put(key, bytes);
    outputs[name] = { key, sha256: sha256(bytes), bytes: bytes.length };
  }
  for (const name of prepared.optionalOutputs ?? []) {
    const bytes = await readFile(join(prepared.outDir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (bytes === undefined) continue;
    const key = jobOutputKey(spec.id, name);
    await deps.store.put(key, bytes);
    outputs[name] = { key, sha256: sha256(bytes), bytes: bytes.length };
  }
  const result: JobResult = {
    id: spec.id,
    outputs,
    metrics: {
      wallMs: Date.now() - started,
      proveMs: outcome.durationMs,
      ...(outcome.peakRssKiB !== undefined ? { peakRssKiB: outcome.peakRssKiB } : {}),
      backend: backend.name,
      backendVersion: await backend.version(),
      host: hostname(),
      finishedAt: new Date().toISOString(),
    },
  };
  return writeResult(deps.store, result);
}

/** Last write of every job: the done-marker. */
async function writeResult(store: ArtifactStore, result: JobResult): Promise<JobResult> {
  await store.put(jobResultKey(result.id), Buffer.from(JSON.stringify(result, null, 2)));
  return result;
}

/** Aztec's inputs from Aztec's proof-store key, Aztec's result JSON to Aztec's output key. */
async function proveAztecSpec(spec: AztecJobSpec, deps: JobRunnerDeps): Promise<JobResult> {
  const started = Date.now();
  if (deps.aztecProver === undefined) {
    throw new ProverError(`job ${spec.id} is an Aztec ${spec.type} job, but this job runner has no Aztec prover`, {
      metaMessages: ['the Aztec prover needs CRS_PATH (the image sets it); see containers/prover/deps.ts'],
    });
  }
  const inputs = await deps.store.get(spec.inputs);
  if (inputs === undefined) throw new ProverError(`the inputs of Aztec job ${spec.id} (${spec.type}) are missing at ${spec.inputs}`);
  if (spec.inputsSha256 !== undefined && sha256(inputs) !== spec.inputsSha256) {
    throw new ProverError(`the inputs at ${spec.inputs} do not hash to ${spec.inputsSha256}, the hash in Aztec's job id: they were changed after the job was enqueued`);
  }
  const proved = await deps.aztecProver.prove({ type: spec.type, inputs });
  await deps.store.put(spec.output, proved.output, { contentType: 'application/json' });
  return writeResult(deps.store, {
    id: spec.id,
    outputs: { result: { key: spec.output, sha256: sha256(proved.output), bytes: proved.output.length } },
    metrics: {
      wallMs: Date.now() - started,
      proveMs: proved.proveMs,
      backend: proved.backend,
      backendVersion: proved.backendVersion,
      host: hostname(),
      finishedAt: new Date().toISOString(),
    },
  });
}

async function prepareBbJob(spec: BbJobSpec, store: ArtifactStore, workDir: string): Promise<PreparedProof> {
  const inDir = join(workDir, 'in');
  const outDir = join(workDir, 'out');
  await mkdir(inDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, key] of Object.entries(spec.inputs)) {
    const bytes = await store.get(key);
    if (bytes === undefined) throw new ProverError(`input ${name} is missing at ${key}`);
    paths[name] = join(inDir, name);
    await writeFile(paths[name], bytes);
  }
  const args = spec.args.map((arg) =>
    arg.replace(/\{in:([A-Za-z0-9_.-]+)\}|\{out\}/g, (match, name: string | undefined) => {
      if (match === '{out}') return outDir;
      const path = name === undefined ? undefined : paths[name];
      if (path === undefined) throw new ProverError(`argument ${arg} names input ${name}, which the spec does not list`);
      return path;
    }),
  );
  return { args, outDir, outputs: spec.outputs, optionalOutputs: spec.optionalOutputs ?? [] };
}

async function prepareProtocolJob(spec: Extract<JobSpec, { kind: 'protocol' }>, deps: JobRunnerDeps, workDir: string): Promise<PreparedProof> {
  const adapter = deps.adapters[spec.profile];
  if (!adapter) throw new ProverError(`no job adapter for profile "${spec.profile}"`, { metaMessages: [`known: ${Object.keys(deps.adapters).join(', ') || '(none)'}`] });
  const childResults = new Map<string, JobResult>();
  for (const child of spec.children) {
    const result = await findFinishedResult(deps.store, child);
    if (!result) throw new ProverError(`child job ${child} has no verified output yet`, { metaMessages: ['children must finish before their parent is submitted'] });
    childResults.set(child, result);
  }
  const io: JobIo = {
    workDir,
    async readChildOutput(childId, name) {
      const output = childResults.get(childId)?.outputs[name];
      if (!output) throw new ProverError(`child ${childId} has no output "${name}"`);
      const bytes = await deps.store.get(output.key);
      if (bytes === undefined) throw new ProverError(`child output ${output.key} disappeared`);
      return bytes;
    },
    async readInput(name) {
      const key = spec.inputs[name];
      if (key === undefined) throw new ProverError(`job ${spec.id} has no input "${name}"`);
      const bytes = await deps.store.get(key);
      if (bytes === undefined) throw new ProverError(`input ${name} is missing at ${key}`);
      return bytes;
    },
  };
  return adapter.prepare(spec, io);
}

function tail(text: string, lines = 12): string[] {
  return text.trim().split('\n').slice(-lines);
}

/** Network-ish failures from the store are worth a retry; everything else is deterministic. */
function isTransient(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'].includes(e?.code ?? '') || e?.name === 'TimeoutError';
}
