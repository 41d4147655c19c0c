import { describe, expect, it } from 'vitest';

import { JobGraphBuilder, topologicalOrder, validateGraph } from '../../lib/proving/graph.ts';
import type { JobGraph, PlannedJob } from '../../lib/proving/profile.ts';

const job = (id: string, children: string[] = []): PlannedJob => ({ id, type: 'T', children, block: 1 });

describe('topologicalOrder', () => {
  it('lists children before parents and every job once', () => {
    const graph: JobGraph = { jobs: [job('r', ['m', 'c']), job('m', ['a', 'b']), job('a'), job('b'), job('c')], root: 'r' };
    const order = topologicalOrder(graph).map((j) => j.id);
    expect([...order].sort()).toEqual(['a', 'b', 'c', 'm', 'r']);
    for (const j of graph.jobs) for (const c of j.children) expect(order.indexOf(c)).toBeLessThan(order.indexOf(j.id));
  });

  it('handles deep chains without recursion limits', () => {
    const jobs = Array.from({ length: 50_000 }, (_, i) => job(`j${i}`, i === 0 ? [] : [`j${i - 1}`]));
    expect(topologicalOrder({ jobs, root: 'j49999' })).toHaveLength(50_000);
  });
});

describe('validateGraph', () => {
  it.each<[string, JobGraph, RegExp]>([
    ['a missing root', { jobs: [job('a')], root: 'x' }, /root x is not among its jobs/],
    ['an unknown child', { jobs: [job('r', ['a'])], root: 'r' }, /unknown child a/],
    ['a cycle', { jobs: [job('r', ['a']), job('a', ['b']), job('b', ['a'])], root: 'r' }, /cycle/],
    ['an orphan job', { jobs: [job('r', ['a']), job('a'), job('z')], root: 'r' }, /z .* does not feed the root/],
    ['a duplicate id', { jobs: [job('r', ['a']), job('a'), job('a')], root: 'r' }, /lists job a twice/],
  ])('rejects %s', (_what, graph, error) => {
    expect(() => validateGraph(graph)).toThrow(error);
  });
});

describe('JobGraphBuilder', () => {
  it('derives ids from type, identity and ordered children', () => {
    const g = new JobGraphBuilder('devnet');
    const a = g.add({ type: 'TUBE', children: [], identity: ['tx:1'], block: 1, tx: 0 });
    const b = g.add({ type: 'TUBE', children: [], identity: ['tx:2'], block: 1, tx: 1 });
    const ab = g.add({ type: 'MERGE', children: [a, b], block: 1 });
    const ba = g.add({ type: 'MERGE', children: [b, a], block: 1 });
    expect(new Set([a, b, ab, ba]).size).toBe(4);
    expect(g.get(a)).toEqual({ id: a, type: 'TUBE', children: [], block: 1, tx: 0 });
    expect(g.get(ab)).not.toHaveProperty('tx');
  });

  it('rejects a child added after its parent and a job planned twice', () => {
    const g = new JobGraphBuilder('devnet');
    expect(() => g.add({ type: 'MERGE', children: ['0123456789abcdef01234567'], block: 1 })).toThrow(/not added before/);
    g.add({ type: 'TUBE', children: [], identity: ['tx:1'], block: 1 });
    expect(() => g.add({ type: 'TUBE', children: [], identity: ['tx:1'], block: 1 })).toThrow(/planned twice/);
  });

  it('build rejects jobs that do not feed the root', () => {
    const g = new JobGraphBuilder('devnet');
    const a = g.add({ type: 'TUBE', children: [], identity: ['tx:1'], block: 1 });
    g.add({ type: 'TUBE', children: [], identity: ['tx:2'], block: 1 });
    expect(() => g.build(a)).toThrow(/does not feed the root/);
  });
});
