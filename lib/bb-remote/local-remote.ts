/**
 * bb-remote's local executor: the prover container's entrypoint (bundled, lib/local/job-runner-bundle.ts) as
 * a local process with the environment a Batch job gets — JOB_ID, RUN_ID, the bucket, an S3 endpoint, the
 * CRS directory — the way the local Batch executor runs it for `prover local`. Same job runner, same S3
 * protocol as on AWS; only the process start differs.
 */
import { spawn } from 'node:child_process';
import { RETRYABLE_EXIT_CODE } from '../job-retry.ts';
import { abortReason, type RemoteExecutor, type RemoteJobRequest, type RemoteOutcome, type RemoteRunOptions } from './remote.ts';

export interface LocalRemoteOptions {
  /** Node binary and bundled entrypoint. */
  readonly node: string;
  readonly bundle: string;
  /** The job's environment: ARTIFACT_BUCKET, S3_ENDPOINT, AWS credentials/region, CRS_PATH, BB_BINARY … */
  readonly env: Readonly<Record<string, string>>;
}

export class LocalRemote implements RemoteExecutor {
  readonly description: string;

  constructor(private readonly options: LocalRemoteOptions) {
    this.description = `local job runner (${options.env['S3_ENDPOINT'] ?? 'AWS S3'})`;
  }

  async run(request: RemoteJobRequest, { signal, log }: RemoteRunOptions): Promise<RemoteOutcome> {
    if (signal.aborted) return { ok: false, retryable: false, aborted: true, reason: abortReason(signal) };
    log(`running job ${request.jobId} with the local job runner`);
    const result = await this.launch({ ...this.options.env, JOB_ID: request.jobId, RUN_ID: 'bb-remote' }, signal);
    if (signal.aborted) return { ok: false, retryable: false, aborted: true, reason: abortReason(signal) };
    if (result.exitCode === 0) return { ok: true, detail: 'local job runner exited 0' };
    const how = result.signal !== null ? `killed by ${result.signal}` : `exited ${result.exitCode}`;
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    return {
      ok: false,
      retryable: result.exitCode === RETRYABLE_EXIT_CODE || result.signal !== null,
      reason: `local job runner ${how}`,
      ...(last === '' ? {} : { output: runnerMessage(last) }),
    };
  }

  /**
   * `node <bundle> run` in its own process group, so stopping the job stops bb too (as stopping a container
   * does), not just the runner.
   */
  private launch(env: Readonly<Record<string, string>>, signal: AbortSignal): Promise<{ exitCode: number | null; signal: string | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.node, [this.options.bundle, 'run'], {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-64 * 1024)));
      const kill = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      signal.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        signal.removeEventListener('abort', kill);
        reject(err);
      });
      child.on('close', (exitCode, exitSignal) => {
        signal.removeEventListener('abort', kill);
        resolve({ exitCode, signal: exitSignal, stderr });
      });
    });
  }
}

/** The runner's outcome line is JSON with a `message`; anything else (a crash) is shown as is. */
function runnerMessage(line: string): string {
  try {
    const parsed = JSON.parse(line) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not the runner's JSON line
  }
  return line.slice(0, 4000);
}
