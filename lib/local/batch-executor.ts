/**
 * A local stand-in for AWS Batch behind the state machine's `batch:submitJob.sync` tasks. It runs exactly
 * what the resolved task parameters say — the job definition's command with the container overrides'
 * environment — as a process running the prover container's entrypoint, under a concurrency limit, and
 * applies the job definition's retry strategy (attempts + evaluateOnExit) the way Batch does.
 * Its result and its failure (States.TaskFailed with a DescribeJobs-like cause) mirror the `.sync` integration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { ProverError } from '../errors.ts';
import type { LocalJobDefinition } from './template.ts';

export interface SubmitJobParameters {
  readonly JobDefinition: string;
  readonly JobName: string;
  readonly JobQueue: string;
  readonly ContainerOverrides?: {
    readonly Environment?: readonly { Name: string; Value: string }[];
    readonly Command?: readonly string[];
  };
}

export interface ProcessResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How a job's container is started locally: by default a process running the bundled entrypoint. `signal`
 * aborts it like Batch's TerminateJob (the container is stopped; the result reports the signal).
 */
export type ContainerLauncher = (command: readonly string[], env: Readonly<Record<string, string>>, signal?: AbortSignal) => Promise<ProcessResult>;

/** Test hook: make an attempt fail as Batch would report it (e.g. a spot reclaim), before the container runs. */
export type FaultInjector = (job: { name: string; env: Readonly<Record<string, string>>; attempt: number }) => { statusReason: string } | undefined;

interface JobAttempt {
  readonly exitCode: number | null;
  readonly statusReason: string;
  /** Last line the container printed (the job runner prints one JSON line with its outcome). */
  readonly output?: string;
  readonly startedAt: number;
  readonly stoppedAt: number;
}

export interface LocalJobRecord {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobDefinition: string;
  readonly env: Readonly<Record<string, string>>;
  readonly attempts: JobAttempt[];
  status: 'RUNNABLE' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly submittedAt: number;
  /** Set by `terminate` (Batch's TerminateJob): no further attempt starts, the running one is stopped. */
  terminated?: string;
  readonly abort: AbortController;
}

export interface LocalBatchExecutorOptions {
  readonly definitions: ReadonlyMap<string, LocalJobDefinition>;
  readonly concurrency: number;
  readonly launch: ContainerLauncher;
  /** Environment every local container gets on top of the job definition's (local S3 endpoint, CRS …). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  readonly faults?: FaultInjector;
}

export class LocalBatchExecutor {
  readonly jobs: LocalJobRecord[] = [];
  private readonly limit;

  constructor(private readonly options: LocalBatchExecutorOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new ProverError(`local Batch concurrency must be a positive integer (got ${options.concurrency})`);
    this.limit = pLimit(options.concurrency);
  }

  get running(): number {
    return this.limit.activeCount;
  }

  /** The `.sync` semantics: resolves with the finished job, or throws States.TaskFailed. */
  async submitJobSync(params: SubmitJobParameters): Promise<Record<string, unknown>> {
    const definition = this.options.definitions.get(params.JobDefinition);
    if (!definition) throw taskFailed({ statusReason: `unknown job definition ${params.JobDefinition}` });
    const env: Record<string, string> = { ...definition.environment, ...this.options.baseEnv };
    for (const e of params.ContainerOverrides?.Environment ?? []) env[e.Name] = e.Value;
    const command = params.ContainerOverrides?.Command ?? definition.command;
    const record: LocalJobRecord = {
      jobId: randomUUID(),
      jobName: params.JobName,
      jobDefinition: definition.arn,
      env,
      attempts: [],
      status: 'RUNNABLE',
      submittedAt: Date.now(),
      abort: new AbortController(),
    };
    this.jobs.push(record);

    for (let attempt = 1; attempt <= Math.max(1, definition.attempts); attempt++) {
      const result = await this.limit(() => this.runAttempt(record, command, attempt));
      const last = record.attempts.at(-1) as JobAttempt;
      if (result === 'ok') {
        record.status = 'SUCCEEDED';
        return describe(record);
      }
      const action = retryAction(definition, last);
      if (action !== 'RETRY' || attempt === definition.attempts || record.terminated !== undefined) break;
    }
    record.status = 'FAILED';
    throw taskFailed(describe(record));
  }

  /** Batch's TerminateJob for every unfinished job whose environment matches (e.g. JOB_ID). */
  terminate(matches: (env: Readonly<Record<string, string>>) => boolean, reason: string): number {
    let terminated = 0;
    for (const record of this.jobs) {
      if (record.status === 'SUCCEEDED' || record.status === 'FAILED' || record.terminated !== undefined || !matches(record.env)) continue;
      record.terminated = reason;
      record.abort.abort(new Error(reason));
      terminated++;
    }
    return terminated;
  }

  private async runAttempt(record: LocalJobRecord, command: readonly string[], attempt: number): Promise<'ok' | 'failed'> {
    const startedAt = Date.now();
    if (record.terminated !== undefined) {
      record.attempts.push({ exitCode: null, statusReason: `Job terminated: ${record.terminated}`, startedAt, stoppedAt: startedAt });
      return 'failed';
    }
    record.status = 'RUNNING';
    const fault = this.options.faults?.({ name: record.jobName, env: record.env, attempt });
    if (fault) {
      record.attempts.push({ exitCode: null, statusReason: fault.statusReason, startedAt, stoppedAt: Date.now() });
      return 'failed';
    }
    const res = await this.options.launch(command, record.env, record.abort.signal);
    const ok = res.exitCode === 0 && record.terminated === undefined;
    const statusReason = ok
      ? 'Essential container in task exited'
      : record.terminated !== undefined
        ? `Job terminated: ${record.terminated}`
        : res.signal
          ? `Container killed by ${res.signal}`
          : `Essential container in task exited: ${lastLine(res.stderr) || `exit code ${res.exitCode}`}`;
    record.attempts.push({ exitCode: res.exitCode, statusReason, output: lastLine(res.stdout, Infinity) || lastLine(res.stderr, Infinity), startedAt, stoppedAt: Date.now() });
    return ok ? 'ok' : 'failed';
  }
}

/** Batch's rule: the first evaluateOnExit entry whose patterns all match decides; none → RETRY. */
function retryAction(definition: LocalJobDefinition, attempt: JobAttempt): 'RETRY' | 'EXIT' {
  for (const rule of definition.evaluateOnExit) {
    const checks: boolean[] = [];
    if (rule.onStatusReason !== undefined) checks.push(globMatch(rule.onStatusReason, attempt.statusReason));
    if (rule.onReason !== undefined) checks.push(globMatch(rule.onReason, attempt.statusReason));
    if (rule.onExitCode !== undefined) checks.push(attempt.exitCode !== null && globMatch(rule.onExitCode, String(attempt.exitCode)));
    if (checks.length > 0 && checks.every(Boolean)) return rule.action === 'RETRY' ? 'RETRY' : 'EXIT';
  }
  return 'RETRY';
}

/** Batch patterns: letters/digits/spaces/., with an optional trailing `*`. */
function globMatch(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function describe(record: LocalJobRecord): Record<string, unknown> {
  const last = record.attempts.at(-1);
  return {
    JobId: record.jobId,
    JobName: record.jobName,
    JobDefinition: record.jobDefinition,
    Status: record.status,
    StatusReason: last?.statusReason,
    Attempts: record.attempts.map((a) => ({ Container: { ExitCode: a.exitCode }, StatusReason: a.statusReason, StartedAt: a.startedAt, StoppedAt: a.stoppedAt })),
    Container: { ExitCode: last?.exitCode ?? null },
  };
}

function taskFailed(cause: Record<string, unknown>): Error {
  const err = new Error(JSON.stringify(cause));
  err.name = 'States.TaskFailed';
  return err;
}

function lastLine(text: string, max = 500): string {
  return text.trim().split('\n').at(-1)?.slice(0, max) ?? '';
}

/** Launches the container entrypoint as a local process: `node <bundle> <command...>` with `env`. */
export function processLauncher(nodeBinary: string, entryBundle: string, running: Set<ChildProcess> = new Set()): ContainerLauncher {
  return (command, env, signal) =>
    new Promise((resolve, reject) => {
      const child = spawn(nodeBinary, [entryBundle, ...command], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      // TerminateJob: Batch stops the container (SIGTERM, then SIGKILL); the job runner holds no state to save.
      const kill = () => child.kill('SIGKILL');
      if (signal?.aborted) kill();
      signal?.addEventListener('abort', kill, { once: true });
      child.on('close', () => {
        running.delete(child);
        signal?.removeEventListener('abort', kill);
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
    });
}
