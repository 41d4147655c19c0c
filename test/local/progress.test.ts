import { describe, expect, it } from 'vitest';
import type { LocalJobRecord } from '../../lib/local/batch-executor.ts';
import { formatProgress, runProgress } from '../../lib/local/progress.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';

// 1 block × 3 txs: 3 tubes, 3 bases, 1 merge, block root, root = 9 jobs; longest chain tube→base→merge→block root→root.
const graph = devnetProfile.planRange([{ number: 1, txs: ['0x1', '0x2', '0x3'].map((hash) => ({ hash, kind: 'tx' })) }]);
const record = (id: string, wallMs: number): LocalJobRecord => ({
  jobId: id, jobName: id, jobDefinition: 'd', env: { JOB_ID: id }, status: 'SUCCEEDED', submittedAt: 0, abort: new AbortController(),
  attempts: [{ exitCode: 0, statusReason: 'ok', startedAt: 1_000, stoppedAt: 1_000 + wallMs }],
});

describe('local run progress', () => {
  it('before any job finishes: done 0/total, no ETA, the whole critical path remains', () => {
    const p = runProgress(graph, [], 2);
    expect(p).toEqual({ done: 0, total: 9, running: 2, chainJobs: 5 });
    expect(formatProgress(p, 3)).toBe('  [3s] jobs done 0/9, running 2, ETA after the first job');
  });

  it('ETA = jobs left on the longest remaining chain × median finished job wall time', () => {
    const tubes = graph.jobs.filter((j) => j.type === 'TUBE');
    const p = runProgress(graph, [record(tubes[0]!.id, 10_000), record(tubes[1]!.id, 20_000), record(tubes[2]!.id, 30_000)], 1);
    expect(p.done).toBe(3);
    // Remaining chain: base → merge → block root → root (4 jobs) × median 20 s.
    expect(p.chainJobs).toBe(4);
    expect(p.etaSeconds).toBe(80);
  });

  it('ignores failed jobs and jobs of other runs', () => {
    const failed = { ...record(graph.jobs[0]!.id, 5_000), status: 'FAILED' as const };
    const other = record('f'.repeat(24), 5_000);
    expect(runProgress(graph, [failed, other], 0).done).toBe(0);
  });
});
