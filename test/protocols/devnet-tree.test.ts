import { describe, expect, it } from 'vitest';

import { DEVNET_CIRCUIT_TARGETS } from '../../lib/protocols/devnet/artifacts.ts';
import { devnetCircuits } from '../../lib/protocols/devnet/job-circuit-sizes.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import type { BlockShape } from '../../lib/proving/profile.ts';
import { GraphView, isPowerOfTwo, makeBlocks, uniformBlocks } from '../proving/fixtures.ts';

const plan = (blocks: BlockShape[]) => new GraphView(devnetProfile.planRange(blocks));
const BASES = new Set(['BASE']);
const BLOCK_ROOTS = new Set(['BLOCK_ROOT']);

describe('devnet profile', () => {
  it('covers every job type with a circuit and a resource class that fits 2 vCPU', () => {
    expect(Object.keys(devnetProfile.circuits).sort()).toEqual([...devnetProfile.jobTypes].sort());
    for (const spec of Object.values(devnetProfile.circuits)) {
      const cls = devnetProfile.resourceClasses[spec.resourceClass];
      expect(cls).toBeDefined();
      expect(cls!.vcpus).toBeLessThanOrEqual(2);
      expect(cls!.memoryMiB).toBeGreaterThanOrEqual(4096); // ≤2 GB peak per measured recursive verifier
    }
    // The root proof is verified on L1 (the prover reads its bb target from DEVNET_CIRCUIT_TARGETS).
    expect(devnetCircuits.ROOT.circuit).toBe('root_single');
    expect(DEVNET_CIRCUIT_TARGETS.root_single).toBe('evm');
    expect(devnetProfile.jobTypes).not.toContain('CLIENT');
  });
});

describe('devnet block shapes', () => {
  it.each([1, 2, 3, 5, 8, 13])('one block of %i txs', (n) => {
    const g = plan(uniformBlocks([n], 'tx'));
    expect(g.count('TUBE')).toBe(n);
    expect(g.count('BASE')).toBe(n);
    expect(g.count('MERGE')).toBe(Math.max(n - 2, 0));
    expect(g.count('BLOCK_MERGE')).toBe(0);
    for (const base of g.ofType('BASE')) {
      expect(g.childTypes(base.id)).toEqual(['TUBE']);
      expect(g.job(base.children[0]!).tx).toBe(base.tx);
    }
    const [blockRoot] = g.ofType('BLOCK_ROOT');
    expect(blockRoot!.children).toHaveLength(Math.min(n, 2));
    if (n === 1) expect(g.childTypes(blockRoot!.id)).toEqual(['BASE']);
    for (const split of [...g.ofType('MERGE'), ...(n >= 2 ? [blockRoot!] : [])]) {
      const [l, r] = split.children.map((c) => g.leafCount(c, BASES));
      expect(isPowerOfTwo(l!)).toBe(true);
      expect(l!).toBeGreaterThanOrEqual(r!);
    }
    const root = g.job(g.graph.root);
    expect(root.type).toBe('ROOT');
    expect(root.children).toEqual([blockRoot!.id]);
  });

  it('5 txs: exact job counts', () => {
    expect(plan(uniformBlocks([5], 'tx')).countsByType()).toEqual({ TUBE: 5, BASE: 5, MERGE: 3, BLOCK_ROOT: 1, ROOT: 1 });
  });
});

describe('devnet ranges', () => {
  it.each<[number[]]>([[[1]], [[2, 1]], [[3, 5, 1]], [[1, 1, 1, 1, 1]]])('blocks with %j txs', (txs) => {
    const g = plan(uniformBlocks(txs, 'tx'));
    const b = txs.length;
    expect(g.count('BLOCK_ROOT')).toBe(b);
    expect(g.count('BLOCK_MERGE')).toBe(b - 1);
    expect(g.count('MERGE')).toBe(txs.reduce((n, t) => n + Math.max(t - 2, 0), 0));
    const root = g.job(g.graph.root);
    expect(root.type).toBe('ROOT');
    // One root circuit (one L1 verifier): ROOT always verifies exactly one proof.
    expect(root.children).toHaveLength(1);
    for (const merge of g.ofType('BLOCK_MERGE')) {
      const [l, r] = merge.children.map((c) => g.leafCount(c, BLOCK_ROOTS));
      expect(isPowerOfTwo(l!)).toBe(true);
      expect(l!).toBeGreaterThanOrEqual(r!);
    }
    // Each block root covers exactly its own block's bases.
    for (const blockRoot of g.ofType('BLOCK_ROOT')) {
      expect(g.leafCount(blockRoot.id, BASES)).toBe(txs[blockRoot.block - 100]);
    }
  });

  it('gives the same ids for the same input and different ids for a different block number', () => {
    const blocks = uniformBlocks([2, 3], 'tx');
    const a = devnetProfile.planRange(blocks);
    expect(devnetProfile.planRange(structuredClone(blocks))).toEqual(a);
    const moved = blocks.map((b) => ({ ...b, number: b.number + 1 }));
    const b = devnetProfile.planRange(moved);
    expect(b.jobs.filter((j) => a.jobs.some((k) => k.id === j.id))).toEqual([]);
  });

  it('changing one tx hash changes exactly the ids on its path to the root', () => {
    const blocks = uniformBlocks([3, 2], 'tx');
    const a = plan(blocks);
    const changed = structuredClone(blocks);
    (changed[1]!.txs[0] as { hash: string }).hash = '0xfeed';
    const b = plan(changed);
    const tube = a.graph.jobs.find((j) => j.type === 'TUBE' && j.block === 101 && j.tx === 0)!;
    const expected = new Set(a.pathToRoot(tube.id));
    expect(new Set(a.graph.jobs.filter((j) => !b.byId.has(j.id)).map((j) => j.id))).toEqual(expected);
    expect([...expected].map((id) => a.job(id).type)).toEqual(['TUBE', 'BASE', 'BLOCK_ROOT', 'BLOCK_MERGE', 'ROOT']);
  });
});

describe('devnet range errors', () => {
  it.each<[string, BlockShape[], RegExp]>([
    ['an empty range', [], /at least one block/],
    ['an empty block', uniformBlocks([2, 0], 'tx'), /block 101 has no txs/],
    ['an aztec tx kind', makeBlocks([['private']]), /unknown kind "private"/],
    ['blocks out of order', [...uniformBlocks([1], 'tx', { from: 5 }), ...uniformBlocks([1], 'tx', { from: 4 })], /consecutive/],
    ['an empty tx hash', [{ number: 1, txs: [{ hash: '', kind: 'tx' }] }], /empty hash/],
  ])('rejects %s', (_what, blocks, error) => {
    expect(() => devnetProfile.planRange(blocks)).toThrow(error);
  });
});
