/** Building and checking a proving DAG (JobGraph). Pure: no I/O. */
import { jobId } from './job-id.ts';
import { InputError } from '../errors.ts';
import type { JobGraph, PlannedJob } from './profile.ts';

export interface NewJob {
  readonly type: string;
  /** Ordered child ids: they are part of the job's identity. */
  readonly children: readonly string[];
  /** Identity beyond the children: tx hash for leaves, block/checkpoint where the circuit depends on it. */
  readonly identity?: readonly string[];
  /** First block the job covers. */
  readonly block: number;
  readonly tx?: number;
}

/** Collects jobs with content-addressed ids; `build` checks the result is one DAG under `root`. */
export class JobGraphBuilder {
  readonly #profile: string;
  readonly #jobs = new Map<string, PlannedJob>();

  constructor(profile: string) {
    this.#profile = profile;
  }

  /** Adds a job and returns its id. Adding the same job twice is a planner bug (a node with two parents). */
  add(job: NewJob): string {
    for (const child of job.children) {
      if (!this.#jobs.has(child)) throw new Error(`${job.type}: child ${child} was not added before its parent`);
    }
    const id = jobId(this.#profile, job.type, [...(job.identity ?? []), ...job.children.map((c) => `child:${c}`)]);
    if (this.#jobs.has(id)) throw new Error(`${job.type} job ${id} planned twice (duplicate inputs)`);
    const planned: PlannedJob =
      job.tx === undefined
        ? { id, type: job.type, children: [...job.children], block: job.block }
        : { id, type: job.type, children: [...job.children], block: job.block, tx: job.tx };
    this.#jobs.set(id, planned);
    return id;
  }

  get(id: string): PlannedJob {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`unknown job ${id}`);
    return job;
  }

  build(root: string): JobGraph {
    const graph: JobGraph = { jobs: [...this.#jobs.values()], root };
    validateGraph(graph);
    return graph;
  }
}

export function indexJobs(graph: JobGraph): Map<string, PlannedJob> {
  const byId = new Map<string, PlannedJob>();
  for (const job of graph.jobs) {
    if (byId.has(job.id)) throw new InputError(`job graph lists job ${job.id} twice`);
    byId.set(job.id, job);
  }
  return byId;
}

/** Map from job id to the ids of the jobs that consume it. */
export function parentsOf(graph: JobGraph): Map<string, string[]> {
  const parents = new Map<string, string[]>(graph.jobs.map((j) => [j.id, []]));
  for (const job of graph.jobs) {
    for (const child of job.children) parents.get(child)?.push(job.id);
  }
  return parents;
}

/**
 * Jobs ordered children-first (a valid proving order). Throws on an unknown child, a cycle, or a job the
 * root does not depend on: every job must contribute to the one root proof.
 */
export function topologicalOrder(graph: JobGraph): PlannedJob[] {
  const byId = indexJobs(graph);
  if (!byId.has(graph.root)) throw new InputError(`job graph root ${graph.root} is not among its jobs`);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: PlannedJob[] = [];
  // Iterative DFS: an epoch can hold thousands of jobs and deep chains.
  const stack: { job: PlannedJob; next: number }[] = [{ job: byId.get(graph.root)!, next: 0 }];
  state.set(graph.root, 'visiting');
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const childId = frame.job.children[frame.next++];
    if (childId === undefined) {
      stack.pop();
      state.set(frame.job.id, 'done');
      order.push(frame.job);
      continue;
    }
    const child = byId.get(childId);
    if (!child) throw new InputError(`job ${frame.job.id} (${frame.job.type}) has unknown child ${childId}`);
    const seen = state.get(childId);
    if (seen === 'visiting') throw new InputError(`job graph has a cycle through ${childId}`);
    if (seen === undefined) {
      state.set(childId, 'visiting');
      stack.push({ job: child, next: 0 });
    }
  }
  if (order.length !== byId.size) {
    const orphan = graph.jobs.find((j) => !state.has(j.id))!;
    throw new InputError(`job ${orphan.id} (${orphan.type}) does not feed the root ${graph.root}`);
  }
  return order;
}

/** Throws a InputError unless `graph` is a well-formed DAG with a single root. */
export function validateGraph(graph: JobGraph): void {
  topologicalOrder(graph);
}
