import { describe, expect, it } from 'vitest';

import { planLevels, verifyLevels, type LevelItem } from '../../lib/proving/levels.ts';
import type { JobGraph, ProtocolProfile } from '../../lib/proving/profile.ts';
import { aztecProfile } from '../../lib/protocols/aztec/profile.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { makeBlocks, uniformBlocks } from './fixtures.ts';

const typesOf = (graph: JobGraph, levels: LevelItem[][]) => {
  const type = new Map(graph.jobs.map((j) => [j.id, j.type]));
  return levels.map((items) => items.map((item) => item.steps.map((s) => type.get(s.job)).join('>')));
};

/** The invariants, checked independently of `verifyLevels`. */
function expectValidLevels(graph: JobGraph, levels: LevelItem[][], profile: ProtocolProfile) {
  const where = new Map<string, [level: number, item: number, step: number]>();
  levels.forEach((items, l) =>
    items.forEach((item, i) =>
      item.steps.forEach((s, k) => {
        expect(where.has(s.job)).toBe(false);
        where.set(s.job, [l, i, k]);
      }),
    ),
  );
  expect(where.size).toBe(graph.jobs.length);
  for (const job of graph.jobs) {
    const [l, i, k] = where.get(job.id)!;
    expect(levels[l]![i]!.steps[k]!.class).toBe(profile.circuits[job.type]!.resourceClass);
    for (const child of job.children) {
      const [cl, ci, ck] = where.get(child)!;
      expect(cl < l || (cl === l && ci === i && ck < k)).toBe(true);
    }
  }
  expect(levels.at(-1)!.flatMap((item) => item.steps.map((s) => s.job))).toEqual([graph.root]);
}

describe('planLevels: devnet', () => {
  it('chains TUBE → BASE per tx at level 0, then merges by depth', () => {
    const graph = devnetProfile.planRange(uniformBlocks([3], 'tx'));
    const levels = planLevels(graph, devnetProfile);
    expect(typesOf(graph, levels)).toEqual([['TUBE>BASE', 'TUBE>BASE', 'TUBE>BASE'], ['MERGE'], ['BLOCK_ROOT'], ['ROOT']]);
    expect(levels[0]![0]!.steps.map((s) => s.class)).toEqual(['small', 'small']);
  });

  it.each([[[1]], [[2]], [[5]], [[1, 1]], [[3, 1, 4]], [[8, 8, 8, 8, 1]]])('invariants hold for blocks %j', (txs) => {
    const graph = devnetProfile.planRange(uniformBlocks(txs, 'tx'));
    const levels = planLevels(graph, devnetProfile);
    expectValidLevels(graph, levels, devnetProfile);
    expect(levels[0]!.every((item) => item.steps.length === 2)).toBe(true);
  });
});

describe('planLevels: aztec', () => {
  it('keeps PUBLIC_CHONK_VERIFIER and PUBLIC_VM as separate level-0 items and the public base at level 1', () => {
    const graph = aztecProfile.planRange(makeBlocks([['public', 'private']]));
    const types = typesOf(graph, planLevels(graph, aztecProfile));
    const parity = Array.from({ length: 4 }, () => 'PARITY_BASE');
    const leaves = ['PUBLIC_CHONK_VERIFIER', 'PUBLIC_VM', 'PRIVATE_TX_BASE_ROLLUP', 'CHECKPOINT_PADDING_ROLLUP'];
    expect(types[0]!.sort()).toEqual([...parity, ...leaves].sort());
    expect(types[1]!.sort()).toEqual(['PARITY_ROOT', 'PUBLIC_TX_BASE_ROLLUP']);
    expect(types.slice(2)).toEqual([['BLOCK_ROOT_FIRST_ROLLUP'], ['CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP'], ['ROOT_ROLLUP']]);
  });

  it.each<[string[][], number[] | undefined]>([
    [[['private']], undefined],
    [[[]], undefined],
    [[['public', 'public', 'private'], ['private']], undefined],
    [[[], ['private', 'public'], [], ['public', 'private', 'private']], [2, 2]],
    [Array.from({ length: 6 }, (_, b) => Array.from({ length: b + 1 }, (_, i) => (i % 3 ? 'private' : 'public'))), [1, 2, 3]],
  ])('invariants hold for %j (checkpoints %j)', (kinds, checkpoints) => {
    const graph = aztecProfile.planRange(makeBlocks(kinds, checkpoints ? { checkpoints } : {}));
    expectValidLevels(graph, planLevels(graph, aztecProfile), aztecProfile);
  });
});

describe('verifyLevels', () => {
  const graph = devnetProfile.planRange(uniformBlocks([2], 'tx'));
  const good = planLevels(graph, devnetProfile);
  const [tubeBase0, tubeBase1] = good[0]!;
  const blockRoot = good[1]![0]!;
  const root = good[2]![0]!;

  it.each<[string, LevelItem[][], RegExp]>([
    ['a missing job', [[tubeBase0!], [blockRoot], [root]], /missing from the levels/],
    ['a job twice', [[tubeBase0!, tubeBase1!, tubeBase1!], [blockRoot], [root]], /appears twice/],
    ['a child in the same level', [[tubeBase0!, tubeBase1!, blockRoot], [root]], /depends on/],
    ['a chain in the wrong order', [[{ steps: [...tubeBase0!.steps].reverse() }, tubeBase1!], [blockRoot], [root]], /depends on/],
    ['the root not alone', [[tubeBase0!, tubeBase1!], [blockRoot, root]], /depends on|root job must be alone/],
    ['an empty item', [[tubeBase0!, tubeBase1!, { steps: [] }], [blockRoot], [root]], /no steps/],
  ])('rejects %s', (_what, levels, error) => {
    expect(() => verifyLevels(graph, levels)).toThrow(error);
  });

  it('accepts what planLevels produced', () => {
    expect(() => verifyLevels(graph, good)).not.toThrow();
  });
});

describe('planLevels errors', () => {
  it('names a job type the profile has no circuit for', () => {
    const graph = devnetProfile.planRange(uniformBlocks([1], 'tx'));
    const partial = { name: 'devnet', circuits: { ...devnetProfile.circuits, ROOT: undefined } } as unknown as ProtocolProfile;
    expect(() => planLevels(graph, partial)).toThrow(/no circuit for job type ROOT/);
  });
});
