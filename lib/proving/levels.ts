/**
 * Turns a JobGraph into the state machine's levels: level k is one Distributed Map over items, each item a
 * chain of jobs proven in order by one child execution. Levels are barriers, so every job's children must sit in
 * a strictly lower level or earlier in the same chain.
 *
 * Chain rule: a job joins its child's chain when it has exactly one child, that child feeds only this job, and
 * both belong to the same tx (same block and tx index). That folds devnet's TUBE → BASE into one item, keeps
 * parallel leaves separate (Aztec public tx: PUBLIC_CHONK_VERIFIER and PUBLIC_VM are two level-0 items and
 * PUBLIC_TX_BASE_ROLLUP lands at level 1), and never chains merge-tree jobs, which stay parallel per level.
 * Level of an item = 1 + the highest level among its steps' children outside the chain (0 for none), i.e. as
 * soon as possible; the root, which depends on everything, is alone in the last level.
 */
import { indexJobs, parentsOf, topologicalOrder } from './graph.ts';
import type { JobGraph, PlannedJob, ProtocolProfile } from './profile.ts';

interface LevelStep {
  readonly job: string;
  /** Resource class of the job's circuit: picks the Batch job definition. */
  readonly class: string;
}

export interface LevelItem {
  readonly steps: readonly LevelStep[];
}

export type Levels = readonly (readonly LevelItem[])[];

export function planLevels(graph: JobGraph, profile: Pick<ProtocolProfile, 'name' | 'circuits'>): LevelItem[][] {
  const parents = parentsOf(graph);
  const byId = indexJobs(graph);
  const chains: PlannedJob[][] = [];
  const chainOf = new Map<string, number>();

  for (const job of topologicalOrder(graph)) {
    const only = job.children.length === 1 ? byId.get(job.children[0]!)! : undefined;
    if (only && sameTx(job, only) && parents.get(only.id)!.length === 1) {
      const chain = chainOf.get(only.id)!;
      chains[chain]!.push(job);
      chainOf.set(job.id, chain);
    } else {
      chainOf.set(job.id, chains.length);
      chains.push([job]);
    }
  }

  // Chains were opened in topological order, so external children's chains already have a level.
  const chainLevel: number[] = [];
  chains.forEach((chain, c) => {
    let level = 0;
    for (const step of chain) {
      for (const child of step.children) {
        const childChain = chainOf.get(child)!;
        if (childChain !== c) level = Math.max(level, chainLevel[childChain]! + 1);
      }
    }
    chainLevel[c] = level;
  });

  const levels: LevelItem[][] = Array.from({ length: chainLevel.reduce((a, b) => Math.max(a, b), 0) + 1 }, () => []);
  chains.forEach((chain, c) => {
    levels[chainLevel[c]!]!.push({ steps: chain.map((job) => ({ job: job.id, class: classOf(profile, job) })) });
  });
  verifyLevels(graph, levels);
  return levels;
}

/**
 * Checks the level invariants and throws on the first violation: every job exactly once, children strictly
 * below (or earlier in the same chain), the root alone in the last level.
 */
export function verifyLevels(graph: JobGraph, levels: Levels): void {
  const byId = indexJobs(graph);
  const position = new Map<string, { level: number; item: number; step: number }>();
  levels.forEach((items, level) =>
    items.forEach((item, i) => {
      if (item.steps.length === 0) throw new Error(`level ${level} item ${i} has no steps`);
      item.steps.forEach((step, s) => {
        if (!byId.has(step.job)) throw new Error(`level ${level} lists unknown job ${step.job}`);
        if (position.has(step.job)) throw new Error(`job ${step.job} appears twice in the levels`);
        position.set(step.job, { level, item: i, step: s });
      });
    }),
  );
  for (const job of graph.jobs) {
    const at = position.get(job.id);
    if (!at) throw new Error(`job ${job.id} (${job.type}) is missing from the levels`);
    for (const child of job.children) {
      const c = position.get(child)!;
      const earlierInChain = c.level === at.level && c.item === at.item && c.step < at.step;
      if (!(c.level < at.level || earlierInChain)) {
        throw new Error(`job ${job.id} (${job.type}) at level ${at.level} depends on ${child} at level ${c.level}`);
      }
    }
  }
  const last = levels.at(-1);
  if (!last || last.length !== 1 || last[0]!.steps.length !== 1 || last[0]!.steps[0]!.job !== graph.root) {
    throw new Error('the root job must be alone in the last level');
  }
}

function sameTx(a: PlannedJob, b: PlannedJob): boolean {
  return a.tx !== undefined && a.tx === b.tx && a.block === b.block;
}

function classOf(profile: Pick<ProtocolProfile, 'name' | 'circuits'>, job: PlannedJob): string {
  const circuit = profile.circuits[job.type];
  if (!circuit) throw new Error(`profile ${profile.name} has no circuit for job type ${job.type}`);
  return circuit.resourceClass;
}
