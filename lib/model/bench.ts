/**
 * `npm run bench:model`: the model's numbers for the shapes issue 14 asks about — a mainnet-like epoch (32
 * checkpoints × 72 txs, all private and half public) and a contest-like 4-tx block — under the current design
 * and each fix in turn (cumulative), as ratios to the critical path, with $ per epoch beside a fixed 24/7 fleet
 * sized to meet the same deadline.
 */
import { createHash } from 'node:crypto';
import type { BlockShape, ProtocolProfile } from '../proving/profile.ts';
import { DEFAULT_PREWARM_VCPUS } from '../config.ts';
import { planCapacity, UNLIMITED_VCPUS } from './capacity-search.ts';
import { DEFAULT_THREAD_SCALING_EXPONENT, defaultDurations } from './durations.ts';
import { ISSUE_14_BASELINE, MAP_CONCURRENCY, PLAN_WRITE_PARALLELISM, SUBMIT_JOB_RETRY } from './fixes.ts';
import { AWS_LATENCIES, MAINNET_EPOCH_SECONDS, PROOF_WINDOW_SECONDS } from './latencies.ts';
import { answer, DEFAULT_DEPLOYMENT, fleetAgentVcpus, sizeFleet, type FleetAnswer, type ModelAnswer, type Scenario } from './scenario.ts';
import { buildWorkload, type Workload } from './workload.ts';

/** The contest's best average proof time for a 4-tx block (ARCHITECTURE §3): the block rows' bar. */
const CONTEST_BLOCK_SECONDS = 419;

interface BenchRow {
  readonly step: string;
  readonly answer: ModelAnswer;
}

export interface BenchShape {
  readonly name: string;
  readonly jobs: number;
  readonly criticalPathSeconds: number;
  readonly rows: readonly BenchRow[];
  /** The cheapest always-on fleet that meets the proof window (epochs only). */
  readonly windowFleet?: FleetAnswer;
  /** maxVcpus the capacity search found for the fixed levels design and for the broker's dataflow. */
  readonly capacity?: { readonly levels?: number; readonly dataflow?: number };
}

export interface BenchResult {
  readonly threadScalingExponent: number;
  readonly proofWindowSeconds: number;
  readonly shapes: readonly BenchShape[];
  /** Ratios with Aztec's 64-vCPU times on every class (the issue's own estimate's assumption), unlimited capacity. */
  readonly unscaled: readonly { readonly name: string; readonly cold: boolean; readonly levels: number | undefined; readonly dataflow: number | undefined }[];
}

/** Aztec blocks with synthetic tx hashes: `checkpoints` checkpoints of one block each. */
export function aztecEpoch(checkpoints: number, privateTxs: number, publicTxs: number): BlockShape[] {
  return Array.from({ length: checkpoints }, (_, b) => ({
    number: b + 1,
    checkpoint: b + 1,
    txs: Array.from({ length: privateTxs + publicTxs }, (_, t) => ({
      hash: `0x${createHash('sha256').update(`bench-model:${b}:${t}`).digest('hex')}`,
      kind: t < privateTxs ? 'private' : 'public',
    })),
  }));
}

export function runModelBench(profile: ProtocolProfile, exponent = DEFAULT_THREAD_SCALING_EXPONENT, say: (line: string) => void = () => {}): BenchResult {
  const agentVcpus = fleetAgentVcpus(profile.resourceClasses);
  const workloadOf = (blocks: BlockShape[], alpha: number): Workload =>
    buildWorkload(profile, profile.planRange(blocks), { durations: defaultDurations(profile.name), threadScalingExponent: alpha });
  const shapes: BenchShape[] = [];
  const unscaled: BenchResult['unscaled'][number][] = [];

  const epochs = [
    { name: 'epoch 32 × 72 txs, all private', blocks: aztecEpoch(32, 72, 0) },
    { name: 'epoch 32 × 72 txs, 50 % public', blocks: aztecEpoch(32, 36, 36) },
  ];
  for (const epoch of epochs) {
    say(`bench:model: ${epoch.name} …`);
    const workload = workloadOf(epoch.blocks, exponent);
    const current = baseline();
    const plan: Scenario = { ...current, planWriteParallelism: PLAN_WRITE_PARALLELISM };
    const map: Scenario = { ...plan, mapConcurrency: MAP_CONCURRENCY };
    const retry: Scenario = { ...map, latencies: { ...AWS_LATENCIES, submitRetry: SUBMIT_JOB_RETRY } };
    const levelsCap = planCapacity(workload, retry, PROOF_WINDOW_SECONDS, 32).maxVcpus?.value;
    const sized: Scenario = { ...retry, deployment: DEFAULT_DEPLOYMENT };
    const prewarmed = withPrewarm(sized, DEFAULT_PREWARM_VCPUS.aztec);
    const dataflowCap = planCapacity(workload, { ...retry, design: 'dataflow' }, PROOF_WINDOW_SECONDS, 32).maxVcpus?.value;
    const broker: Scenario = { ...sized, design: 'dataflow' };
    const steps: [string, Scenario][] = [
      [`as filed: levels, maxVcpus ${ISSUE_14_BASELINE.maxVcpus}, cold`, current],
      [`+ Plan writes ${PLAN_WRITE_PARALLELISM} at a time`, plan],
      [`+ Map concurrency ${MAP_CONCURRENCY.toLocaleString('en-US')} (SubmitJob retries as filed)`, map],
      [`+ SubmitJob retries ${SUBMIT_JOB_RETRY.intervalSeconds} s × 2^n ≤ ${SUBMIT_JOB_RETRY.maxDelaySeconds} s, ${SUBMIT_JOB_RETRY.maxAttempts - 1} retries`, retry],
      [`+ maxVcpus ${DEFAULT_DEPLOYMENT.maxVcpus.toLocaleString('en-US')} (the new default)`, sized],
      [`+ pre-warm ${prewarmed.prewarmVcpus?.toLocaleString('en-US')} vCPUs at the epoch's end (prewarmVcpus, aztec default)`, prewarmed],
      [`dataflow (broker), maxVcpus ${DEFAULT_DEPLOYMENT.maxVcpus.toLocaleString('en-US')}, cold`, broker],
      ['dataflow (broker) + pre-warm', withPrewarm(broker, DEFAULT_PREWARM_VCPUS.aztec)],
    ];
    const rows = steps.map(([step, scenario]) => {
      say(`  ${step}`);
      return { step, answer: answer(workload, scenario, agentVcpus) };
    });
    const window = sizeFleet(workload, PROOF_WINDOW_SECONDS, agentVcpus, MAINNET_EPOCH_SECONDS).answer;
    shapes.push({
      name: epoch.name,
      jobs: workload.jobs.length,
      criticalPathSeconds: rows[0]!.answer.criticalPathSeconds,
      rows,
      ...(window ? { windowFleet: window } : {}),
      capacity: { ...(levelsCap ? { levels: levelsCap } : {}), ...(dataflowCap ? { dataflow: dataflowCap } : {}) },
    });

    const flat = workloadOf(epoch.blocks, 0);
    const unlimited = { ...current, deployment: { ...current.deployment, maxVcpus: UNLIMITED_VCPUS } };
    for (const cold of [false, true]) {
      unscaled.push({
        name: epoch.name,
        cold,
        levels: answer(flat, { ...unlimited, cold }, undefined).ratioToCriticalPath,
        dataflow: answer(flat, { ...unlimited, cold, design: 'dataflow' }, undefined).ratioToCriticalPath,
      });
    }
  }

  say('bench:model: 4-tx block …');
  const block = workloadOf(aztecEpoch(1, 4, 0), exponent);
  const current = baseline();
  const fixed: Scenario = { ...current, planWriteParallelism: PLAN_WRITE_PARALLELISM, mapConcurrency: MAP_CONCURRENCY, latencies: { ...AWS_LATENCIES, submitRetry: SUBMIT_JOB_RETRY } };
  const blockSteps: [string, Scenario][] = [
    ['as filed: levels, cold', current],
    ['as filed: levels, warm (no cold start)', { ...current, cold: false }],
    [`levels + fixes + pre-warm ${DEFAULT_PREWARM_VCPUS.devnet} vCPUs at the block (prewarmVcpus, devnet default)`, withPrewarm(fixed, DEFAULT_PREWARM_VCPUS.devnet)],
    ['dataflow (broker), cold', { ...fixed, design: 'dataflow' }],
    ['dataflow (broker) + pre-warm', withPrewarm({ ...fixed, design: 'dataflow' }, DEFAULT_PREWARM_VCPUS.devnet)],
  ];
  shapes.push({
    name: `block of 4 private txs (contest: ${CONTEST_BLOCK_SECONDS} s)`,
    jobs: block.jobs.length,
    criticalPathSeconds: 0,
    rows: blockSteps.map(([step, scenario]) => ({ step, answer: answer(block, { ...scenario, deadlineSeconds: CONTEST_BLOCK_SECONDS }, agentVcpus) })),
  });
  const blockShape = shapes.at(-1)!;
  shapes[shapes.length - 1] = { ...blockShape, criticalPathSeconds: blockShape.rows[0]!.answer.criticalPathSeconds };
  return { threadScalingExponent: exponent, proofWindowSeconds: PROOF_WINDOW_SECONDS, shapes, unscaled };
}

/** The design as issue 14 found it. */
function baseline(): Scenario {
  return {
    design: 'levels',
    deployment: { ...DEFAULT_DEPLOYMENT, maxVcpus: ISSUE_14_BASELINE.maxVcpus },
    cold: true,
    planWriteParallelism: ISSUE_14_BASELINE.planWriteParallelism,
    mapConcurrency: ISSUE_14_BASELINE.mapConcurrency,
    latencies: { ...AWS_LATENCIES, submitRetry: ISSUE_14_BASELINE.submitRetry },
  };
}

/**
 * The scenario with pre-warm: desired vCPUs raised to `vcpus`, ready at time 0 — the stack's figure (lib/config.ts
 * DEFAULT_PREWARM_VCPUS, chosen as the shape's warm peak: {@link warmPeakVcpus}).
 */
function withPrewarm(scenario: Scenario, vcpus: number): Scenario {
  return { ...scenario, prewarmVcpus: vcpus };
}

/** The peak vCPUs of the scenario run warm (no cold start): what pre-warm must have ready for this shape. */
export function warmPeakVcpus(workload: Workload, scenario: Scenario): number {
  return answer(workload, { ...scenario, cold: false }, undefined).peakVcpus;
}
