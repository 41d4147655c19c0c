import { describe, expect, it } from 'vitest';

import { benchReport, median, OVERHEAD_TARGET, type BenchInput, type MeasuredJob } from '../../lib/proving/bench-report.ts';
import type { Levels } from '../../lib/proving/levels.ts';
import type { JobGraph, PlannedJob } from '../../lib/proving/profile.ts';

const job = (id: string, children: string[] = []): PlannedJob => ({ id, type: id.toUpperCase(), children, block: 1 });
const item = (...jobs: string[]) => ({ steps: jobs.map((j) => ({ job: j, class: 'c' })) });

/**
 * a(10 s) b(20 s) → r(30 s), one worker. Plan takes 1 s; a and b are submitted together, b waits for a;
 * every job pays 0.5–1 s in its container and 0.5–1 s in the runner around bb; Submit takes 3 s.
 *   t(ms):   0 run starts · 1000 a, b submitted · a 1000–12000 · b 12500–34000 · r 35000–67000 · 70000 closed
 */
const serialGraph: JobGraph = { jobs: [job('r', ['a', 'b']), job('a'), job('b')], root: 'r' };
const serialLevels: Levels = [[item('a'), item('b')], [item('r')]];
const serialJobs: MeasuredJob[] = [
  { id: 'a', submittedAt: 1000, attempts: [{ startedAt: 1000, stoppedAt: 12000 }], proveMs: 10_000, runnerWallMs: 10_500 },
  { id: 'b', submittedAt: 1000, attempts: [{ startedAt: 12_500, stoppedAt: 34_000 }], proveMs: 20_000, runnerWallMs: 20_800 },
  { id: 'r', submittedAt: 35_000, attempts: [{ startedAt: 35_000, stoppedAt: 67_000 }], proveMs: 30_000, runnerWallMs: 31_000 },
];
const serial: BenchInput = { graph: serialGraph, levels: serialLevels, concurrency: 1, jobs: serialJobs, run: { startedAt: 0, stoppedAt: 70_000 } };

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('refuses no values', () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('benchReport, one worker', () => {
  const report = benchReport(serial);

  it('measures proving from the first submit to the root, and the whole run around it', () => {
    expect(report.measured).toEqual({ provingMs: 66_000, endToEndMs: 70_000, beforeFirstJobMs: 1000, afterRootMs: 3000 });
  });

  it('compares with the ideal and levelled schedules of the bb times (one worker: both the sum)', () => {
    expect(report.schedules).toEqual({ idealMs: 60_000, levelledMs: 60_000, criticalPathBbMs: 50_000, sumBbMs: 60_000 });
    expect(report.ratios.overhead).toBeCloseTo(1.1, 12);
    expect(report.ratios.endToEnd).toBeCloseTo(70 / 60, 12);
    expect(report.ratios.levelBarrier).toBe(1);
    expect(report.ratios.dispatch).toBeCloseTo(1.1, 12);
    expect(report.target).toEqual({ overhead: OVERHEAD_TARGET, met: false });
  });

  it('splits the excess over ideal into time inside jobs and between them', () => {
    // Σ (wall − bb) = 1000 + 1500 + 2000; the worker idled 500 ms before b and 1000 ms before r.
    expect(report.excess).toEqual({ totalMs: 6000, inJobsMs: 4500, betweenJobsMs: 1500 });
    expect(report.idleShare).toBeCloseTo(1500 / 66_000, 12);
  });

  it('takes per-job medians of dispatch overhead, its parts and the queue wait', () => {
    expect(report.perJob).toEqual({
      medianProveMs: 20_000,
      medianExecutorWallMs: 21_500,
      medianDispatchOverheadMs: 1500,
      medianWallOverBb: 1.075,
      medianContainerMs: 700,
      medianRunnerExtraMs: 800,
      medianQueueWaitMs: 0,
      maxQueueWaitMs: 11_500,
      retries: 0,
    });
  });

  it('follows the critical path of the measured walls (b → r), with its bb time', () => {
    expect(report.criticalPath.measuredMs).toBe(53_500);
    expect(report.criticalPath.bbMs).toBe(50_000);
    expect(report.criticalPath.jobs.map((j) => [j.id, j.type, j.level, j.executorWallMs])).toEqual([
      ['b', 'B', 0, 21_500],
      ['r', 'R', 1, 32_000],
    ]);
  });

  it('meets the target when the run is within 5 % of the ideal', () => {
    const fast = benchReport({
      ...serial,
      jobs: [
        { id: 'a', submittedAt: 1000, attempts: [{ startedAt: 1000, stoppedAt: 11_200 }], proveMs: 10_000, runnerWallMs: 10_100 },
        { id: 'b', submittedAt: 1000, attempts: [{ startedAt: 11_300, stoppedAt: 31_600 }], proveMs: 20_000, runnerWallMs: 20_200 },
        { id: 'r', submittedAt: 31_800, attempts: [{ startedAt: 31_800, stoppedAt: 62_200 }], proveMs: 30_000, runnerWallMs: 30_200 },
      ],
    });
    expect(fast.ratios.overhead).toBeCloseTo(61.2 / 60, 12);
    expect(fast.target.met).toBe(true);
  });

  it('counts a retried job\'s failed attempts as its overhead', () => {
    const retried = benchReport({
      ...serial,
      jobs: serialJobs.map((j) => (j.id === 'a' ? { ...j, attempts: [{ startedAt: 1000, stoppedAt: 3000 }, { startedAt: 3000, stoppedAt: 12_000 }] } : j)),
    });
    expect(retried.perJob.retries).toBe(1);
    expect(retried.rows.find((r) => r.id === 'a')).toMatchObject({ attempts: 2, executorWallMs: 11_000, dispatchOverheadMs: 1000, queueWaitMs: 0 });
  });
});

describe('benchReport, level barriers', () => {
  /**
   * a(1) → d(4) → r(1), c(4) → r, two workers. Ideal: a, c at 0; d at 1–5; r 5–6 → 6.
   * Levels {a, c} | {d} | {r} make d wait for c: 4 + 4 + 1 = 9, and the run below does exactly that.
   */
  const graph: JobGraph = { jobs: [job('r', ['d', 'c']), job('d', ['a']), job('a'), job('c')], root: 'r' };
  const levels: Levels = [[item('a'), item('c')], [item('d')], [item('r')]];
  const at = (id: string, start: number, stop: number): MeasuredJob => ({ id, submittedAt: start, attempts: [{ startedAt: start, stoppedAt: stop }], proveMs: stop - start, runnerWallMs: stop - start });
  const report = benchReport({ graph, levels, concurrency: 2, jobs: [at('a', 0, 1000), at('c', 0, 4000), at('d', 4000, 8000), at('r', 8000, 9000)], run: { startedAt: 0, stoppedAt: 9000 } });

  it('attributes the whole overhead to the barriers, none to dispatch', () => {
    expect(report.schedules.idealMs).toBe(6000);
    expect(report.schedules.levelledMs).toBe(9000);
    expect(report.ratios.overhead).toBe(1.5);
    expect(report.ratios.levelBarrier).toBe(1.5);
    expect(report.ratios.dispatch).toBe(1);
    expect(report.perJob.medianDispatchOverheadMs).toBe(0);
  });

  it('puts the excess between jobs (idle workers at the barrier), none inside them', () => {
    // Worker time 2 × 9 s − 10 s of jobs = 8 s idle; the ideal idles 2 × 6 − 10 = 2 s.
    expect(report.excess).toEqual({ totalMs: 3000, inJobsMs: 0, betweenJobsMs: 3000 });
    expect(report.idleShare).toBeCloseTo(8 / 18, 12);
  });

  it('orders rows by level', () => {
    expect(report.rows.map((r) => `${r.level}:${r.id}`)).toEqual(['0:a', '0:c', '1:d', '2:r']);
  });
});

describe('benchReport rejects inputs it cannot compare', () => {
  it.each<[string, Partial<BenchInput>, RegExp]>([
    ['a job without a measurement', { jobs: serialJobs.slice(1) }, /job a \(A\) has no measurement/],
    ['a job measured twice', { jobs: [...serialJobs, serialJobs[0]!] }, /job a was measured twice/],
    ['a measured job outside the graph', { jobs: [...serialJobs, { ...serialJobs[0]!, id: 'z' }] }, /measured job z is not in the plan's graph/],
    ['a job in no level', { levels: [[item('a'), item('b')]] }, /job r \(R\) is in no level/],
    ['an attempt that stops before it starts', { jobs: serialJobs.map((j) => (j.id === 'b' ? { ...j, attempts: [{ startedAt: 34_000, stoppedAt: 12_500 }] } : j)) }, /job b: an attempt stopped/],
    ['a negative bb time', { jobs: serialJobs.map((j) => (j.id === 'b' ? { ...j, proveMs: -1 } : j)) }, /job b: proveMs must be a finite number ≥ 0/],
    ['a run span that misses the root', { run: { startedAt: 0, stoppedAt: 60_000 } }, /run span must contain every job/],
    ['no concurrency', { concurrency: 0 }, /concurrency must be a positive integer/],
    ['bb times of zero', { jobs: serialJobs.map((j) => ({ ...j, proveMs: 0 })) }, /sum to 0 ms/],
  ])('%s', (_name, change, error) => {
    expect(() => benchReport({ ...serial, ...change })).toThrow(error);
  });
});
