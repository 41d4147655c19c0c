/**
 * What failed in a run whose level failed. The Distributed Map only says its failure threshold was exceeded;
 * each failed proving job left a record (runs/<run>/failed-jobs/<job>.json, written by the child execution's
 * Catch: the job, its class and the Batch task's Error/Cause, the Cause being Batch's description of the job).
 * This reads them, adds the job's type (its spec) and the job runner's own message (jobs/<id>/error.json, since
 * Batch keeps only a status reason and an exit code) and restates the run's failure so that failure.json and
 * the execution's error name the job instead of the Map.
 */
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { isJobId } from '../proving/job-id.ts';
import { jobErrorSchema } from '../proving/job-spec.ts';
import { jobErrorKey, jobSpecKey, runPrefix } from '../proving/keys.ts';

/** The Catch output of the failed state, as the state machine hands it over (`state`: which state failed). */
export interface RunFailure {
  readonly Error?: string | undefined;
  readonly Cause?: string | undefined;
  readonly state: string;
}

interface JobAttemptRecord {
  readonly exitCode?: number | null;
  readonly statusReason?: string;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
}

interface FailedJob {
  readonly job: string;
  readonly class: string;
  /** The job's type from its spec (e.g. BASE), when readable. */
  readonly type?: string;
  /** The Step Functions error of the job's task (States.TaskFailed for a failed Batch job). */
  readonly error: string;
  readonly batchJobId?: string;
  readonly status?: string;
  readonly statusReason?: string;
  readonly exitCode?: number | null;
  readonly attempts: readonly JobAttemptRecord[];
  /** The job runner's message (jobs/<id>/error.json) from this run's attempts, if it wrote one. */
  readonly runnerError?: string;
  /** The task's Cause when it is not Batch's job description (e.g. an API error after retries). */
  readonly cause?: string;
}

export interface DescribedFailure {
  readonly Error: string;
  readonly Cause: string;
  readonly state: string;
  readonly jobs: readonly FailedJob[];
  /** Failed jobs beyond the ones listed (the list is capped to keep the state payload small). */
  readonly moreJobs?: number;
}

/** Listed in full up to this many; failure.json and the execution's payload stay small (256 KB limit). */
export const MAX_LISTED_JOBS = 20;
const MAX_TEXT = 2000;

export function failedJobsPrefix(runId: string): string {
  return `${runPrefix(runId)}failed-jobs/`;
}

export async function describeFailedJobs(params: { readonly runId: string; readonly failure: RunFailure; readonly store: ArtifactStore }): Promise<DescribedFailure> {
  const { runId, failure, store } = params;
  const keys = (await store.list(failedJobsPrefix(runId))).filter((k) => k.endsWith('.json'));
  const jobs: FailedJob[] = [];
  for (const key of keys.slice(0, MAX_LISTED_JOBS)) {
    const job = await readFailedJob(store, key);
    if (job) jobs.push(job);
  }
  const base = {
    Error: failure.Error ?? 'UnknownError',
    Cause: failure.Cause ?? 'no cause given',
    state: failure.state,
    jobs,
    ...(keys.length > MAX_LISTED_JOBS ? { moreJobs: keys.length - MAX_LISTED_JOBS } : {}),
  };
  const first = jobs[0];
  if (!first) return base;
  const why = first.runnerError ?? first.statusReason ?? first.cause ?? first.error;
  const others = keys.length > 1 ? ` (and ${keys.length - 1} more failed job${keys.length > 2 ? 's' : ''})` : '';
  return { ...base, Error: 'ProverJobFailed', Cause: clip(`job ${first.job}${first.type ? ` (${first.type})` : ''} failed: ${why}${others}`) };
}

async function readFailedJob(store: ArtifactStore, key: string): Promise<FailedJob | undefined> {
  const record = asObject(await readJson(store, key));
  const job = record?.['job'];
  if (!record || !isJobId(job)) return undefined;
  const failure = asObject(record['failure']) ?? {};
  const error = typeof failure['Error'] === 'string' ? failure['Error'] : 'UnknownError';
  const cause = typeof failure['Cause'] === 'string' ? failure['Cause'] : undefined;
  const batch = asObject(parseJson(cause));
  const attempts = Array.isArray(batch?.['Attempts']) ? (batch['Attempts'] as unknown[]).map(attemptOf) : [];
  const type = await jobType(store, job);
  const runnerError = await runnerMessage(store, job, attempts);
  return {
    job,
    class: typeof record['class'] === 'string' ? record['class'] : 'unknown',
    ...(type ? { type } : {}),
    error,
    ...(batch
      ? {
          ...stringField(batch, 'JobId', 'batchJobId'),
          ...stringField(batch, 'Status', 'status'),
          ...stringField(batch, 'StatusReason', 'statusReason'),
          exitCode: exitCodeOf(asObject(batch['Container'])) ?? attempts.at(-1)?.exitCode ?? null,
        }
      : cause !== undefined
        ? { cause: clip(cause) }
        : {}),
    attempts,
    ...(runnerError ? { runnerError } : {}),
  };
}

function attemptOf(raw: unknown): JobAttemptRecord {
  const a = asObject(raw) ?? {};
  const exitCode = exitCodeOf(asObject(a['Container']));
  return {
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...stringField(a, 'StatusReason', 'statusReason'),
    ...(typeof a['StartedAt'] === 'number' ? { startedAt: a['StartedAt'] } : {}),
    ...(typeof a['StoppedAt'] === 'number' ? { stoppedAt: a['StoppedAt'] } : {}),
  };
}

function exitCodeOf(container: Record<string, unknown> | undefined): number | null | undefined {
  const code = container?.['ExitCode'];
  return typeof code === 'number' || code === null ? code : undefined;
}

async function jobType(store: ArtifactStore, job: string): Promise<string | undefined> {
  const spec = asObject(await readJson(store, jobSpecKey(job)));
  const type = spec?.['type'] ?? spec?.['kind'];
  return typeof type === 'string' ? type : undefined;
}

/** error.json is the runner's *last* failure of the job: older than this run's first attempt means stale. */
async function runnerMessage(store: ArtifactStore, job: string, attempts: readonly JobAttemptRecord[]): Promise<string | undefined> {
  const parsed = jobErrorSchema.safeParse(await readJson(store, jobErrorKey(job)));
  if (!parsed.success) return undefined;
  const firstStart = attempts.map((a) => a.startedAt).find((t) => t !== undefined);
  if (firstStart !== undefined && Date.parse(parsed.data.failedAt) < firstStart) return undefined;
  return clip(parsed.data.message);
}

async function readJson(store: ArtifactStore, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : parseJson(Buffer.from(bytes).toString('utf8'));
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // Step Functions truncates long causes; a non-JSON cause is kept as text by the caller
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringField<K extends string>(from: Record<string, unknown>, field: string, as: K): Partial<Record<K, string>> {
  const value = from[field];
  return typeof value === 'string' ? ({ [as]: value } as Partial<Record<K, string>>) : {};
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}
