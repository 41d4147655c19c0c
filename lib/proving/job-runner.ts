/**
 * Runs one proving job: spec in, proof out. The same code runs in the Batch container, in the local executor
 * and in tests; only the store and the backend differ.
 *
 * The runner owns what every job kind shares: resume, the spec check, the records (result.json, error.json), the
 * scratch dir and the exit code. Proving itself is one handler per job kind in lib/proving/jobs/: raw bb
 * (bb-job.ts), protocol (protocol-job.ts), Aztec (aztec-job.ts).
 *
 * Resume: a job whose result.json exists and whose outputs still hash to what it recorded is skipped, so a
 * re-run of an execution, a Batch retry or a duplicate job never proves twice. result.json is written last,
 * so a job killed half-way leaves no done-marker and is simply proven again.
 *
 * Retries: a failure is retryable iff it is a `ProverError` that says so. Stores classify their own failures
 * (lib/aws/s3-artifact-store.ts: throttling, 5xx and network errors are retryable), so the runner knows no
 * store's error shapes.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProverError, describeError } from '../errors.ts';
import { RETRYABLE_EXIT_CODE } from '../job-retry.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { isJobId } from './job-id.ts';
import { jobResultSchema, jobSpecSchema, type JobError, type JobResult, type JobSpec } from './job-spec.ts';
import { proveAztecJob } from './jobs/aztec-job.ts';
import { proveBbJob } from './jobs/bb-job.ts';
import { sha256, type JobContext, type JobProvingDeps, type ProvedJob } from './jobs/job-handler.ts';
import { proveProtocolJob } from './jobs/protocol-job.ts';
import { jobErrorKey, jobResultKey, jobSpecKey } from './keys.ts';

export type { AztecJobProver } from './jobs/aztec-job.ts';

export interface JobRunnerDeps extends JobProvingDeps {
  /** Parent of per-job scratch dirs (default: the OS temp dir). */
  readonly scratchRoot?: string;
  /** Keep the scratch dir (debugging). */
  readonly keepScratch?: boolean;
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
    const retryable = err instanceof ProverError && err.retryable;
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
    const started = Date.now();
    const proved = await prove(spec, { ...deps, workDir, finishedResult: (jobId) => findFinishedResult(deps.store, jobId) });
    return await writeResult(deps.store, {
      id: spec.id,
      outputs: proved.outputs,
      metrics: {
        wallMs: Date.now() - started,
        proveMs: proved.proveMs,
        ...(proved.peakRssKiB !== undefined ? { peakRssKiB: proved.peakRssKiB } : {}),
        backend: proved.backend,
        backendVersion: proved.backendVersion,
        host: hostname(),
        finishedAt: new Date().toISOString(),
      },
    });
  } finally {
    if (!deps.keepScratch) await rm(workDir, { recursive: true, force: true });
  }
}

/** One handler per job kind; each proves and uploads its outputs, the runner records the result. */
function prove(spec: JobSpec, ctx: JobContext): Promise<ProvedJob> {
  switch (spec.kind) {
    case 'bb':
      return proveBbJob(spec, ctx);
    case 'protocol':
      return proveProtocolJob(spec, ctx);
    case 'aztec':
      return proveAztecJob(spec, ctx);
  }
}

/** Last write of every job: the done-marker. */
async function writeResult(store: ArtifactStore, result: JobResult): Promise<JobResult> {
  await store.put(jobResultKey(result.id), Buffer.from(JSON.stringify(result, null, 2)));
  return result;
}
