/**
 * The capacity model on small graphs whose schedules are computed by hand: level barriers against dataflow,
 * capacity caps (slots, maxVcpus), cold starts, warm and pre-warmed pools, the idle tail on the bill, and the
 * SubmitJob throttle with its retry policy (a deterministic "random" jitter of 0.5).
 */
import { describe, expect, it } from 'vitest';
import { BatchCapacity, SlotCapacity } from '../../lib/model/capacity.ts';
import type { Latencies } from '../../lib/model/latencies.ts';
import { C7A_ON_DEMAND_USD_PER_VCPU_HOUR, C7A_SPOT_USD_PER_VCPU_HOUR, instanceShape } from '../../lib/model/pricing.ts';
import { simulate, type Design, type SimulationConfig } from '../../lib/model/simulate.ts';
import { workloadCriticalPath, type ModelJob, type Workload } from '../../lib/model/workload.ts';

/** Nothing costs time but the jobs themselves. */
const ZERO: Latencies = {
  pollDelaySeconds: 0,
  startExecutionSeconds: 0,
  lambdaColdStartSeconds: 0,
  planFixedSeconds: 0,
  s3PutSeconds: 0,
  distributedMapFixedSeconds: 0,
  childExecutionSeconds: 0,
  stateTransitionSeconds: 0,
  submitJobRate: Infinity,
  submitJobBurst: Infinity,
  submitRetry: { intervalSeconds: 5, backoffRate: 2, maxAttempts: 6, maxDelaySeconds: Infinity },
  batchSchedulingSeconds: 0,
  containerStartSeconds: 0,
  instanceColdStartSeconds: 0,
  scaleDownSeconds: 0,
  syncCompletionSeconds: 0,
  brokerDispatchSeconds: 0,
  brokerRecordSeconds: 0,
  facadePollSeconds: 0,
  orchestratorEnqueueSeconds: 0,
  brokerRoundBackoffSeconds: 20,
  brokerMaxRounds: 3,
};

type Spec = readonly [id: string, seconds: number, children?: readonly string[], vcpus?: number];

/** Jobs in the order given (children first), levels as given: each inner array one item (a chain). */
function workload(specs: readonly Spec[], levels: readonly (readonly (readonly string[])[])[]): Workload {
  const jobs: ModelJob[] = specs.map(([id, seconds, children = [], vcpus = 16]) => ({ id, type: id.replace(/\d+$/, ''), resourceClass: `c${vcpus}`, vcpus, memoryMiB: vcpus * 1024, seconds, children }));
  return { profile: 'test', jobs, root: specs.at(-1)![0], levels, threadScalingExponent: 0, durationsSource: 'test' };
}

const slots = (n: number): SimulationConfig['capacity'] => (clock) =>
  new SlotCapacity(clock, { slots: n, secondsOf: (job) => job.seconds, startSeconds: 0, slotVcpus: 1, periodSeconds: 1, usdPerVcpuHour: { spot: 0, onDemand: 0 } });

function run(w: Workload, design: Design, overrides: Partial<SimulationConfig> = {}) {
  return simulate(w, { design, latencies: ZERO, capacity: slots(1000), mapConcurrency: 1000, planWriteParallelism: 1, random: () => 0.5, ...overrides });
}

const at = (sim: ReturnType<typeof run>, id: string) => sim.jobs.find((j) => j.id === id)!;

// A (10 s) and B (2 s) are leaves; C (3 s) needs B; R (1 s) needs A and C. Critical path A → R = 11 s.
const diamond = workload(
  [['A', 10], ['B', 2], ['C', 3, ['B']], ['R', 1, ['A', 'C']]],
  [[['A'], ['B']], [['C']], [['R']]],
);

describe('barriers against dataflow', () => {
  it('levels wait for the slowest job of each level; dataflow starts a job when its own children are done', () => {
    const levels = run(diamond, 'levels');
    // level 0 ends at 10 (A), C runs 10–13, R 13–14.
    expect(at(levels, 'C')).toMatchObject({ startedAt: 10, finishedAt: 13 });
    expect(levels.makespanSeconds).toBe(14);
    const dataflow = run(diamond, 'dataflow');
    // C runs 2–5 behind B; R waits for A until 10.
    expect(at(dataflow, 'C')).toMatchObject({ startedAt: 2, finishedAt: 5 });
    expect(dataflow.makespanSeconds).toBe(11);
    expect(dataflow.criticalPath).toEqual({ seconds: 11, path: ['A', 'R'] });
  });

  it('a chain is one item: its steps run back to back inside the level', () => {
    const chained = workload([['T', 4], ['B', 6, ['T']], ['X', 1], ['R', 2, ['B', 'X']]], [[['T', 'B'], ['X']], [['R']]]);
    const sim = run(chained, 'levels');
    expect(at(sim, 'B')).toMatchObject({ startedAt: 4, finishedAt: 10 });
    expect(sim.makespanSeconds).toBe(12);
  });

  it('per-level and per-job overheads add up as the design says', () => {
    const latencies: Latencies = { ...ZERO, pollDelaySeconds: 30, distributedMapFixedSeconds: 7, childExecutionSeconds: 1, batchSchedulingSeconds: 15, syncCompletionSeconds: 2, s3PutSeconds: 0.5 };
    const sim = run(diamond, 'levels', { latencies });
    // Plan: poll 30 + 4 specs and 3 level lists + plan.json at 0.5 s each = 34. A level: 7 (Map) + 0.5 (child
    // start) + 15 (scheduling) + job + 2 (.sync) + 0.5 (child close): level 0 ends 34 + 35 = 69, level 1 at
    // 69 + 28 = 97, R starts 97 + 7 + 0.5 + 15 = 119.5 and stops 120.5.
    expect(sim.phases.find((p) => p.name === 'Plan')).toMatchObject({ start: 30, end: 34 });
    expect(sim.makespanSeconds).toBe(120.5);
    const broker: Latencies = { ...ZERO, brokerDispatchSeconds: 0.5, batchSchedulingSeconds: 15, syncCompletionSeconds: 2, brokerRecordSeconds: 0.5, facadePollSeconds: 0.5, orchestratorEnqueueSeconds: 0.5 };
    // Leaves enqueued at 0.5; a job: +0.5 dispatch, +15 scheduling, its run, +3 until the node sees it (.sync,
    // record, facade poll), +0.5 until the node enqueued the parent. A 16–26; B 16–18, so C is enqueued at 21.5
    // and runs 37–40; R waits for C: seen at 43, enqueued 43.5, runs 59–60.
    const df = run(diamond, 'dataflow', { latencies: broker });
    expect(at(df, 'A')).toMatchObject({ startedAt: 16, finishedAt: 26 });
    expect(at(df, 'C')).toMatchObject({ readyAt: 21.5, startedAt: 37, finishedAt: 40 });
    expect(df.makespanSeconds).toBe(60);
  });
});

describe('capacity caps', () => {
  it('one slot runs every job one after another, whatever the design', () => {
    expect(run(diamond, 'levels', { capacity: slots(1) }).makespanSeconds).toBe(16);
    expect(run(diamond, 'dataflow', { capacity: slots(1) }).makespanSeconds).toBe(16);
  });

  it("the Map's MaxConcurrency bounds a level's parallelism", () => {
    const fan = workload([['L1', 10], ['L2', 10], ['L3', 10], ['R', 1, ['L1', 'L2', 'L3']]], [[['L1'], ['L2'], ['L3']], [['R']]]);
    expect(run(fan, 'levels', { mapConcurrency: 2 }).makespanSeconds).toBe(21);
    expect(run(fan, 'levels', { mapConcurrency: 3 }).makespanSeconds).toBe(11);
  });

  const fan4 = workload([['L1', 10], ['L2', 10], ['L3', 10], ['L4', 10], ['R', 1, ['L1', 'L2', 'L3', 'L4']]], [[['L1'], ['L2'], ['L3'], ['L4']], [['R']]]);
  const batch = (opts: { maxVcpus: number; cold?: number; warm?: number; prewarm?: number; scaleDown?: number; envs?: number }): SimulationConfig['capacity'] => (clock) =>
    new BatchCapacity(clock, {
      environments: Array.from({ length: opts.envs ?? 1 }, (_, e) => ({ name: e === 0 ? 'spot' : 'on-demand', maxVcpus: opts.maxVcpus, usdPerVcpuHour: e === 0 ? C7A_SPOT_USD_PER_VCPU_HOUR : C7A_ON_DEMAND_USD_PER_VCPU_HOUR })),
      instanceTypes: [instanceShape('c7a.4xlarge')],
      warmVcpus: opts.warm ?? 0,
      ...(opts.prewarm ? { prewarm: { vcpus: opts.prewarm, readyAt: 0 } } : {}),
      coldStartSeconds: opts.cold ?? 0,
      containerStartSeconds: 0,
      scaleDownSeconds: opts.scaleDown ?? 0,
      periodSeconds: 1000,
      onDemandUsdPerVcpuHour: C7A_ON_DEMAND_USD_PER_VCPU_HOUR,
    });

  it('maxVcpus caps the jobs running at once (16-vCPU jobs, 32 vCPUs: two at a time)', () => {
    const sim = run(fan4, 'dataflow', { capacity: batch({ maxVcpus: 32 }) });
    expect(sim.jobs.map((j) => j.startedAt)).toEqual([0, 0, 10, 10, 20]);
    expect(sim.makespanSeconds).toBe(21);
    expect(sim.capacity.peakVcpus).toBe(32);
  });

  it('an on-demand fallback environment adds its own maxVcpus', () => {
    const sim = run(fan4, 'dataflow', { capacity: batch({ maxVcpus: 32, envs: 2 }) });
    expect(sim.makespanSeconds).toBe(11);
    expect(sim.capacity.peakVcpus).toBe(64);
  });
});

describe('cold starts, warm pools and the bill', () => {
  const fan2 = workload([['L1', 10], ['L2', 10], ['R', 1, ['L1', 'L2']]], [[['L1'], ['L2']], [['R']]]);
  const batch = (opts: { cold: number; warm?: number; prewarm?: number; scaleDown?: number }): SimulationConfig['capacity'] => (clock) =>
    new BatchCapacity(clock, {
      environments: [{ name: 'spot', maxVcpus: 32, usdPerVcpuHour: C7A_SPOT_USD_PER_VCPU_HOUR }],
      instanceTypes: [instanceShape('c7a.4xlarge')],
      warmVcpus: opts.warm ?? 0,
      ...(opts.prewarm ? { prewarm: { vcpus: opts.prewarm, readyAt: 0 } } : {}),
      coldStartSeconds: opts.cold,
      containerStartSeconds: 0,
      scaleDownSeconds: opts.scaleDown ?? 0,
      periodSeconds: 1000,
      onDemandUsdPerVcpuHour: C7A_ON_DEMAND_USD_PER_VCPU_HOUR,
    });

  it('from zero, the first jobs wait a cold start; idle instances are reused for the next jobs', () => {
    const sim = run(fan2, 'dataflow', { capacity: batch({ cold: 100, scaleDown: 60 }) });
    expect(at(sim, 'L1').startedAt).toBe(100);
    // R reuses an instance that has been idle for 0 s (scale-down after 60 s): no second cold start.
    expect(at(sim, 'R')).toMatchObject({ startedAt: 110, finishedAt: 111 });
    expect(sim.makespanSeconds).toBe(111);
    expect(sim.capacity.instancesLaunched).toBe(2);
    // Billed launch → last job + 60 s idle: i-1 (L1, then R) 0–171, i-2 (L2) 0–170; 16 vCPUs each.
    expect(sim.capacity.billedVcpuSeconds).toBe(16 * 171 + 16 * 170);
    expect(sim.capacity.costUsd.spot).toBeCloseTo(((16 * 341) / 3600) * C7A_SPOT_USD_PER_VCPU_HOUR, 10);
    expect(sim.capacity.costUsd.onDemand).toBeCloseTo(((16 * 341) / 3600) * C7A_ON_DEMAND_USD_PER_VCPU_HOUR, 10);
  });

  it('a warm pool runs at once and is paid for the whole period', () => {
    const sim = run(fan2, 'dataflow', { capacity: batch({ cold: 100, warm: 32 }) });
    expect(sim.makespanSeconds).toBe(11);
    expect(sim.capacity.instancesLaunched).toBe(0);
    expect(sim.capacity.billedVcpuSeconds).toBe(32 * 1000);
  });

  it('pre-warmed capacity is ready at time 0, launched a cold start before', () => {
    const sim = run(fan2, 'dataflow', { capacity: batch({ cold: 100, prewarm: 32, scaleDown: 5 }) });
    expect(sim.makespanSeconds).toBe(11);
    // −100 → 11 + 5 s idle, and −100 → 10 + 5.
    expect(sim.capacity.billedVcpuSeconds).toBe(16 * 116 + 16 * 115);
  });

  it('demand beyond the warm pool still waits for a cold start', () => {
    const three = workload([['L1', 150], ['L2', 150], ['L3', 150], ['R', 1, ['L1', 'L2', 'L3']]], [[['L1'], ['L2'], ['L3']], [['R']]]);
    const sim = run(three, 'dataflow', { capacity: batch({ cold: 100, warm: 16 }) });
    // L1 takes the warm instance at 0; one instance is launched for the rest (maxVcpus 32), ready at 100, and
    // takes the oldest waiting job, L2; L3 waits for the warm one to free up at 150.
    expect(sim.jobs.map((j) => j.startedAt)).toEqual([0, 100, 150, 300]);
    expect(sim.makespanSeconds).toBe(301);
  });
});

describe('the SubmitJob throttle', () => {
  // 1 call per second, bucket of 1, retries 5 s × 2^n with the jitter at half the ceiling.
  const throttled = (maxAttempts: number, rounds = 3): Latencies => ({ ...ZERO, submitJobRate: 1, submitJobBurst: 1, submitRetry: { intervalSeconds: 5, backoffRate: 2, maxAttempts, maxDelaySeconds: Infinity }, brokerMaxRounds: rounds });
  const fan3 = workload([['L1', 10], ['L2', 10], ['L3', 10], ['R', 1, ['L1', 'L2', 'L3']]], [[['L1'], ['L2'], ['L3']], [['R']]]);

  it('throttled calls retry after the jittered backoff until a token is free', () => {
    for (const design of ['levels', 'dataflow'] as const) {
      const sim = run(fan3, design, { latencies: throttled(3) });
      // L1 at 0; L2 throttled, retried at 2.5 (a token has refilled); L3 throttled at 0 and at 2.5, retried at 7.5.
      expect(sim.jobs.map((j) => j.acceptedAt)).toEqual([0, 2.5, 7.5, 17.5]);
      expect(sim.makespanSeconds).toBe(18.5);
      expect(sim.submit).toEqual({ calls: 7, throttled: 3, exhausted: 0 });
    }
  });

  it('exhausted retries fail a level (and the run); the broker backs off and submits a new round', () => {
    const levels = run(fan3, 'levels', { latencies: throttled(2) });
    expect(levels.makespanSeconds).toBeUndefined();
    expect(levels.failure).toMatchObject({ at: 2.5, job: 'L3' });
    expect(levels.failure!.reason).toMatch(/level 0/);

    const broker = run(fan3, 'dataflow', { latencies: throttled(2) });
    // L3's second attempt at 2.5 fails its round; Backoff 20 s; the new round's call at 22.5 gets a token.
    expect(at(broker, 'L3')).toMatchObject({ acceptedAt: 22.5, rounds: 2 });
    expect(broker.makespanSeconds).toBe(33.5);

    const giveUp = run(fan3, 'dataflow', { latencies: throttled(2, 1) });
    expect(giveUp.failure?.reason).toMatch(/rejects the job/);
  });
});

describe('critical path', () => {
  it('is the longest chain of job seconds', () => {
    expect(workloadCriticalPath(diamond)).toEqual({ seconds: 11, path: ['A', 'R'] });
    expect(workloadCriticalPath(diamond, (j) => (j.id === 'A' ? 1 : j.seconds))).toEqual({ seconds: 6, path: ['B', 'C', 'R'] });
  });
});
