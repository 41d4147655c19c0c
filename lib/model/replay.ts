/**
 * The model's check against reality: replay a finished local run — its graph, each job's measured time (the
 * executor's wall of its successful attempt), the executor's concurrency and the local runtime's latencies —
 * through the levels design, and compare the predicted wall time (poll → root proof) with the measured one.
 */
import type { JobGraph, ProtocolProfile } from '../proving/profile.ts';
import { SlotCapacity } from './capacity.ts';
import { seededRandom } from '../seeded-random.ts';
import { defaultDurations } from './durations.ts';
import { LOCAL_LATENCIES, type Latencies } from './latencies.ts';
import { simulate, type Simulation } from './simulate.ts';
import { buildWorkload, type ModelCriticalPath, type Workload } from './workload.ts';

export interface ReplayInput {
  readonly profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>;
  readonly graph: JobGraph;
  /** Seconds each job held its worker in the run. */
  readonly jobSeconds: ReadonlyMap<string, number>;
  /** The local executor's concurrency limit. */
  readonly concurrency: number;
  /** Run's time 0 (the poll) → the root job's container stopped. */
  readonly measuredSeconds: number;
  readonly latencies?: Latencies;
}

export interface Replay {
  readonly predictedSeconds: number;
  readonly measuredSeconds: number;
  /** (predicted − measured) ÷ measured. */
  readonly relativeError: number;
  readonly criticalPath: ModelCriticalPath;
  readonly workload: Workload;
  readonly simulation: Simulation;
}

export function replayLocalRun(input: ReplayInput): Replay {
  const missing = input.graph.jobs.find((job) => !input.jobSeconds.has(job.id));
  if (missing) throw new Error(`job ${missing.id} (${missing.type}) has no measured time: replay needs a run that proved every job`);
  const workload = buildWorkload(input.profile, input.graph, { durations: defaultDurations(input.profile.name), threadScalingExponent: 0, perJobSeconds: input.jobSeconds });
  const simulation = simulate(workload, {
    design: 'levels',
    latencies: input.latencies ?? LOCAL_LATENCIES,
    mapConcurrency: 1000,
    planWriteParallelism: 1,
    random: seededRandom(1),
    capacity: (clock) =>
      new SlotCapacity(clock, { slots: input.concurrency, secondsOf: (job) => job.seconds, startSeconds: 0, slotVcpus: 0, periodSeconds: 0, usdPerVcpuHour: { spot: 0, onDemand: 0 } }),
  });
  const predicted = simulation.makespanSeconds!;
  return {
    predictedSeconds: predicted,
    measuredSeconds: input.measuredSeconds,
    relativeError: (predicted - input.measuredSeconds) / input.measuredSeconds,
    criticalPath: simulation.criticalPath,
    workload,
    simulation,
  };
}
