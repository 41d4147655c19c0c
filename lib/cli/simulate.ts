/**
 * `prover simulate`: how long a range or epoch takes on the deployed stack and what it costs, from the capacity
 * model (lib/model): the planner's job graph for the shape (`--txs`/`--checkpoints` as `prover plan`), the
 * level state machine and/or the broker's dataflow, per-type proving times, AWS latencies, Batch capacity and
 * c7a prices; next to a fixed 24/7 fleet sized to meet the same deadline. Pure: no AWS calls. Deployment
 * knobs default to this checkout's config (cdk.json, PROVER_* variables), as `cdk synth` would read them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { InputError } from '../errors.ts';
import { defaultDurations, DEFAULT_THREAD_SCALING_EXPONENT, overrideDurations, readDurationsFile, type DurationTable } from '../model/durations.ts';
import { PLAN_WRITE_PARALLELISM } from '../model/fixes.ts';
import { MAINNET_EPOCH_SECONDS } from '../model/latencies.ts';
import { answer, DEFAULT_DEPLOYMENT, fleetAgentVcpus, simulateScenario, type DeploymentShape, type ModelAnswer, type Scenario } from '../model/scenario.ts';
import { DEFAULT_MAP_CONCURRENCY, DESIGNS, type Design } from '../model/simulate.ts';
import { buildWorkload, type Workload } from '../model/workload.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { PROFILE_NAMES } from '../profile-names.ts';
import { getProfile } from '../protocols/registry.ts';
import { renderRunReport } from '../report/gantt.ts';
import { medianSecondsByType, parseRunRecords } from '../report/run-records.ts';
import { simulationRecords } from '../report/simulation-records.ts';
import { cliConfig, type Env } from './deployment.ts';
import { buildPlanReport } from './plan.ts';

export interface ModelOptions {
  readonly profile?: string;
  readonly txs: string;
  readonly from?: string;
  readonly checkpoints?: string;
  readonly maxVcpus?: number;
  readonly warmVcpus?: number;
  readonly instanceTypes?: string;
  readonly scaleDownMinutes?: number;
  readonly spot?: boolean;
  readonly onDemandFallback?: boolean;
  readonly cold?: boolean;
  readonly warm?: boolean;
  readonly prewarm?: number;
  readonly durations?: string;
  readonly durationsFrom?: string;
  readonly threadScaling?: number;
  readonly mapConcurrency?: number;
  readonly planParallelism?: number;
  readonly period?: number;
  readonly seed?: number;
}

interface SimulateOptions extends ModelOptions {
  readonly design?: string;
  readonly deadline?: number;
  readonly report?: string;
  readonly json?: boolean;
}

const number = (flag: string, min: number, integer = true) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isSafeInteger(n))) {
    throw new InputError(`${flag} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
};

/** The shape, deployment, durations and latency options `simulate` and `capacity` share. */
export function addModelOptions(command: Command): Command {
  return command
    .option('--profile <name>', `protocol profile (${PROFILE_NAMES.join(' | ')}; default: the config's)`)
    .requiredOption('--txs <blocks>', 'txs per block, comma-separated, as `prover plan` (e.g. 72,72 or 36+36pub)')
    .option('--checkpoints <counts>', 'aztec: blocks per checkpoint, comma-separated (as `prover plan`)')
    .option('--from <block>', 'number of the first block', '1')
    .option('--max-vcpus <n>', 'vCPU cap of each compute environment (default: config maxVcpus)', number('--max-vcpus', 1))
    .option('--warm-vcpus <n>', 'vCPUs kept running in the first environment (default: config warmVcpus)', number('--warm-vcpus', 0))
    .option('--instance-types <list>', 'c7a instance types, comma-separated (default: config instanceTypes)')
    .option('--scale-down-minutes <n>', 'idle instances kept this long (default: config minScaleDownDelayMinutes, else Batch\'s few minutes)', number('--scale-down-minutes', 0))
    .option('--no-spot', 'no spot environment (config spotEnabled=false)')
    .option('--no-on-demand-fallback', 'no on-demand environment behind spot (config onDemandFallback=false)')
    .addOption(new Option('--cold', 'capacity starts from the warm pool; new instances take a cold start (default)').conflicts('warm'))
    .addOption(new Option('--warm', 'every instance is ready the moment Batch asks for it (a lower bound)').conflicts('cold'))
    .option('--prewarm <vcpus>', 'raise desired vCPUs to this a cold start before the range ends (pre-warm)', number('--prewarm', 0))
    .option('--durations <file>', 'JSON: job type → seconds on its resource class (other types keep the defaults)')
    .option('--durations-from <records>', "a finished run's records JSON (prover local writes one): per-type median job times")
    .option('--thread-scaling <exponent>', `seconds × (reference vCPUs / class vCPUs)^exponent for the default durations (default ${DEFAULT_THREAD_SCALING_EXPONENT}; 0 = none)`, number('--thread-scaling', 0, false))
    .option('--map-concurrency <n>', `levels: Distributed Map MaxConcurrency (default ${DEFAULT_MAP_CONCURRENCY})`, number('--map-concurrency', 1))
    .option('--plan-parallelism <n>', `levels: concurrent S3 writes of Plan (default ${PLAN_WRITE_PARALLELISM})`, number('--plan-parallelism', 1))
    .option('--period <seconds>', `how often the workload recurs: warm pool and fleet are paid per period (default ${MAINNET_EPOCH_SECONDS}, a mainnet epoch)`, number('--period', 1))
    .option('--seed <n>', 'seed of the throttling retries\' jitter', number('--seed', 0));
}

export interface ModelInputs {
  readonly profile: ProtocolProfile;
  readonly workload: Workload;
  readonly deployment: DeploymentShape;
  /** Everything of a Scenario but the design. */
  readonly base: Omit<Scenario, 'design'>;
  readonly agentVcpus: number;
  /** Human-readable lines: the shape and the assumptions. */
  readonly describe: readonly string[];
}

export async function resolveModelInputs(opts: ModelOptions, env: Env = process.env): Promise<ModelInputs> {
  const config = cliConfig(env);
  const profile = getProfile(opts.profile ?? config.profile);
  const plan = buildPlanReport({ profile: profile.name, txs: opts.txs, ...(opts.from ? { from: opts.from } : {}), ...(opts.checkpoints ? { checkpoints: opts.checkpoints } : {}) });
  const exponent = opts.threadScaling ?? DEFAULT_THREAD_SCALING_EXPONENT;
  const vcpusOf = (type: string) => profile.resourceClasses[profile.circuits[type]!.resourceClass]!.vcpus;
  let durations: DurationTable = defaultDurations(profile.name);
  if (opts.durationsFrom) durations = await durationsFromRecords(opts.durationsFrom, profile, durations, vcpusOf, exponent);
  if (opts.durations) durations = await readDurationsFile(opts.durations, durations, vcpusOf, exponent);
  const workload = buildWorkload(profile, { jobs: plan.jobs, root: plan.root }, { durations, threadScalingExponent: exponent });

  const deployment: DeploymentShape = {
    ...DEFAULT_DEPLOYMENT,
    maxVcpus: opts.maxVcpus ?? config.maxVcpus,
    warmVcpus: opts.warmVcpus ?? config.warmVcpus,
    instanceTypes: opts.instanceTypes ? opts.instanceTypes.split(',').map((t) => t.trim()) : config.instanceTypes,
    spotEnabled: opts.spot === false ? false : config.spotEnabled,
    onDemandFallback: opts.onDemandFallback === false ? false : config.onDemandFallback,
    ...((opts.scaleDownMinutes ?? config.minScaleDownDelayMinutes) !== undefined ? { scaleDownSeconds: (opts.scaleDownMinutes ?? config.minScaleDownDelayMinutes)! * 60 } : {}),
  };
  if (!deployment.spotEnabled && !deployment.onDemandFallback) throw new InputError('--no-spot with --no-on-demand-fallback leaves no compute environment');
  if (deployment.warmVcpus > deployment.maxVcpus) throw new InputError(`--warm-vcpus ${deployment.warmVcpus} exceeds maxVcpus ${deployment.maxVcpus}`);
  const base: Omit<Scenario, 'design'> = {
    deployment,
    cold: !opts.warm,
    ...(opts.prewarm ? { prewarmVcpus: opts.prewarm } : {}),
    mapConcurrency: opts.mapConcurrency ?? DEFAULT_MAP_CONCURRENCY,
    planWriteParallelism: opts.planParallelism ?? PLAN_WRITE_PARALLELISM,
    periodSeconds: opts.period ?? MAINNET_EPOCH_SECONDS,
    seed: opts.seed ?? 1,
  };
  const txs = plan.blocks.reduce((n, b) => n + b.txs.length, 0);
  const publicTxs = plan.blocks.reduce((n, b) => n + b.txs.filter((t) => t.kind === 'public').length, 0);
  const checkpoints = new Set(plan.blocks.map((b) => b.checkpoint ?? 0)).size;
  const envs = [deployment.spotEnabled ? 'spot' : undefined, !deployment.spotEnabled || deployment.onDemandFallback ? 'on-demand' : undefined].filter(Boolean).join(' + ');
  return {
    profile,
    workload,
    deployment,
    base,
    agentVcpus: fleetAgentVcpus(profile.resourceClasses),
    describe: [
      `${profile.name}: ${plan.blocks.length} block(s)${profile.name === 'aztec' ? ` in ${checkpoints} checkpoint(s)` : ''}, ${txs} txs${publicTxs ? ` (${publicTxs} public)` : ''} → ${workload.jobs.length} jobs, ${workload.levels.length} levels`,
      `durations: ${workload.durationsSource}${durations.referenceVcpus && exponent > 0 ? `, scaled to each class's vCPUs with exponent ${exponent}` : ''}`,
      `capacity: maxVcpus ${deployment.maxVcpus} per environment (${envs}), ${deployment.instanceTypes.join(', ')}, warm ${deployment.warmVcpus} vCPUs, ${base.cold ? 'cold starts' : 'no cold starts (--warm)'}${base.prewarmVcpus ? `, pre-warm ${base.prewarmVcpus} vCPUs` : ''}`,
      `levels design: Map concurrency ${base.mapConcurrency}, Plan writes ${base.planWriteParallelism} at a time; costs per ${base.periodSeconds} s period (warm pool, fleet)`,
    ],
  };
}

async function durationsFromRecords(path: string, profile: ProtocolProfile, base: DurationTable, vcpusOf: (type: string) => number, exponent: number): Promise<DurationTable> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new InputError(`--durations-from: cannot read ${path} as JSON`, { cause });
  }
  const records = parseRunRecords(json, path);
  if (records.profile !== profile.name) throw new InputError(`--durations-from: ${path} is a ${records.profile} run, the model is for ${profile.name}`);
  return overrideDurations(base, medianSecondsByType(records), `run ${records.run} (per-type medians) + ${base.source}`, vcpusOf, exponent);
}

export function register(program: Command): void {
  addModelOptions(program.command('simulate'))
    .description('model how long a range/epoch takes on the deployed stack and what it costs (no AWS calls)')
    .addOption(new Option('--design <design>', 'levels (the state machine), dataflow (the broker) or both').choices([...DESIGNS, 'both']))
    .option('--deadline <seconds>', 'size the fixed fleet for this deadline (default: the simulated makespan)', number('--deadline', 1))
    .option('--report <file>', 'also write the simulated schedule as a Gantt chart (HTML)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', HELP)
    .action(async (opts: SimulateOptions) => {
      const inputs = await resolveModelInputs(opts);
      const designs = designsFor(opts.design, inputs.profile.name);
      const answers = designs.map((design) => answer(inputs.workload, { ...inputs.base, design, ...(opts.deadline ? { deadlineSeconds: opts.deadline } : {}) }, inputs.agentVcpus));
      if (opts.report) {
        const sim = simulateScenario(inputs.workload, { ...inputs.base, design: designs[0]! });
        const records = simulationRecords(inputs.workload, sim, `model-${designs[0]}`, inputs.describe);
        await writeFile(opts.report, renderRunReport(records));
      }
      if (opts.json) {
        const [first, ...rest] = answers;
        process.stdout.write(`${JSON.stringify({ ...first, assumptions: inputs.describe, ...(rest.length ? { designs: Object.fromEntries(answers.map((a) => [a.design, a])) } : {}) }, null, 2)}\n`);
      } else {
        process.stdout.write(formatAnswers(answers, inputs.describe));
        if (opts.report) process.stdout.write(`Gantt chart of the ${designs[0]} schedule: ${opts.report}\n`);
      }
      if (answers.some((a) => a.failure)) process.exitCode = 1;
    });
}

const HELP = `
Time 0 is the range's (epoch's) end; the makespan ends when the root proof exists. levels = the state machine
(poller, Plan, one Distributed Map per level); dataflow = the broker (Aztec's node enqueues each job when its
children are proven). Default design: levels for devnet, both for aztec. $ = instance time (idle tail and warm
pool included) + Step Functions transitions; "spot" bills the spot environment at spot prices and the
on-demand fallback at on-demand, "on-demand" bills everything at on-demand. The fleet: always-on agents of the
largest class's vCPUs (aztec: 64) proving one job at a time, the fewest that meet the same deadline.
Examples:
  prover simulate --profile aztec --txs $(printf '72,%.0s' {1..32} | sed 's/,$//') --checkpoints $(printf '1,%.0s' {1..32} | sed 's/,$//')
  prover simulate --profile devnet --txs 4 --warm --json
`;

function designsFor(choice: string | undefined, profile: string): Design[] {
  if (choice === 'both') return ['levels', 'dataflow'];
  if (choice === 'levels' || choice === 'dataflow') return [choice];
  return profile === 'aztec' ? ['levels', 'dataflow'] : ['levels'];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (n: number | undefined) => (n === undefined ? 'failed' : `${int(n)} s`);
const money = (n: number) => (n >= 100 ? `$${int(n)}` : `$${n.toFixed(2)}`);

function formatAnswers(answers: readonly ModelAnswer[], describe: readonly string[]): string {
  const label = (a: ModelAnswer) => (a.design === 'levels' ? 'levels (state machine)' : 'dataflow (broker)');
  const rows: [string, (a: ModelAnswer) => string][] = [
    ['makespan: end → root proof', (a) => secs(a.makespanSeconds)],
    ['critical path (job times)', (a) => secs(a.criticalPathSeconds)],
    ['× critical path', (a) => (a.ratioToCriticalPath === undefined ? '–' : a.ratioToCriticalPath.toFixed(2))],
    ['Plan', (a) => (a.planSeconds === undefined ? '–' : `${a.planSeconds.toFixed(1)} s`)],
    ['vCPU-hours billed / busy', (a) => `${int(a.vcpuHours)} / ${int(a.busyVcpuHours)}`],
    ['peak vCPUs', (a) => int(a.peakVcpus)],
    ['$ spot / on-demand', (a) => `${money(a.costUsd.spot)} / ${money(a.costUsd.onDemand)}`],
    ['  of which Step Functions', (a) => money(a.stepFunctionsUsd)],
    ['SubmitJob calls / throttled / gave up', (a) => `${int(a.submitJob.calls)} / ${int(a.submitJob.throttled)} / ${int(a.submitJob.exhausted)}`],
    ['fixed fleet for the same deadline', (a) => (a.fleet ? `${int(a.fleet.agents)} × ${a.fleet.agentVcpus} vCPUs` : '–')],
    ['  fleet $ spot / on-demand per period', (a) => (a.fleet ? `${money(a.fleet.costUsd.spot)} / ${money(a.fleet.costUsd.onDemand)}` : '–')],
    ['  fleet $ per day (on-demand)', (a) => (a.fleet ? money(a.fleet.costPerDayUsd.onDemand) : '–')],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const colWidth = Math.max(24, ...answers.flatMap((a) => rows.map(([, f]) => f(a).length)));
  const lines = [
    ...describe,
    '',
    `${''.padEnd(width)}  ${answers.map((a) => label(a).padStart(colWidth)).join('  ')}`,
    ...rows.map(([name, f]) => `${name.padEnd(width)}  ${answers.map((a) => f(a).padStart(colWidth)).join('  ')}`),
  ];
  for (const a of answers) {
    if (a.failure) lines.push(`${label(a)}: FAILED at ${a.failure.at.toFixed(1)} s — job ${a.failure.job}: ${a.failure.reason}`);
    if (a.fleetNote) lines.push(`${label(a)}: ${a.fleetNote}`);
  }
  return `${lines.join('\n')}\n`;
}
