/**
 * Where a delegated bb call's job runs: AWS Batch (aws-batch-remote.ts) or a local process (local-remote.ts).
 * Both run the prover image's job runner on `jobs/<id>/spec.json`, which reads its inputs from S3 and writes
 * the outputs and result.json back; the executor only starts the job and reports how it ended. The job's own
 * error text is in jobs/<id>/error.json, written by the runner.
 */
export interface RemoteJobRequest {
  readonly jobId: string;
  /** bb subcommand, for names and logs. */
  readonly command: string;
  /** Resource class (AWS: picks the job definition). */
  readonly resourceClass: string | undefined;
}

export type RemoteOutcome =
  | { readonly ok: true; readonly detail: string }
  | {
      readonly ok: false;
      /** Trying again may succeed (spot reclaim, the runner's exit 75). */
      readonly retryable: boolean;
      /** How the executor saw it end: Batch status reason and attempts, or the process's exit code. */
      readonly reason: string;
      /** The job's last output line when the executor has it (the local runner prints its outcome as JSON). */
      readonly output?: string;
      /** The job was stopped because the call timed out or was cancelled. */
      readonly aborted?: boolean;
    };

export interface RemoteRunOptions {
  /** Aborted on timeout or when bb-remote is stopped: the executor stops the job and returns. */
  readonly signal: AbortSignal;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
}

export interface RemoteExecutor {
  /** e.g. "aws batch queue prover-queue", for messages. */
  readonly description: string;
  run(request: RemoteJobRequest, options: RemoteRunOptions): Promise<RemoteOutcome>;
}

/** The reason an abort signal carries, as text. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.name === 'TimeoutError' ? 'timed out' : reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
