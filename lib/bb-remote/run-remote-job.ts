/**
 * Runs one job of the job runner on a remote executor until it is done: reuse it if it already finished,
 * else start it, wait, and start it again after a retryable failure (spot reclaim, the runner's exit 75, an
 * error.json that says retryable), up to `attempts`, within the signal's deadline. Done means what the
 * runner means: result.json exists and every output still hashes to what it recorded.
 *
 * Shared by bb-remote (one bb command = one job) and `prover aztec-job --remote` (one Aztec job = one job).
 * The caller has written the job's spec; the executor only starts jobs and reports how they ended.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { jobErrorSchema, jobResultSchema, type JobError } from '../proving/job-spec.ts';
import { jobErrorKey, jobResultKey } from '../proving/keys.ts';
import type { RemoteExecutor } from './remote.ts';

export interface RemoteJobRunner {
  readonly store: ArtifactStore;
  readonly remote: RemoteExecutor;
  readonly attempts: number;
  /** Pause before submitting again after a retryable failure. @default 5000 */
  readonly retryDelayMs?: number;
}

export interface FinishedJob {
  readonly id: string;
  /** Output name → bytes, each matching the sha256 result.json recorded. */
  readonly outputs: ReadonlyMap<string, Uint8Array>;
}

export type RemoteJobResult =
  | { readonly ok: true; readonly job: FinishedJob; readonly reused: boolean }
  | { readonly ok: false; readonly message: string };

export interface RunRemoteJobOptions {
  readonly jobId: string;
  /** What the job does (bb subcommand, Aztec job type), for messages and Batch job names. */
  readonly command: string;
  readonly resourceClass: string | undefined;
  /** Deadline and cancellation: aborting stops the remote job. */
  readonly signal: AbortSignal;
  /** True when the caller itself was stopped (then an abort is not reported as a timeout). */
  readonly cancelled: () => boolean;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export async function runRemoteJob(runner: RemoteJobRunner, options: RunRemoteJobOptions): Promise<RemoteJobResult> {
  const { jobId, command, signal, log } = options;
  const done = await fetchFinished(runner.store, jobId);
  if (done !== undefined) {
    log(`job ${jobId} already finished: reusing its outputs`);
    return { ok: true, job: done, reused: true };
  }
  for (let attempt = 1; ; attempt++) {
    const submittedAt = Date.now();
    const outcome = await runner.remote.run({ jobId, command, resourceClass: options.resourceClass }, { signal, log });
    if (outcome.ok) break;
    const recorded = await readJobError(runner.store, jobId, submittedAt);
    const retryable = !outcome.aborted && (outcome.retryable || recorded?.retryable === true);
    if (!retryable || attempt >= runner.attempts || signal.aborted) {
      const why = outcome.aborted && signal.aborted && !options.cancelled() ? `timed out after ${Math.round(options.timeoutMs / 1000)} s` : undefined;
      const message = [
        `${command} failed remotely (job ${jobId} on ${runner.remote.description}${attempt > 1 ? `, attempt ${attempt}` : ''})${why ? `: ${why}` : ''}`,
        ...(recorded ? [recorded.message] : outcome.output !== undefined ? [outcome.output] : []),
        outcome.reason,
      ].join('\n');
      return { ok: false, message };
    }
    log(`attempt ${attempt} of ${runner.attempts} failed (${recorded?.message.split('\n')[0] ?? outcome.reason.split('\n')[0]}); submitting again`);
    // An abort during the pause ends the loop on the next run (the executor returns at once).
    await sleep(runner.retryDelayMs ?? 5000, undefined, { signal }).catch(() => {});
  }
  const finished = await fetchFinished(runner.store, jobId);
  if (finished === undefined) return { ok: false, message: `${command}: job ${jobId} ended successfully but left no intact result.json in the bucket` };
  return { ok: true, job: finished, reused: false };
}

/**
 * The job's outputs if it finished: result.json exists and every output it lists still hashes to what it
 * recorded (the job runner's own definition of done, `findFinishedResult`, keeping the bytes so they are
 * downloaded once).
 */
async function fetchFinished(store: ArtifactStore, jobId: string): Promise<FinishedJob | undefined> {
  const raw = await store.get(jobResultKey(jobId));
  if (raw === undefined) return undefined;
  const parsed = jobResultSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
  if (!parsed.success) return undefined;
  const outputs = new Map<string, Uint8Array>();
  for (const [name, output] of Object.entries(parsed.data.outputs)) {
    const bytes = await store.get(output.key);
    if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== output.sha256) return undefined;
    outputs.set(name, bytes);
  }
  return { id: jobId, outputs };
}

/** The runner's error record of this submission (older ones are stale: a later attempt may have succeeded). */
async function readJobError(store: ArtifactStore, jobId: string, since: number): Promise<JobError | undefined> {
  try {
    const raw = await store.get(jobErrorKey(jobId));
    if (raw === undefined) return undefined;
    const parsed = jobErrorSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
    if (!parsed.success) return undefined;
    // A second of slack for clock skew between this host and the job's.
    return Date.parse(parsed.data.failedAt) >= since - 1000 ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
