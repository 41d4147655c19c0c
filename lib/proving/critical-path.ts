/**
 * Schedule bounds for a proving DAG, used by the benchmark to compare a measured run with the ideal:
 * - `criticalPath`: the longest chain of dependent jobs (the makespan with unlimited workers);
 * - `idealMakespan`: greedy list scheduling under a worker limit, longest-remaining-path first;
 * - `levelledMakespan`: the same jobs run level by level, as the state machine does (each level a barrier).
 */
import { MinHeap } from './heap.ts';
import { indexJobs, parentsOf, topologicalOrder } from './graph.ts';
import type { Levels } from './levels.ts';
import type { JobGraph, PlannedJob } from './profile.ts';

/** Seconds (or any unit) per job: a map keyed by job id or job type (id wins), or a function. */
export type Durations = Readonly<Record<string, number>> | ((job: PlannedJob) => number);

export interface CriticalPath {
  /** Sum of the durations along the path. */
  readonly length: number;
  /** Job ids from a leaf up to the root. */
  readonly path: readonly string[];
}

function durationOf(durations: Durations): (job: PlannedJob) => number {
  return (job) => {
    const value =
      typeof durations === 'function' ? durations(job) : (durations[job.id] ?? durations[job.type]);
    if (value === undefined) throw new Error(`no duration for job ${job.id} of type ${job.type}`);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`duration of job ${job.id} (${job.type}) must be a finite number ≥ 0, got ${value}`);
    }
    return value;
  };
}

export function criticalPath(graph: JobGraph, durations: Durations): CriticalPath {
  const duration = durationOf(durations);
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const job of topologicalOrder(graph)) {
    let best: string | undefined;
    for (const child of job.children) if (best === undefined || finish.get(child)! > finish.get(best)!) best = child;
    finish.set(job.id, duration(job) + (best === undefined ? 0 : finish.get(best)!));
    via.set(job.id, best);
  }
  const path: string[] = [];
  for (let id: string | undefined = graph.root; id !== undefined; id = via.get(id)) path.push(id);
  return { length: finish.get(graph.root)!, path: path.reverse() };
}

/**
 * Makespan of list-scheduling the DAG on `concurrency` identical workers, starting the ready job with the
 * longest remaining path first (HLFET). With unlimited workers it equals the critical path length.
 */
export function idealMakespan(graph: JobGraph, durations: Durations, concurrency = Infinity): number {
  assertConcurrency(concurrency);
  const duration = durationOf(durations);
  const order = topologicalOrder(graph);
  const rank = new Map(order.map((job, i) => [job.id, i]));
  const parents = parentsOf(graph);
  const byId = indexJobs(graph);

  // Bottom level: own duration + longest path above it to the root.
  const bottom = new Map<string, number>();
  for (const job of [...order].reverse()) {
    const above = parents.get(job.id)!.reduce((m, p) => Math.max(m, bottom.get(p)!), 0);
    bottom.set(job.id, duration(job) + above);
  }

  // Longest remaining path first; ties in topological order, so the schedule is deterministic.
  const ready = new MinHeap<PlannedJob>((a, b) => {
    const [ba, bb] = [bottom.get(a.id)!, bottom.get(b.id)!];
    return ba > bb || (ba === bb && rank.get(a.id)! < rank.get(b.id)!);
  });
  const running = new MinHeap<{ finish: number; job: PlannedJob }>((a, b) => a.finish < b.finish);
  const waitingFor = new Map(order.map((job) => [job.id, job.children.length]));
  for (const job of order) if (job.children.length === 0) ready.push(job);

  let now = 0;
  while (ready.size > 0 || running.size > 0) {
    while (running.size < concurrency && ready.size > 0) {
      const job = ready.pop()!;
      running.push({ finish: now + duration(job), job });
    }
    now = running.peek()!.finish;
    // Release everything finishing now before choosing what starts next.
    while (running.size > 0 && running.peek()!.finish === now) {
      const { job } = running.pop()!;
      for (const parent of parents.get(job.id)!) {
        const left = waitingFor.get(parent)! - 1;
        waitingFor.set(parent, left);
        if (left === 0) ready.push(byId.get(parent)!);
      }
    }
  }
  return now;
}

/**
 * Makespan when the levels run one after another (each a barrier) and each level's items (chains, whose
 * steps run in order) are scheduled longest-first on `concurrency` workers.
 */
export function levelledMakespan(
  graph: JobGraph,
  levels: Levels,
  durations: Durations,
  concurrency = Infinity,
): number {
  assertConcurrency(concurrency);
  const duration = durationOf(durations);
  const byId = indexJobs(graph);
  let total = 0;
  for (const items of levels) {
    const lengths = items
      .map((item) =>
        item.steps.reduce((sum, step) => {
          const job = byId.get(step.job);
          if (!job) throw new Error(`levels list unknown job ${step.job}`);
          return sum + duration(job);
        }, 0),
      )
      .sort((a, b) => b - a);
    const workers = new MinHeap<number>((a, b) => a < b);
    let span = 0;
    for (const length of lengths) {
      const start = workers.size < concurrency ? 0 : workers.pop()!;
      workers.push(start + length);
      span = Math.max(span, start + length);
    }
    total += span;
  }
  return total;
}

function assertConcurrency(concurrency: number): void {
  if (!(concurrency === Infinity || (Number.isSafeInteger(concurrency) && concurrency >= 1))) {
    throw new Error(`concurrency must be a positive integer or Infinity, got ${concurrency}`);
  }
}
