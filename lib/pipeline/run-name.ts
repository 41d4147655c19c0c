/**
 * Range → Step Functions execution name and input: the one place that decides what a run of blocks
 * `from..to` is called, used by the poller (poll.ts) and by `prover prove-block`. Both derive the same name
 * from L1, so a CLI start and a poll of the same range meet at one execution instead of proving it twice.
 *
 * The run id covers the L1 archives of the range's blocks (a re-proposed, reorged block gets a new id). A
 * range whose run failed is retried under `<runId>-r2`, `-r3`, … because Step Functions keeps a closed
 * execution's name for 90 days.
 */
import { runId as makeRunId } from '../proving/job-id.ts';
import type { ExecutionStatus, Executions } from './poll.ts';
import type { RollupView } from './rollup-view.ts';

/** The execution input of a run (lib/pipeline/workflow-contract.ts `blockRangeSchema`). */
interface RunInput {
  readonly fromBlock: number;
  readonly toBlock: number;
}

export interface RangeRun {
  /** The range's run id (= the first attempt's execution name). */
  readonly runId: string;
  /** The execution to start, or that already covers the range; undefined when `maxAttempts` all failed. */
  readonly name: string | undefined;
  /** Attempt number of `name` (1 = the run id itself). */
  readonly attempt: number;
  /** Status of the execution `name` when it exists (RUNNING, SUCCEEDED or PENDING_REDRIVE); undefined = not started. */
  readonly status: ExecutionStatus | undefined;
  readonly input: RunInput;
}

export interface RangeRunParameters {
  readonly profile: string;
  readonly rollup: RollupView;
  readonly executions: Pick<Executions, 'status'>;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  /** Attempts before giving up on the range (the poller: 3; an operator: unbounded). */
  readonly maxAttempts: number;
}

const RUN_NAME = /^([a-z][a-z0-9]*)-(\d{10})-(\d{10})-([0-9a-f]{8})(?:-r(\d+))?$/;

/** `devnet-0000000003-0000000004-1a2b3c4d-r2` → its parts; undefined for anything else. */
export function parseRunName(name: string): { profile: string; from: number; to: number; attempt: number; runId: string } | undefined {
  const m = RUN_NAME.exec(name);
  if (!m) return undefined;
  return { profile: m[1]!, from: Number(m[2]), to: Number(m[3]), attempt: m[5] ? Number(m[5]) : 1, runId: name.replace(/-r\d+$/, '') };
}

export function attemptName(runId: string, attempt: number): string {
  return attempt <= 1 ? runId : `${runId}-r${attempt}`;
}

/** The run id of `from..to` as L1 has it now (reads each block's proposal). */
async function rangeRunId(rollup: RollupView, profile: string, fromBlock: bigint, toBlock: bigint): Promise<string> {
  const archives: string[] = [];
  for (let n = fromBlock; n <= toBlock; n++) archives.push((await rollup.blockProposal(n)).archive);
  return makeRunId(profile, Number(fromBlock), Number(toBlock), archives);
}

/**
 * The execution that proves `from..to`: the first attempt that is not closed unsuccessfully, with its status.
 * Starting it (when `status` is undefined) is the caller's move.
 */
export async function rangeRun(params: RangeRunParameters): Promise<RangeRun> {
  const runId = await rangeRunId(params.rollup, params.profile, params.fromBlock, params.toBlock);
  const input: RunInput = { fromBlock: Number(params.fromBlock), toBlock: Number(params.toBlock) };
  for (let attempt = 1; attempt <= params.maxAttempts; attempt++) {
    const name = attemptName(runId, attempt);
    const status = await params.executions.status(name);
    if (status === undefined || status === 'RUNNING' || status === 'SUCCEEDED' || status === 'PENDING_REDRIVE') {
      return { runId, name, attempt, status, input };
    }
  }
  return { runId, name: undefined, attempt: params.maxAttempts, status: undefined, input };
}
