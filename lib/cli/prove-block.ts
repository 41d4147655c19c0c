/**
 * `prover prove-block <n> [--to <m>]`: start a run for blocks n..m on the deployed state machine, by hand.
 * The execution gets the name the poller would give that range (lib/pipeline/run-name.ts: the run id over
 * the blocks' L1 archives, `-r2`, `-r3`, … after failed attempts), so a CLI start and a poll of the same
 * range meet at one execution. The range is checked against L1 first (Plan's own checks): nothing is
 * started for an inverted or oversized range, a block that is not proposed, or blocks already proven.
 */
import type { Command } from 'commander';
import type { SfnExecutions } from '../aws/sfn-executions.ts';
import { InputError, ProverError } from '../errors.ts';
import { checkRangeAgainstL1 } from '../pipeline/plan-run.ts';
import type { ExecutionStatus } from '../pipeline/poll.ts';
import { rangeRun } from '../pipeline/run-name.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import {
  addDeploymentOptions,
  addL1Options,
  artifactStore,
  cliConfig,
  resolveDeployment,
  rollupViewFor,
  sfnExecutions,
  type DeploymentOptions,
  type Env,
  type L1Options,
} from './deployment.ts';
import { describeRun, formatRunStatus, type RunStatus } from './status.ts';

export interface ProveBlockOptions extends DeploymentOptions, L1Options {
  readonly to?: string;
  readonly maxBlocks?: string;
  readonly wait?: boolean;
  /** Minutes --wait waits before giving up (the run goes on). */
  readonly timeout?: string;
  readonly json?: boolean;
  readonly local?: boolean;
}

export interface ProveBlockReport {
  /** The execution name (= run id, or `<run id>-r<attempt>`). */
  readonly run: string;
  readonly runId: string;
  readonly attempt: number;
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly stateMachineArn: string;
  /** 'exists': an execution of that name was already running or finished; nothing was started. */
  readonly outcome: 'started' | 'exists';
  /** Status right after the start (or of the existing execution). */
  readonly status: ExecutionStatus | undefined;
  /** With --wait: how the run ended. */
  readonly final?: RunStatus;
}

export interface ProveBlockIo {
  /** Progress lines. @default stdout (stderr with --json) */
  readonly say?: (line: string) => void;
  readonly env?: Env;
  /** --wait: first and largest pause between DescribeExecution calls. @default 2 s, 30 s */
  readonly pollMs?: { readonly first: number; readonly max: number };
}

const DEFAULT_TIMEOUT_MINUTES = 240;

const HELP = `
The execution name is the run id the poller uses for the same range (profile, blocks and the blocks' L1
archives), so starting a range twice, or racing the poller, starts one execution; a second start prints
"already started/finished: <status>" and starts nothing. A range whose runs failed is started again as
<run id>-r2, -r3, … (the poller stops after 3 attempts; prove-block does not).
Checked before anything starts: n <= m, at most --max-blocks blocks, every block proposed on L1, none proven.
AWS region, credentials and endpoints come from the usual AWS_* variables (AWS_REGION, AWS_PROFILE,
AWS_ENDPOINT_URL_SFN, …).
Examples:
  prover prove-block 7 --rpc-url https://l1.example --rollup 0x… --wait
  prover prove-block 7 --to 10 --stack AztecProver --json
`;

export function register(program: Command, env: Env = process.env): void {
  const command = program
    .command('prove-block')
    .description('start proving blocks n..m on the deployed state machine (named like the poller names runs)')
    .argument('<n>', 'first block')
    .option('--to <m>', 'last block (default: n)')
    .option('--max-blocks <k>', 'largest range per run (default: config maxBlocksPerRun; keep it within the deployment\'s)')
    .option('--wait', 'wait until the run ends; exit 0 only if it SUCCEEDED')
    .option('--timeout <minutes>', `with --wait: stop waiting after this long (the run goes on)`, String(DEFAULT_TIMEOUT_MINUTES))
    .option('--json', 'print the result as JSON (progress goes to stderr)')
    .option('--local', 'prove on the embedded runtime instead (not available: see the error)');
  addL1Options(command);
  addDeploymentOptions(command)
    .addHelpText('after', HELP)
    .action(async (block: string, opts: ProveBlockOptions) => {
      const say = opts.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => process.stdout.write(`${line}\n`);
      const report = await proveBlock(block, opts, { say, env });
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.final) process.stdout.write(formatRunStatus(report.final));
      assertSucceeded(report);
    });
}

export async function proveBlock(block: string, opts: ProveBlockOptions, io: ProveBlockIo = {}): Promise<ProveBlockReport> {
  const env = io.env ?? process.env;
  const say = io.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (opts.local) {
    throw new InputError('--local: there is no local devnet to prove on outside `prover local`', {
      metaMessages: [
        'the embedded runtime (anvil, local S3, the rollup and its blocks) lives only inside `prover local`,',
        'which proposes its own blocks and proves them with the same state machine: run `prover local --blocks <n>`',
      ],
    });
  }
  const fromBlock = positiveInteger('<n>', block);
  const toBlock = opts.to === undefined ? fromBlock : positiveInteger('--to', opts.to);
  const config = cliConfig(env);
  const maxBlocks = opts.maxBlocks === undefined ? config.maxBlocksPerRun : positiveInteger('--max-blocks', opts.maxBlocks);
  if (toBlock < fromBlock) throw new InputError(`blocks ${fromBlock}..${toBlock}: the range is inverted (--to ${toBlock} is below ${fromBlock})`);
  const size = toBlock - fromBlock + 1;
  if (size > maxBlocks) {
    throw new InputError(`blocks ${fromBlock}..${toBlock} are ${size} blocks; a run proves at most ${maxBlocks} (--max-blocks, default config maxBlocksPerRun)`, {
      metaMessages: [`start ${fromBlock}..${fromBlock + maxBlocks - 1} first, then the rest`],
    });
  }
  const timeoutMinutes = positiveInteger('--timeout', opts.timeout ?? String(DEFAULT_TIMEOUT_MINUTES));

  const deployment = await resolveDeployment(opts, config);
  const { view } = rollupViewFor(deployment.profile, opts, env, config);
  await checkRangeAgainstL1({ fromBlock, toBlock, maxBlocks, rollup: view });

  const executions = sfnExecutions(deployment);
  // An operator may start a range the poller gave up on: no attempt limit here.
  const run = await rangeRun({ profile: deployment.profile, rollup: view, executions, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock), maxAttempts: Number.POSITIVE_INFINITY });
  const name = run.name!;
  let outcome: ProveBlockReport['outcome'] = 'exists';
  let status = run.status;
  if (status === undefined) {
    outcome = await executions.start(name, { ...run.input });
    status = (await executions.describe(name))?.status;
  }
  if (outcome === 'started') {
    say(`run ${name} started: blocks ${fromBlock}..${toBlock}${run.attempt > 1 ? ` (attempt ${run.attempt}: earlier attempts failed)` : ''}`);
  } else {
    say(`run ${name} already started/finished: ${status ?? 'unknown'} (nothing started)`);
  }
  const report: ProveBlockReport = {
    run: name,
    runId: run.runId,
    attempt: run.attempt,
    fromBlock,
    toBlock,
    stateMachineArn: deployment.stateMachineArn,
    outcome,
    status,
  };
  if (!opts.wait) return report;
  const store = deployment.bucket === undefined ? undefined : artifactStore(deployment.bucket);
  const final = await waitForRun(executions, name, { store, bucket: deployment.bucket, timeoutMs: timeoutMinutes * 60_000, say, pollMs: io.pollMs ?? { first: 2_000, max: 30_000 } });
  return { ...report, final };
}

/** With --wait, anything but SUCCEEDED is a failure of the command (after its report is printed). */
function assertSucceeded(report: ProveBlockReport): void {
  const final = report.final;
  if (!final || final.status === 'SUCCEEDED') return;
  const failure = final.artifacts?.failure;
  throw new ProverError(`run ${report.run} ${final.status}${final.error ? `: ${final.error}` : ''}`, {
    metaMessages: [
      ...(final.cause ? [`cause: ${final.cause}`] : []),
      ...(failure !== undefined ? [`failure.json: ${JSON.stringify(failure)}`] : []),
      `prove the range again (as ${report.runId}-r${report.attempt + 1}) with the same command`,
    ],
  });
}

interface WaitOptions {
  readonly store: ArtifactStore | undefined;
  readonly bucket: string | undefined;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
  readonly pollMs: { readonly first: number; readonly max: number };
}

/** Polls DescribeExecution with growing pauses (SDK v3 has no Step Functions waiter) until the run closes. */
async function waitForRun(executions: SfnExecutions, name: string, opts: WaitOptions): Promise<RunStatus> {
  const started = Date.now();
  let pause = opts.pollMs.first;
  let lastLine = '';
  let lastSaid = 0;
  for (;;) {
    const execution = await executions.describe(name);
    if (!execution) throw new ProverError(`run ${name} vanished from ${executions.stateMachineArn} while waiting`);
    const status = await describeRun(execution, executions, opts.store, opts.bucket);
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return status;
    const jobs = status.artifacts?.jobs;
    const line = `${status.status}${jobs ? `, jobs done ${jobs.done}/${jobs.total}` : ''}`;
    const elapsed = Date.now() - started;
    if (line !== lastLine || Date.now() - lastSaid >= 60_000) {
      opts.say(`  [${Math.round(elapsed / 1000)}s] ${line}`);
      lastLine = line;
      lastSaid = Date.now();
    }
    if (elapsed >= opts.timeoutMs) {
      throw new ProverError(`run ${name} is still ${execution.status} after ${Math.round(opts.timeoutMs / 60_000)} min (--timeout); it goes on`, {
        retryable: true,
        metaMessages: [`follow it with: prover status ${name}`],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, opts.timeoutMs - elapsed))));
    pause = Math.min(pause * 1.5, opts.pollMs.max);
  }
}

function positiveInteger(flag: string, value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
