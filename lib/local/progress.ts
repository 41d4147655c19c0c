/**
 * Live progress of a local run: jobs done/total, running, and an ETA from the critical path of what is left
 * (each unfinished job costed at the median wall time of the jobs finished so far).
 */
import { criticalPath } from '../proving/critical-path.ts';
import type { JobGraph } from '../proving/profile.ts';
import type { LocalJobRecord } from './batch-executor.ts';

export interface RunProgress {
  readonly done: number;
  readonly total: number;
  readonly running: number;
  /** Seconds along the longest remaining chain; undefined until a job has finished. */
  readonly etaSeconds?: number;
  /** Jobs on that chain. */
  readonly chainJobs: number;
}

export function runProgress(graph: JobGraph, records: readonly LocalJobRecord[], running: number): RunProgress {
  const finished = new Map<string, number>();
  for (const r of records) {
    const id = r.env['JOB_ID'];
    const last = r.attempts.at(-1);
    if (id && r.status === 'SUCCEEDED' && last) finished.set(id, last.stoppedAt - last.startedAt);
  }
  const done = graph.jobs.filter((j) => finished.has(j.id)).length;
  const walls = [...finished.values()].sort((a, b) => a - b);
  const median = walls.length > 0 ? walls[Math.floor(walls.length / 2)]! : undefined;
  const remaining = criticalPath(graph, (job) => (finished.has(job.id) ? 0 : 1));
  const base = { done, total: graph.jobs.length, running, chainJobs: remaining.length };
  if (median === undefined) return base;
  return { ...base, etaSeconds: Math.round((remaining.length * median) / 1000) };
}

export function formatProgress(p: RunProgress, elapsedSeconds: number): string {
  const eta = p.etaSeconds === undefined ? 'ETA after the first job' : `critical-path ETA ~${p.etaSeconds}s (${p.chainJobs} jobs on the longest remaining chain)`;
  return `  [${elapsedSeconds}s] jobs done ${p.done}/${p.total}, running ${p.running}, ${eta}`;
}
