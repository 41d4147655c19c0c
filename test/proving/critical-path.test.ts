import { describe, expect, it } from 'vitest';

import { criticalPath, idealMakespan, levelledMakespan } from '../../lib/proving/critical-path.ts';
import { planLevels } from '../../lib/proving/levels.ts';
import type { CircuitSpec, JobGraph, PlannedJob } from '../../lib/proving/profile.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { uniformBlocks } from './fixtures.ts';

/**
 *   a(3) b(1)  c(2)
 *     \  /      |
 *     d(4)    e(1)   f(5)
 *        \     |     /
 *            r(2)
 */
const job = (id: string, children: string[] = []): PlannedJob => ({ id, type: id.toUpperCase(), children, block: 1 });
const graph: JobGraph = {
  jobs: [job('r', ['d', 'e', 'f']), job('d', ['a', 'b']), job('e', ['c']), job('a'), job('b'), job('c'), job('f')],
  root: 'r',
};
const durations = { A: 3, B: 1, C: 2, D: 4, E: 1, F: 5, R: 2 };
const profile = {
  name: 'test',
  circuits: Object.fromEntries(
    Object.keys(durations).map((t) => [t, { type: t, resourceClass: 'c', log2Size: 1 } satisfies CircuitSpec]),
  ),
};

describe('criticalPath', () => {
  it('finds the longest chain a → d → r', () => {
    expect(criticalPath(graph, durations)).toEqual({ length: 9, path: ['a', 'd', 'r'] });
  });

  it('takes per-job durations over per-type ones', () => {
    expect(criticalPath(graph, { ...durations, f: 20 })).toEqual({ length: 22, path: ['f', 'r'] });
  });

  it('accepts a function', () => {
    expect(criticalPath(graph, () => 1)).toEqual({ length: 3, path: ['a', 'd', 'r'] });
  });

  it.each([
    [{ ...durations, A: undefined }, /no duration for job a/],
    [{ ...durations, B: -1 }, /finite number ≥ 0/],
    [{ ...durations, C: Number.NaN }, /finite number ≥ 0/],
  ])('rejects bad durations (%j)', (bad, error) => {
    expect(() => criticalPath(graph, bad as Record<string, number>)).toThrow(error);
  });
});

describe('idealMakespan', () => {
  it.each([
    [Infinity, 9], // = critical path
    [3, 9],
    [2, 11], // longest-remaining first: a,b at 0; f at 1; d at 3; c at 6; e at 8; r at 9 → 11
    [1, 18], // = sum of all durations
  ])('with %s workers is %i', (workers, expected) => {
    expect(idealMakespan(graph, durations, workers)).toBe(expected);
  });

  it.each([0, -1, 1.5])('rejects concurrency %s', (c) => {
    expect(() => idealMakespan(graph, durations, c)).toThrow(/concurrency/);
  });
});

describe('levelledMakespan', () => {
  const levels = planLevels(graph, profile);

  it('runs levels as barriers: {a,b,c,f} then {d,e} then {r}', () => {
    expect(levels.map((l) => l.map((i) => i.steps.map((s) => s.job).join('')).sort())).toEqual([
      ['a', 'b', 'c', 'f'],
      ['d', 'e'],
      ['r'],
    ]);
  });

  it.each([
    [Infinity, 5 + 4 + 2],
    [2, 6 + 4 + 2], // level 0 longest-first on 2 workers: f | a, c, b → 6
    [1, 11 + 5 + 2],
  ])('with %s workers is %i', (workers, expected) => {
    expect(levelledMakespan(graph, levels, durations, workers)).toBe(expected);
  });

  it('counts a chain as the sum of its steps (devnet TUBE → BASE)', () => {
    const devnet = devnetProfile.planRange(uniformBlocks([2], 'tx'));
    const devnetLevels = planLevels(devnet, devnetProfile);
    const d = { TUBE: 10, BASE: 5, BLOCK_ROOT: 3, ROOT: 1 };
    expect(levelledMakespan(devnet, devnetLevels, d)).toBe(15 + 3 + 1);
    expect(levelledMakespan(devnet, devnetLevels, d, 1)).toBe(30 + 3 + 1);
    expect(idealMakespan(devnet, d)).toBe(criticalPath(devnet, d).length);
  });
});
