/**
 * The poller: one look at L1, then start a run for each unproven range — bounded, oldest first, never twice.
 * Runs are Step Functions executions named by the deterministic run id, so two pollers (or a poll racing the
 * CLI) start one execution per range. Ranges already being proven are skipped; a range whose run failed is
 * retried under a suffixed name (`-r2`, `-r3`: Step Functions keeps a closed execution's name for 90 days),
 * and proven jobs are not redone because job results are content-addressed.
 */
import { ProverError } from '../errors.ts';
import type { NextRange, RollupView } from './rollup-view.ts';
import { parseRunName, rangeRun } from './run-name.ts';

export { attemptName, parseRunName } from './run-name.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** A running execution of the prover's state machine. */
export interface RunningExecution {
  readonly name: string;
  readonly startedAt: Date;
}

/** The part of Step Functions the poller uses (lib/aws/sfn-executions.ts on AWS, the local runtime locally). */
export interface Executions {
  /** Running executions of the prover's state machine (any profile). */
  listRunning(): Promise<RunningExecution[]>;
  status(name: string): Promise<ExecutionStatus | undefined>;
  /** Starts `name`; 'exists' when an execution of that name already exists (a no-op). */
  start(name: string, input: Record<string, unknown>): Promise<'started' | 'exists'>;
}

export interface PollParameters {
  readonly profile: string;
  readonly rollup: RollupView;
  readonly executions: Executions;
  readonly maxBlocksPerRun: number;
  /** At most this many new runs per poll (bounds L1 reads and spend). */
  readonly maxRunsPerPoll: number;
  /** Attempts per range before the poller leaves it to an operator. */
  readonly maxAttempts?: number;
}

export interface PollResult {
  readonly pending: bigint;
  readonly proven: bigint;
  readonly started: string[];
  readonly alreadyRunning: string[];
  readonly gaveUp: string[];
  /** Why the poller stopped before `pending` (the L1 adapter's `nextRange` said to wait), if it did. */
  readonly waiting?: string;
  /** Start of the oldest execution still running, if any: a run stuck in a queue shows here long before it times out. */
  readonly oldestRunStartedAt?: Date;
}

export async function pollOnce(params: PollParameters): Promise<PollResult> {
  const { rollup, executions, profile } = params;
  const maxAttempts = params.maxAttempts ?? 3;
  // Listed first: the age of the oldest run is reported even when nothing is left to start.
  const running = await executions.listRunning();
  const oldest = running.reduce<Date | undefined>((min, e) => (min === undefined || e.startedAt < min ? e.startedAt : min), undefined);
  const { pending, proven } = await rollup.readTips();
  const result: PollResult = { pending, proven, started: [], alreadyRunning: [], gaveUp: [], ...(oldest ? { oldestRunStartedAt: oldest } : {}) };
  if (pending <= proven) return result;

  // Skip what is being proven: continue after the highest block any running run of this profile covers.
  let next = proven + 1n;
  for (const { name } of running) {
    const run = parseRunName(name);
    if (!run || run.profile !== profile) continue;
    if (BigInt(run.to) >= next && BigInt(run.to) > proven) {
      result.alreadyRunning.push(name);
      next = BigInt(run.to) + 1n;
    }
  }

  while (next <= pending && result.started.length < params.maxRunsPerPoll) {
    const range = await nextRange(rollup, next, pending, params.maxBlocksPerRun);
    if ('wait' in range) return { ...result, waiting: range.wait };
    const { from, to } = range;
    const run = await rangeRun({ profile, rollup, executions, fromBlock: from, toBlock: to, maxAttempts });
    if (run.name === undefined) {
      result.gaveUp.push(run.runId);
    } else if (run.status === undefined && (await executions.start(run.name, { ...run.input })) === 'started') {
      result.started.push(run.name);
    } else {
      result.alreadyRunning.push(run.name);
    }
    next = to + 1n;
  }
  return result;
}

/** The adapter's range (checked: it must start at `from` and end within `pending`), else `maxBlocks`-sized cuts. */
async function nextRange(rollup: RollupView, from: bigint, pending: bigint, maxBlocks: number): Promise<NextRange> {
  if (!rollup.nextRange) return { from, to: minBig(pending, from + BigInt(maxBlocks) - 1n) };
  const range = await rollup.nextRange({ from, pending, maxBlocks });
  if (!('wait' in range) && (range.from !== from || range.to < from || range.to > pending)) {
    throw new ProverError(`the L1 adapter's next range ${range.from}..${range.to} does not start at ${from} and end by the pending tip ${pending}`);
  }
  return range;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
