/** Helpers shared by the planner tests: synthetic ranges and graph queries. */
import type { BlockShape, JobGraph, PlannedJob } from '../../lib/proving/profile.ts';

/** Blocks numbered from `from`, with `kinds[b][i]` the kind of tx i of block b and unique hashes. */
export interface RangeOptions {
  /** First block number (default 100). */
  readonly from?: number;
  /** Blocks per checkpoint; checkpoints are numbered from 7. Omit for no checkpoint numbers. */
  readonly checkpoints?: readonly number[];
}

export function makeBlocks(kinds: readonly (readonly string[])[], opts: RangeOptions = {}): BlockShape[] {
  const from = opts.from ?? 100;
  const checkpointOf = opts.checkpoints?.flatMap((count, i) => Array.from({ length: count }, () => i + 7));
  return kinds.map((txKinds, b) => {
    const number = from + b;
    const txs = txKinds.map((kind, i) => ({ hash: `0x${number.toString(16)}${'0'.repeat(8)}${i.toString(16)}`, kind }));
    const checkpoint = checkpointOf?.[b];
    return checkpoint === undefined ? { number, txs } : { number, txs, checkpoint };
  });
}

/** `counts[b]` txs of one kind per block. */
export function uniformBlocks(counts: readonly number[], kind: string, opts: RangeOptions = {}): BlockShape[] {
  return makeBlocks(counts.map((n) => Array.from({ length: n }, () => kind)), opts);
}

export class GraphView {
  readonly byId: Map<string, PlannedJob>;
  readonly parent = new Map<string, string>();

  constructor(readonly graph: JobGraph) {
    this.byId = new Map(graph.jobs.map((j) => [j.id, j]));
    for (const job of graph.jobs) for (const c of job.children) this.parent.set(c, job.id);
  }

  job(id: string): PlannedJob {
    const job = this.byId.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  ofType(type: string): PlannedJob[] {
    return this.graph.jobs.filter((j) => j.type === type);
  }

  count(type: string): number {
    return this.ofType(type).length;
  }

  countsByType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const j of this.graph.jobs) counts[j.type] = (counts[j.type] ?? 0) + 1;
    return counts;
  }

  childTypes(id: string): string[] {
    return this.job(id).children.map((c) => this.job(c).type);
  }

  /** Number of jobs of the given leaf types in the subtree under `id` (inclusive). */
  leafCount(id: string, leafTypes: ReadonlySet<string>): number {
    const job = this.job(id);
    if (leafTypes.has(job.type)) return 1;
    return job.children.reduce((n, c) => n + this.leafCount(c, leafTypes), 0);
  }

  /** `id` and every job above it up to the root. */
  pathToRoot(id: string): string[] {
    const path = [id];
    for (let p = this.parent.get(id); p !== undefined; p = this.parent.get(p)) path.push(p);
    return path;
  }

  /** Number of jobs between `id` and its ancestor `top` (how deep the leaf sits under that node). */
  depthUnder(id: string, top: string): number {
    const path = this.pathToRoot(id);
    const at = path.indexOf(top);
    if (at < 0) throw new Error(`${top} is not above ${id}`);
    return at;
  }
}

export const isPowerOfTwo = (n: number) => n >= 1 && (n & (n - 1)) === 0;

/**
 * Depth of leaf `i` in Aztec's unbalanced tree over `n` leaves, restated independently from
 * `findLeafLevelAndIndex` (@aztec/foundation src/trees/unbalanced_tree_store.ts): a power-of-two count is a
 * balanced tree; otherwise the largest power of two below n hangs left one level down and the rest recurses right.
 */
export function aztecLeafDepth(n: number, i: number): number {
  if (n === 1) return 0;
  let p = 1;
  while (p * 2 <= n) p *= 2;
  if (p === n) return Math.log2(n);
  return i < p ? 1 + Math.log2(p) : 1 + aztecLeafDepth(n - p, i - p);
}
