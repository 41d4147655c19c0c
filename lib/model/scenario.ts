/**
 * One question to the model — "this shape, this design, this configuration: how long, how much?" — and its
 * answer next to a fixed 24/7 fleet of proving agents sized to meet the same deadline.
 */
import { InputError } from '../errors.ts';
import { BatchCapacity, SlotCapacity, type ComputeEnvironment, type CostUsd } from './capacity.ts';
import { seededRandom } from '../seeded-random.ts';
import { PLAN_WRITE_PARALLELISM } from './fixes.ts';
import { AWS_LATENCIES, FLEET_DISPATCH_SECONDS, MAINNET_EPOCH_SECONDS, type Latencies } from './latencies.ts';
import { C7A_ON_DEMAND_USD_PER_VCPU_HOUR, C7A_SPOT_USD_PER_VCPU_HOUR, DEFAULT_INSTANCE_TYPES, instanceShape, STEP_FUNCTIONS_USD_PER_TRANSITION } from './pricing.ts';
import { DEFAULT_MAP_CONCURRENCY, simulate, type Design, type Simulation } from './simulate.ts';
import { secondsOn, type Workload } from './workload.ts';

/** The deployment's knobs the model reads (names as in lib/config.ts). */
export interface DeploymentShape {
  /** vCPU cap of each compute environment. */
  readonly maxVcpus: number;
  readonly instanceTypes: readonly string[];
  readonly warmVcpus: number;
  readonly spotEnabled: boolean;
  readonly onDemandFallback: boolean;
  /** Idle instances kept this long (minScaleDownDelayMinutes × 60); default: the latency table's. */
  readonly scaleDownSeconds?: number;
}

/** lib/config.ts and cdk.json defaults (no warm pool, spot with on-demand fallback). */
export const DEFAULT_DEPLOYMENT: DeploymentShape = {
  maxVcpus: 14_336,
  instanceTypes: DEFAULT_INSTANCE_TYPES,
  warmVcpus: 0,
  spotEnabled: true,
  onDemandFallback: true,
};

export interface Scenario {
  readonly design: Design;
  readonly deployment: DeploymentShape;
  /** false: every instance launch is ready at once (the `--warm` bound). */
  readonly cold: boolean;
  /** Raise desired vCPUs to this, a cold start ahead of time 0 (pre-warm). */
  readonly prewarmVcpus?: number;
  readonly latencies?: Latencies;
  readonly mapConcurrency?: number;
  readonly planWriteParallelism?: number;
  /** How often the workload recurs (warm pool and fixed fleet are paid per period). */
  readonly periodSeconds?: number;
  /** The fleet must finish within this; default: the scenario's own makespan. */
  readonly deadlineSeconds?: number;
  readonly seed?: number;
}

export interface FleetAnswer {
  readonly agents: number;
  readonly agentVcpus: number;
  readonly deadlineSeconds: number;
  readonly makespanSeconds: number;
  readonly vcpuHours: number;
  readonly costUsd: CostUsd;
  readonly costPerDayUsd: CostUsd;
}

export interface ModelAnswer {
  readonly profile: string;
  readonly design: Design;
  readonly jobs: number;
  readonly levels: number;
  /** Range/epoch end → root proof; undefined when the run fails (see failure). */
  readonly makespanSeconds: number | undefined;
  readonly failure?: Simulation['failure'];
  readonly criticalPathSeconds: number;
  readonly ratioToCriticalPath: number | undefined;
  /** vCPU-hours paid, idle tail and warm pool included. */
  readonly vcpuHours: number;
  /** vCPU-hours jobs used. */
  readonly busyVcpuHours: number;
  readonly peakVcpus: number;
  /** Instances, Step Functions transitions included. */
  readonly costUsd: CostUsd;
  readonly stepFunctionsUsd: number;
  readonly instancesLaunched: number;
  readonly submitJob: Simulation['submit'];
  readonly planSeconds: number | undefined;
  /** A fixed fleet of agents that meets the same deadline; undefined when none can. */
  readonly fleet: FleetAnswer | undefined;
  readonly fleetNote?: string;
  readonly durationsSource: string;
}

export function simulateScenario(workload: Workload, scenario: Scenario): Simulation {
  const latencies = scenario.latencies ?? AWS_LATENCIES;
  const d = scenario.deployment;
  const environments: ComputeEnvironment[] = [];
  if (d.spotEnabled) environments.push({ name: 'spot', maxVcpus: d.maxVcpus, usdPerVcpuHour: C7A_SPOT_USD_PER_VCPU_HOUR });
  if (!d.spotEnabled || d.onDemandFallback) environments.push({ name: 'on-demand', maxVcpus: d.maxVcpus, usdPerVcpuHour: C7A_ON_DEMAND_USD_PER_VCPU_HOUR });
  const instanceTypes = d.instanceTypes.map(instanceShape);
  const tooBig = workload.jobs.find((job) => !environments.some((env) => instanceTypes.some((t) => t.vcpus >= job.vcpus && t.memoryMiB >= job.memoryMiB && t.vcpus <= env.maxVcpus)));
  if (tooBig) {
    throw new InputError(`resource class ${tooBig.resourceClass} (${tooBig.vcpus} vCPUs, ${tooBig.memoryMiB} MiB) fits no instance type within maxVcpus ${d.maxVcpus}`, {
      metaMessages: [`instance types: ${d.instanceTypes.join(', ')}`],
    });
  }
  return simulate(workload, {
    design: scenario.design,
    latencies,
    mapConcurrency: scenario.mapConcurrency ?? DEFAULT_MAP_CONCURRENCY,
    planWriteParallelism: scenario.planWriteParallelism ?? PLAN_WRITE_PARALLELISM,
    random: seededRandom(scenario.seed ?? 1),
    capacity: (clock) =>
      new BatchCapacity(clock, {
        environments,
        instanceTypes,
        warmVcpus: d.warmVcpus,
        ...(scenario.prewarmVcpus ? { prewarm: { vcpus: scenario.prewarmVcpus, readyAt: 0 } } : {}),
        coldStartSeconds: scenario.cold ? latencies.instanceColdStartSeconds : 0,
        containerStartSeconds: latencies.containerStartSeconds,
        scaleDownSeconds: d.scaleDownSeconds ?? latencies.scaleDownSeconds,
        periodSeconds: scenario.periodSeconds ?? MAINNET_EPOCH_SECONDS,
        onDemandUsdPerVcpuHour: C7A_ON_DEMAND_USD_PER_VCPU_HOUR,
      }),
  });
}

/** The scenario's answer; `agentVcpus` undefined skips sizing the fixed fleet (a dozen more simulations). */
export function answer(workload: Workload, scenario: Scenario, agentVcpus: number | undefined): ModelAnswer {
  const sim = simulateScenario(workload, scenario);
  const usage = sim.capacity;
  const stepFunctionsUsd = sim.stateTransitions * STEP_FUNCTIONS_USD_PER_TRANSITION;
  const deadline = scenario.deadlineSeconds ?? sim.makespanSeconds;
  const fleet =
    agentVcpus === undefined
      ? {}
      : deadline === undefined
        ? { note: 'the run failed and no deadline was given: no fleet to compare' }
        : sizeFleet(workload, deadline, agentVcpus, scenario.periodSeconds ?? MAINNET_EPOCH_SECONDS);
  const plan = sim.phases.find((p) => p.name === 'Plan');
  return {
    profile: workload.profile,
    design: scenario.design,
    jobs: workload.jobs.length,
    levels: workload.levels.length,
    makespanSeconds: sim.makespanSeconds,
    ...(sim.failure ? { failure: sim.failure } : {}),
    criticalPathSeconds: sim.criticalPath.seconds,
    ratioToCriticalPath: sim.makespanSeconds === undefined ? undefined : sim.makespanSeconds / sim.criticalPath.seconds,
    vcpuHours: usage.billedVcpuSeconds / 3600,
    busyVcpuHours: usage.busyVcpuSeconds / 3600,
    peakVcpus: usage.peakVcpus,
    costUsd: { spot: usage.costUsd.spot + stepFunctionsUsd, onDemand: usage.costUsd.onDemand + stepFunctionsUsd },
    stepFunctionsUsd,
    instancesLaunched: usage.instancesLaunched,
    submitJob: sim.submit,
    planSeconds: plan ? plan.end - plan.start : undefined,
    fleet: fleet.answer,
    ...(fleet.note ? { fleetNote: fleet.note } : {}),
    durationsSource: workload.durationsSource,
  };
}

/** A fixed fleet's agent: Aztec's recommended 64 vCPU (c7a.16xlarge), or the largest class of the profile. */
export function fleetAgentVcpus(classes: Readonly<Record<string, { readonly vcpus: number }>>): number {
  return Math.max(...Object.values(classes).map((c) => c.vcpus));
}

/** A fixed fleet's latencies: Aztec's node and broker with its own agents (no AWS on the path). */
const FLEET_LATENCIES: Latencies = {
  ...AWS_LATENCIES,
  brokerDispatchSeconds: 0,
  brokerRecordSeconds: 0,
  syncCompletionSeconds: 0,
  submitJobRate: Infinity,
  submitJobBurst: Infinity,
  batchSchedulingSeconds: 0,
  containerStartSeconds: FLEET_DISPATCH_SECONDS,
  instanceColdStartSeconds: 0,
};

/** Makespan of the workload on `agents` always-on agents, dataflow (the node enqueues as children finish). */
function fleetMakespan(workload: Workload, agents: number, agentVcpus: number, periodSeconds: number): { makespan: number; sim: Simulation } {
  const sim = simulate(workload, {
    design: 'dataflow',
    latencies: FLEET_LATENCIES,
    mapConcurrency: 1,
    planWriteParallelism: 1,
    random: seededRandom(1),
    capacity: (clock) =>
      new SlotCapacity(clock, {
        slots: agents,
        secondsOf: (job) => secondsOn(workload, job, agentVcpus),
        startSeconds: FLEET_DISPATCH_SECONDS,
        slotVcpus: agentVcpus,
        periodSeconds,
        usdPerVcpuHour: { spot: C7A_SPOT_USD_PER_VCPU_HOUR, onDemand: C7A_ON_DEMAND_USD_PER_VCPU_HOUR },
      }),
  });
  return { makespan: sim.makespanSeconds!, sim };
}

/**
 * The fewest agents whose makespan meets `deadline` (binary search; list schedules are monotone enough in the
 * agent count for this). Paid around the clock: agents × vCPUs × period per workload.
 */
export function sizeFleet(workload: Workload, deadline: number, agentVcpus: number, periodSeconds: number): { answer?: FleetAnswer; note?: string } {
  let hi = Math.max(1, workload.jobs.filter((j) => j.children.length === 0).length);
  const best = fleetMakespan(workload, hi, agentVcpus, periodSeconds);
  if (best.makespan > deadline) {
    return { note: `no fixed fleet meets ${deadline.toFixed(0)} s: with an agent per leaf it takes ${best.makespan.toFixed(0)} s (the critical path on ${agentVcpus}-vCPU agents)` };
  }
  let lo = 1;
  let found = { agents: hi, run: best };
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const run = fleetMakespan(workload, mid, agentVcpus, periodSeconds);
    if (run.makespan <= deadline) {
      hi = mid;
      found = { agents: mid, run };
    } else lo = mid + 1;
  }
  const usage = found.run.sim.capacity;
  const perDay = 86_400 / periodSeconds;
  return {
    answer: {
      agents: found.agents,
      agentVcpus,
      deadlineSeconds: deadline,
      makespanSeconds: found.run.makespan,
      vcpuHours: usage.billedVcpuSeconds / 3600,
      costUsd: usage.costUsd,
      costPerDayUsd: { spot: usage.costUsd.spot * perDay, onDemand: usage.costUsd.onDemand * perDay },
    },
  };
}
