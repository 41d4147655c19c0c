import { describe, expect, it } from 'vitest';

import { aztecProfile } from '../../../lib/protocols/aztec/profile.ts';
import { AZTEC_JOB_TYPES } from '../../../lib/protocols/aztec/job-types.ts';
import type { BlockShape } from '../../../lib/proving/profile.ts';
import { aztecLeafDepth, GraphView, isPowerOfTwo, makeBlocks, uniformBlocks } from '../../proving/fixtures.ts';

const plan = (blocks: BlockShape[]) => new GraphView(aztecProfile.planRange(blocks));
const BASES = new Set(['PRIVATE_TX_BASE_ROLLUP', 'PUBLIC_TX_BASE_ROLLUP']);
const BLOCK_ROOTS = new Set<string>(AZTEC_JOB_TYPES.filter((t) => t.startsWith('BLOCK_ROOT')));
const FIRST_ROOTS = new Set<string>(AZTEC_JOB_TYPES.filter((t) => t.startsWith('BLOCK_ROOT') && t.endsWith('FIRST_ROLLUP')));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('aztec profile', () => {
  it('covers every job type with a circuit spec and a known resource class', () => {
    expect(Object.keys(aztecProfile.circuits).sort()).toEqual([...aztecProfile.jobTypes].sort());
    for (const spec of Object.values(aztecProfile.circuits)) {
      expect(aztecProfile.resourceClasses[spec.resourceClass]).toBeDefined();
    }
  });
});

describe('aztec block of N private txs (one block, one checkpoint)', () => {
  it.each(range(1, 100))('N=%i', (n) => {
    const g = plan(uniformBlocks([n], 'private'));
    expect(g.count('PRIVATE_TX_BASE_ROLLUP')).toBe(n);
    expect(g.count('TX_MERGE_ROLLUP')).toBe(Math.max(n - 2, 0));

    const blockRoots = g.graph.jobs.filter((j) => BLOCK_ROOTS.has(j.type));
    expect(blockRoots).toHaveLength(1);
    const blockRoot = blockRoots[0];
    expect(blockRoot!.type).toBe(n === 1 ? 'BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP' : 'BLOCK_ROOT_FIRST_ROLLUP');
    const [parity, ...txChildren] = blockRoot!.children;
    expect(g.job(parity!).type).toBe('PARITY_ROOT');
    expect(txChildren).toHaveLength(Math.min(n, 2));

    // Every merge (and the block root itself) splits power-of-two left, remainder right; nothing is padded.
    const splits = [...g.ofType('TX_MERGE_ROLLUP').map((m) => m.children), ...(n >= 2 ? [txChildren] : [])];
    for (const [left, right] of splits) {
      const l = g.leafCount(left!, BASES);
      const r = g.leafCount(right!, BASES);
      expect(isPowerOfTwo(l)).toBe(true);
      expect(l).toBeGreaterThanOrEqual(r);
    }
    expect(txChildren.reduce((sum, c) => sum + g.leafCount(c, BASES), 0)).toBe(n);

    // Same leaf positions as Aztec's UnbalancedTreeStore (the block root is the tree's root node).
    const bases = g.ofType('PRIVATE_TX_BASE_ROLLUP').sort((a, b) => a.tx! - b.tx!);
    bases.forEach((base, i) => expect(g.depthUnder(base.id, blockRoot!.id) - (n === 1 ? 1 : 0)).toBe(aztecLeafDepth(n, i)));
  });

  it('puts public txs behind PUBLIC_CHONK_VERIFIER and PUBLIC_VM in parallel', () => {
    const g = plan(makeBlocks([['public', 'private', 'public']]));
    expect(g.count('PUBLIC_TX_BASE_ROLLUP')).toBe(2);
    expect(g.count('PRIVATE_TX_BASE_ROLLUP')).toBe(1);
    for (const base of g.ofType('PUBLIC_TX_BASE_ROLLUP')) {
      expect(g.childTypes(base.id)).toEqual(['PUBLIC_CHONK_VERIFIER', 'PUBLIC_VM']);
      for (const child of base.children) expect(g.job(child).tx).toBe(base.tx);
    }
    expect(g.count('PUBLIC_CHONK_VERIFIER')).toBe(2);
    expect(g.count('PUBLIC_VM')).toBe(2);
    expect(g.count('TX_MERGE_ROLLUP')).toBe(1);
  });

  it('proves an empty first block with the empty-tx root over parity only', () => {
    const g = plan(uniformBlocks([0], 'private'));
    const [root] = g.ofType('BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP');
    expect(g.childTypes(root!.id)).toEqual(['PARITY_ROOT']);
    expect(g.countsByType()).toEqual({
      PARITY_BASE: 4,
      PARITY_ROOT: 1,
      BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP: 1,
      CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP: 1,
      CHECKPOINT_PADDING_ROLLUP: 1,
      ROOT_ROLLUP: 1,
    });
  });
});

describe('aztec ranges of blocks and checkpoints', () => {
  // [txs per block, blocks per checkpoint (undefined = one checkpoint)]
  const cases: [number[], number[] | undefined][] = [
    [[1], undefined],
    [[3, 1], undefined],
    [[2, 2, 2], undefined],
    [[1, 1, 1, 1, 1], undefined],
    [[1, 1], [1, 1]],
    [[2, 1, 3], [1, 1, 1]],
    [[4, 1, 1, 2, 5, 1], [3, 1, 2]],
    [[0, 1, 0, 2], [2, 2]],
    [[1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 1, 1, 1, 1]],
  ];

  it.each(cases)('txs %j, checkpoints %j', (txs, checkpoints) => {
    const g = plan(uniformBlocks(txs, 'private', checkpoints ? { checkpoints } : {}));
    const perCheckpoint = checkpoints ?? [txs.length];
    const m = perCheckpoint.length;

    // Each checkpoint: one *_FIRST block root, taking a parity root over 4 parity bases.
    const firsts = g.graph.jobs.filter((j) => FIRST_ROOTS.has(j.type));
    expect(firsts).toHaveLength(m);
    for (const first of firsts) {
      const parity = g.job(first.children[0]!);
      expect(parity.type).toBe('PARITY_ROOT');
      expect(g.childTypes(parity.id)).toEqual(['PARITY_BASE', 'PARITY_BASE', 'PARITY_BASE', 'PARITY_BASE']);
    }
    expect(g.count('PARITY_ROOT')).toBe(m);
    expect(g.count('PARITY_BASE')).toBe(4 * m);

    // First block of each checkpoint is the first-variant root; the others are not.
    let blockIndex = 0;
    for (const count of perCheckpoint) {
      for (let b = 0; b < count; b++, blockIndex++) {
        const roots = g.graph.jobs.filter((j) => BLOCK_ROOTS.has(j.type) && j.block === 100 + blockIndex);
        expect(roots).toHaveLength(1);
        expect(FIRST_ROOTS.has(roots[0]!.type)).toBe(b === 0);
      }
    }

    expect(g.count('TX_MERGE_ROLLUP')).toBe(txs.reduce((n, t) => n + Math.max(t - 2, 0), 0));
    expect(g.count('BLOCK_MERGE_ROLLUP')).toBe(perCheckpoint.reduce((n, b) => n + Math.max(b - 2, 0), 0));
    expect(g.count('CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP')).toBe(perCheckpoint.filter((b) => b === 1).length);
    expect(g.count('CHECKPOINT_ROOT_ROLLUP')).toBe(perCheckpoint.filter((b) => b > 1).length);
    expect(g.count('CHECKPOINT_MERGE_ROLLUP')).toBe(Math.max(m - 2, 0));
    expect(g.count('CHECKPOINT_PADDING_ROLLUP')).toBe(m === 1 ? 1 : 0);

    const root = g.job(g.graph.root);
    expect(root.type).toBe('ROOT_ROLLUP');
    expect(root.children).toHaveLength(2);
    if (m === 1) expect(g.childTypes(root.id)[1]).toBe('CHECKPOINT_PADDING_ROLLUP');

    // Block and checkpoint merges follow the same unbalanced rule.
    const cpRoots = new Set<string>(['CHECKPOINT_ROOT_ROLLUP', 'CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP']);
    for (const [mergeType, leaves] of [
      ['BLOCK_MERGE_ROLLUP', BLOCK_ROOTS],
      ['CHECKPOINT_MERGE_ROLLUP', cpRoots],
    ] as const) {
      for (const merge of g.ofType(mergeType)) {
        const [l, r] = merge.children.map((c) => g.leafCount(c, leaves));
        expect(isPowerOfTwo(l!)).toBe(true);
        expect(l!).toBeGreaterThanOrEqual(r!);
      }
    }
  });
});

describe('aztec job ids', () => {
  const blocks = makeBlocks([['private', 'public', 'private'], ['public', 'private']], { checkpoints: [1, 1] });

  it('are the same for the same input', () => {
    const a = aztecProfile.planRange(blocks);
    const b = aztecProfile.planRange(structuredClone(blocks));
    expect(b).toEqual(a);
  });

  it.each([
    ['a private tx', 0, 0],
    ['a public tx', 0, 1],
    ['a tx in the second checkpoint', 1, 0],
  ])('changing the hash of %s changes exactly the ids on its path to the root', (_what, block, tx) => {
    const a = plan(blocks);
    const changed = structuredClone(blocks);
    (changed[block]!.txs[tx] as { hash: string }).hash = '0xfeed';
    const b = plan(changed);

    const leaves = a.graph.jobs.filter((j) => j.block === 100 + block && j.tx === tx);
    const expected = new Set(leaves.flatMap((leaf) => a.pathToRoot(leaf.id)));
    const differing = a.graph.jobs.filter((j) => !b.byId.has(j.id)).map((j) => j.id);
    expect(new Set(differing)).toEqual(expected);
    expect(b.graph.jobs.filter((j) => !a.byId.has(j.id))).toHaveLength(expected.size);
  });
});

describe('aztec range errors', () => {
  const tx = (hash: string, kind = 'private') => ({ hash, kind });
  it.each<[string, BlockShape[], RegExp]>([
    ['an empty range', [], /at least one block/],
    [
      'an empty block that is not first in its checkpoint',
      uniformBlocks([1, 0], 'private'),
      /only the first block of a checkpoint may be empty/,
    ],
    ['non-consecutive blocks', [{ number: 1, txs: [] }, { number: 3, txs: [] }], /consecutive/],
    ['an unknown tx kind', makeBlocks([['private', 'tx']]), /unknown kind "tx"/],
    [
      'a tx hash twice',
      [{ number: 1, txs: [tx('0x1')] }, { number: 2, txs: [tx('0x1', 'public')] }],
      /appears twice/,
    ],
    [
      'checkpoint numbers on some blocks only',
      [{ number: 1, txs: [], checkpoint: 1 }, { number: 2, txs: [tx('0x1')] }],
      /every block a checkpoint number, or none/,
    ],
    [
      'non-consecutive checkpoints',
      [{ number: 1, txs: [], checkpoint: 1 }, { number: 2, txs: [], checkpoint: 3 }],
      /checkpoints must be consecutive/,
    ],
    [
      'a checkpoint that comes back',
      uniformBlocks([1, 1, 1], 'private').map((b, i) => ({ ...b, checkpoint: [1, 2, 1][i]! })),
      /checkpoints must be consecutive/,
    ],
  ])('rejects %s', (_what, blocks, error) => {
    expect(() => aztecProfile.planRange(blocks)).toThrow(error);
  });
});
