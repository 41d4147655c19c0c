/**
 * The model's view of a proving run: the planner's job graph with, per job, how long it proves on its resource
 * class and what the class asks Batch for; plus the state machine's levels (planLevels). Pure.
 */
import { InputError } from '../errors.ts';
import { topologicalOrder } from '../proving/graph.ts';
import { planLevels } from '../proving/levels.ts';
import type { JobGraph, ProtocolProfile } from '../proving/profile.ts';
import { scaledSeconds, type DurationTable } from './durations.ts';

export interface ModelJob {
  readonly id: string;
  readonly type: string;
  readonly resourceClass: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Proving seconds on its class (container start to stop). */
  readonly seconds: number;
  readonly children: readonly string[];
}

export interface Workload {
  readonly profile: string;
  /** Children before parents. */
  readonly jobs: readonly ModelJob[];
  readonly root: string;
  /** Level → item → job ids of the item's chain, in order (what the state machine runs). */
  readonly levels: readonly (readonly (readonly string[])[])[];
  /** How seconds change with vCPUs: seconds × (vcpus / other)^exponent on `other` vCPUs. */
  readonly threadScalingExponent: number;
  readonly durationsSource: string;
}

export interface WorkloadOptions {
  readonly durations: DurationTable;
  readonly threadScalingExponent: number;
  /** Per-job seconds (e.g. a measured run's), winning over the table. */
  readonly perJobSeconds?: ReadonlyMap<string, number>;
}

export function buildWorkload(
  profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>,
  graph: JobGraph,
  options: WorkloadOptions,
): Workload {
  const jobs = topologicalOrder(graph).map((job): ModelJob => {
    const circuit = profile.circuits[job.type];
    if (!circuit) throw new InputError(`profile ${profile.name} has no circuit for job type ${job.type}`);
    const cls = profile.resourceClasses[circuit.resourceClass];
    if (!cls) throw new InputError(`profile ${profile.name} has no resource class ${circuit.resourceClass}`);
    const measured = options.perJobSeconds?.get(job.id);
    const seconds = measured ?? scaledSeconds(options.durations, job.type, cls.vcpus, options.threadScalingExponent);
    if (!Number.isFinite(seconds) || seconds < 0) throw new InputError(`job ${job.id} (${job.type}): seconds must be finite and ≥ 0, got ${seconds}`);
    return { id: job.id, type: job.type, resourceClass: cls.name, vcpus: cls.vcpus, memoryMiB: cls.memoryMiB, seconds, children: job.children };
  });
  const levels = planLevels(graph, profile).map((items) => items.map((item) => item.steps.map((s) => s.job)));
  return {
    profile: profile.name,
    jobs,
    root: graph.root,
    levels,
    threadScalingExponent: options.threadScalingExponent,
    durationsSource: options.perJobSeconds ? `measured per job (+ ${options.durations.source})` : options.durations.source,
  };
}

/** Seconds `job` takes on `vcpus` vCPUs instead of its class's. */
export function secondsOn(workload: Pick<Workload, 'threadScalingExponent'>, job: ModelJob, vcpus: number): number {
  return job.seconds * (job.vcpus / vcpus) ** workload.threadScalingExponent;
}

export interface ModelCriticalPath {
  readonly seconds: number;
  /** Job ids from a leaf to the root. */
  readonly path: readonly string[];
}

/** The longest chain of job seconds: the makespan with unlimited capacity and no overheads. */
export function workloadCriticalPath(workload: Pick<Workload, 'jobs' | 'root'>, seconds: (job: ModelJob) => number = (j) => j.seconds): ModelCriticalPath {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const job of workload.jobs) {
    let best: string | undefined;
    for (const child of job.children) {
      const f = finish.get(child);
      if (f === undefined) throw new InputError(`job ${job.id}: child ${child} is not listed before it`);
      if (best === undefined || f > finish.get(best)!) best = child;
    }
    finish.set(job.id, seconds(job) + (best === undefined ? 0 : finish.get(best)!));
    via.set(job.id, best);
  }
  const total = finish.get(workload.root);
  if (total === undefined) throw new InputError(`root ${workload.root} is not among the jobs`);
  const path: string[] = [];
  for (let id: string | undefined = workload.root; id !== undefined; id = via.get(id)) path.push(id);
  return { seconds: total, path: path.reverse() };
}
