import { describe, expect, it } from 'vitest';

import { leftSubtreeSize, mergeToOne, rootChildren } from '../../lib/proving/planner.ts';
import { aztecLeafDepth, isPowerOfTwo } from './fixtures.ts';

/** Records merges as strings so the tree's shape can be read back. */
function recorder() {
  const merges: string[] = [];
  const size = new Map<string, number>();
  const merge = (left: string, right: string) => {
    const id = `(${left} ${right})`;
    merges.push(id);
    size.set(id, (size.get(left) ?? 1) + (size.get(right) ?? 1));
    return id;
  };
  return { merges, size: (id: string) => size.get(id) ?? 1, merge };
}

const leaves = (n: number) => Array.from({ length: n }, (_, i) => `L${i}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('leftSubtreeSize', () => {
  it.each([
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 4],
    [8, 4],
    [9, 8],
    [100, 64],
  ])('n=%i → %i', (n, expected) => {
    expect(leftSubtreeSize(n)).toBe(expected);
  });

  it.each([0, 1, 2.5, -3])('rejects %s', (n) => {
    expect(() => leftSubtreeSize(n)).toThrow(/at least 2 leaves/);
  });
});

describe('mergeToOne', () => {
  it.each(range(1, 100))('%i leaves → N−1 merges, power-of-two left subtrees, no padding', (n) => {
    const r = recorder();
    const root = mergeToOne(leaves(n), r.merge);
    expect(r.merges).toHaveLength(n - 1);
    expect(r.size(root)).toBe(n);
    for (const m of r.merges) {
      const [left, right] = splitPair(m);
      expect(isPowerOfTwo(r.size(left))).toBe(true);
      expect(r.size(left)).toBeGreaterThanOrEqual(r.size(right));
    }
    // Leaves keep their order (the merge tree is over an ordered list).
    expect(root.match(/L\d+/g)).toEqual(leaves(n));
  });

  it('builds exactly the 7-leaf shape ((4)(2 1))', () => {
    const r = recorder();
    expect(mergeToOne(leaves(7), r.merge)).toBe('(((L0 L1) (L2 L3)) ((L4 L5) L6))');
  });

  it.each(range(1, 100))('%i leaves: every leaf sits at Aztec’s depth', (n) => {
    const root = mergeToOne(leaves(n), (l, r) => `(${l} ${r})`);
    leaves(n).forEach((leaf, i) => expect(depthOf(root, leaf)).toBe(aztecLeafDepth(n, i)));
  });

  it('rejects an empty list', () => {
    expect(() => mergeToOne([], () => 'x')).toThrow(/empty/);
  });
});

describe('rootChildren', () => {
  it.each(range(0, 100))('%i nodes → max(N−2, 0) merges and min(N, 2) children', (n) => {
    const r = recorder();
    const children = rootChildren(leaves(n), r.merge);
    expect(children).toHaveLength(Math.min(n, 2));
    expect(r.merges).toHaveLength(Math.max(n - 2, 0));
    if (n >= 2) {
      const [left, right] = children as [string, string];
      expect(isPowerOfTwo(r.size(left))).toBe(true);
      expect(r.size(left)).toBeGreaterThanOrEqual(r.size(right));
      expect(r.size(left) + r.size(right)).toBe(n);
    }
  });
});

/** Splits "(A B)" into its two top-level parts. */
function splitPair(pair: string): [string, string] {
  const inner = pair.slice(1, -1);
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '(') depth++;
    if (inner[i] === ')') depth--;
    if (inner[i] === ' ' && depth === 0) return [inner.slice(0, i), inner.slice(i + 1)];
  }
  throw new Error(`not a pair: ${pair}`);
}

/** Nesting depth of `leaf` in the parenthesised tree. */
function depthOf(tree: string, leaf: string): number {
  const at = tree.search(new RegExp(`\\b${leaf}\\b`));
  let depth = 0;
  for (const ch of tree.slice(0, at)) depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
  return depth;
}
