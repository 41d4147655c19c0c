/**
 * The two ways the stack drives a proving run, as discrete-event simulations over the same capacity model:
 *
 * - `levels` (the devnet state machine, lib/infra/workflow-definition.ts): the poller starts a run, Plan writes
 *   every job spec, then one Distributed Map per level — a barrier — whose child executions (≤ MaxConcurrency
 *   at once) each prove one chain of jobs, step by step, through `batch:submitJob.sync`.
 * - `dataflow` (the broker, lib/broker + lib/infra/broker-job-definition.ts): Aztec's node enqueues a job as
 *   soon as its children's proofs are back; each job is its own execution that submits one Batch job, records
 *   the outcome, and the node's facade picks it up on its next poll.
 *
 * Time 0 is the range's (epoch's) end. Every Batch job goes through the shared SubmitJob throttle.
 */
import { InputError } from '../errors.ts';
import type { Capacity, CapacityUsage, Placement } from './capacity.ts';
import { Clock } from './clock.ts';
import { MAP_CONCURRENCY } from './fixes.ts';
import type { Latencies } from './latencies.ts';
import { SubmitGate, type SubmitGateStats } from './submit-gate.ts';
import { workloadCriticalPath, type ModelCriticalPath, type ModelJob, type Workload } from './workload.ts';

export type Design = 'levels' | 'dataflow';
export const DESIGNS: readonly Design[] = ['levels', 'dataflow'];

/** workflow-definition.ts: ProveLevel's MaxConcurrency. */
export const DEFAULT_MAP_CONCURRENCY = MAP_CONCURRENCY;

export interface SimulationConfig {
  readonly design: Design;
  readonly latencies: Latencies;
  /** Built on the simulation's clock. */
  readonly capacity: (clock: Clock) => Capacity;
  /** levels: child executions of one level at once. */
  readonly mapConcurrency: number;
  /** levels: Plan's concurrent S3 PUTs (plan-run.ts: PLAN_WRITE_CONCURRENCY; 1 = one after another, as filed). */
  readonly planWriteParallelism: number;
  /** dataflow: when the node enqueues the leaves (0 = at the epoch's end). */
  readonly leavesAt?: number;
  /** Jitter of throttled SubmitJob retries. */
  readonly random: () => number;
}

interface JobTimeline {
  readonly id: string;
  readonly type: string;
  readonly resourceClass: string;
  readonly vcpus: number;
  /** levels: its level. */
  readonly level?: number;
  /** The orchestration reached the job (its step in a child execution; the node enqueued it). */
  readyAt: number;
  /** First SubmitJob call. */
  submittedAt: number;
  /** SubmitJob accepted (in the last round). */
  acceptedAt: number;
  startedAt: number;
  finishedAt: number;
  /** The orchestration saw it finish (`.sync` completion; broker: the node's facade). */
  doneAt: number;
  instance: string;
  /** Broker rounds (a new Batch job after a failed one); 1 normally. */
  rounds: number;
}

interface Phase {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface Simulation {
  readonly design: Design;
  /** Time 0 → the root job's container stopped; undefined when the run failed. */
  readonly makespanSeconds: number | undefined;
  readonly failure?: { readonly at: number; readonly job: string; readonly reason: string };
  readonly criticalPath: ModelCriticalPath;
  readonly jobs: readonly JobTimeline[];
  /** Plan and each level (levels design). */
  readonly phases: readonly Phase[];
  readonly submit: SubmitGateStats;
  readonly capacity: CapacityUsage;
  /** Step Functions state transitions (billed $25 per million). */
  readonly stateTransitions: number;
}

// State transitions per unit, read off the definitions: levels — a child execution enters ProveChain and
// ChainProven and per step the inline iteration, RouteByClass and the Batch task; the parent ~6 per level and
// Plan/Submit. Broker — MarkInProgress, FirstRound, RouteJob, the task, RecordFulfilled, JobSettled.
const TRANSITIONS = { perChild: 3, perStep: 3, perLevel: 6, perRun: 8, perBrokerJob: 6, perBrokerRetryRound: 6 } as const;

export function simulate(workload: Workload, config: SimulationConfig): Simulation {
  if (!Number.isSafeInteger(config.mapConcurrency) || config.mapConcurrency < 1) throw new InputError(`Map concurrency must be a positive integer, got ${config.mapConcurrency}`);
  if (!Number.isSafeInteger(config.planWriteParallelism) || config.planWriteParallelism < 1) throw new InputError(`Plan write parallelism must be a positive integer, got ${config.planWriteParallelism}`);
  const clock = new Clock();
  const capacity = config.capacity(clock);
  const latencies = config.latencies;
  const gate = new SubmitGate(clock, { rate: latencies.submitJobRate, burst: latencies.submitJobBurst, retry: latencies.submitRetry, random: config.random });
  const byId = new Map(workload.jobs.map((job) => [job.id, job]));
  const levelOf = new Map<string, number>();
  workload.levels.forEach((items, level) => items.forEach((item) => item.forEach((id) => levelOf.set(id, level))));
  const timelines = new Map<string, JobTimeline>(
    workload.jobs.map((job) => [job.id, { id: job.id, type: job.type, resourceClass: job.resourceClass, vcpus: job.vcpus, ...(levelOf.has(job.id) ? { level: levelOf.get(job.id)! } : {}), readyAt: NaN, submittedAt: NaN, acceptedAt: NaN, startedAt: NaN, finishedAt: NaN, doneAt: NaN, instance: '', rounds: 0 }]),
  );
  const state: RunState = { clock, capacity, gate, latencies, timelines, failure: undefined, rootFinishedAt: undefined, transitions: 0, phases: [] };

  const root = byId.get(workload.root);
  if (!root) throw new InputError(`root ${workload.root} is not among the workload's jobs`);
  if (config.design === 'levels') runLevels(workload, byId, config, state);
  else runDataflow(workload, config, state);
  clock.run();

  if (!state.failure && state.rootFinishedAt === undefined) {
    const stuck = [...timelines.values()].find((t) => Number.isNaN(t.finishedAt));
    throw new InputError(`the simulated run never finished: job ${stuck?.id} (${stuck?.type}) never ran`, {
      metaMessages: ['is maxVcpus below its class, or no instance type large enough?'],
    });
  }
  return {
    design: config.design,
    makespanSeconds: state.failure ? undefined : state.rootFinishedAt,
    ...(state.failure ? { failure: state.failure } : {}),
    criticalPath: workloadCriticalPath(workload),
    jobs: [...timelines.values()],
    phases: state.phases,
    submit: gate.stats,
    capacity: capacity.usage(),
    stateTransitions: state.transitions,
  };
}

interface RunState {
  readonly clock: Clock;
  readonly capacity: Capacity;
  readonly gate: SubmitGate;
  readonly latencies: Latencies;
  readonly timelines: Map<string, JobTimeline>;
  failure: Simulation['failure'];
  rootFinishedAt: number | undefined;
  transitions: number;
  readonly phases: Phase[];
}

/**
 * One Batch job: SubmitJob (throttled), Batch's scheduling, a slot on the capacity, the container's run.
 * `done` runs when the container stopped; `exhausted` when every SubmitJob attempt was throttled.
 */
function runBatchJob(job: ModelJob, state: RunState, rootId: string, done: () => void, exhausted: () => void): void {
  const { clock, timelines, latencies } = state;
  const timeline = timelines.get(job.id)!;
  if (Number.isNaN(timeline.submittedAt)) timeline.submittedAt = clock.now;
  timeline.rounds++;
  state.gate.submit(
    () => {
      timeline.acceptedAt = clock.now;
      clock.after(latencies.batchSchedulingSeconds, () =>
        state.capacity.enqueue(job, (placement: Placement) => {
          timeline.startedAt = placement.startedAt;
          timeline.instance = placement.instance;
          clock.after(placement.seconds, () => {
            timeline.finishedAt = clock.now;
            state.capacity.release(job, placement);
            if (job.id === rootId && !state.failure) state.rootFinishedAt = clock.now;
            done();
          });
        }),
      );
    },
    exhausted,
  );
}

function fail(state: RunState, job: ModelJob, reason: string): void {
  if (!state.failure) state.failure = { at: state.clock.now, job: job.id, reason };
}

// ---- levels ------------------------------------------------------------------------------------------------

function runLevels(workload: Workload, byId: ReadonlyMap<string, ModelJob>, config: SimulationConfig, state: RunState): void {
  const { clock, latencies } = state;
  const planStart = latencies.pollDelaySeconds + latencies.startExecutionSeconds;
  // Plan writes the job specs, then the level lists (`planWriteParallelism` at a time), then plan.json.
  const waves = (writes: number) => Math.ceil(writes / config.planWriteParallelism) * latencies.s3PutSeconds;
  const planEnd = planStart + latencies.lambdaColdStartSeconds + latencies.planFixedSeconds + waves(workload.jobs.length) + waves(workload.levels.length) + latencies.s3PutSeconds;
  state.phases.push({ name: 'Plan', start: planStart, end: planEnd });
  state.transitions += TRANSITIONS.perRun;

  const runLevel = (level: number): void => {
    if (state.failure) return;
    const items = workload.levels[level];
    if (!items) return;
    const start = clock.now;
    state.transitions += TRANSITIONS.perLevel + items.length * TRANSITIONS.perChild;
    let next = 0;
    let open = items.length;
    const startChild = (): void => {
      const item = items[next++];
      if (!item || state.failure) return;
      const halfChild = latencies.childExecutionSeconds / 2;
      const step = (s: number): void => {
        if (state.failure) return;
        const job = byId.get(item[s]!)!;
        state.transitions += TRANSITIONS.perStep;
        state.timelines.get(job.id)!.readyAt = clock.now;
        runBatchJob(
          job,
          state,
          workload.root,
          () =>
            clock.after(latencies.syncCompletionSeconds, () => {
              state.timelines.get(job.id)!.doneAt = clock.now;
              if (s + 1 < item.length) clock.after(latencies.stateTransitionSeconds, () => step(s + 1));
              else clock.after(halfChild, childDone);
            }),
          () => fail(state, job, `SubmitJob throttled on all ${latencies.submitRetry.maxAttempts} attempts: the child execution fails and with it level ${level} and the run`),
        );
      };
      clock.after(halfChild, () => step(0));
    };
    const childDone = (): void => {
      open--;
      if (open > 0) {
        startChild();
        return;
      }
      state.phases.push({ name: `level ${level}`, start, end: clock.now });
      runLevel(level + 1);
    };
    clock.after(latencies.distributedMapFixedSeconds, () => {
      for (let c = 0; c < Math.min(config.mapConcurrency, items.length); c++) startChild();
    });
  };
  clock.at(planEnd, () => runLevel(0));
}

// ---- dataflow ----------------------------------------------------------------------------------------------

function runDataflow(workload: Workload, config: SimulationConfig, state: RunState): void {
  const { clock, latencies } = state;
  const parents = new Map<string, ModelJob[]>(workload.jobs.map((j) => [j.id, []]));
  for (const job of workload.jobs) for (const child of job.children) parents.get(child)!.push(job);
  const waiting = new Map(workload.jobs.map((j) => [j.id, j.children.length]));

  const enqueue = (job: ModelJob): void => {
    if (state.failure) return;
    state.timelines.get(job.id)!.readyAt = clock.now;
    state.transitions += TRANSITIONS.perBrokerJob;
    clock.after(latencies.brokerDispatchSeconds, () => round(job, 1));
  };
  const round = (job: ModelJob, n: number): void => {
    if (state.failure) return;
    runBatchJob(
      job,
      state,
      workload.root,
      () =>
        clock.after(latencies.syncCompletionSeconds + latencies.brokerRecordSeconds + latencies.facadePollSeconds, () => {
          state.timelines.get(job.id)!.doneAt = clock.now;
          for (const parent of parents.get(job.id)!) {
            const left = waiting.get(parent.id)! - 1;
            waiting.set(parent.id, left);
            if (left === 0) clock.after(latencies.orchestratorEnqueueSeconds, () => enqueue(parent));
          }
        }),
      () => {
        // The task fails, ReadJobError finds no record: retryable, so Backoff and a new round.
        if (n >= latencies.brokerMaxRounds) {
          fail(state, job, `SubmitJob throttled through all ${latencies.brokerMaxRounds} rounds: the broker rejects the job and Aztec's node fails the epoch`);
          return;
        }
        state.transitions += TRANSITIONS.perBrokerRetryRound;
        clock.after(latencies.brokerRoundBackoffSeconds, () => round(job, n + 1));
      },
    );
  };
  const leavesAt = (config.leavesAt ?? 0) + latencies.orchestratorEnqueueSeconds;
  clock.at(leavesAt, () => {
    for (const job of workload.jobs) if (job.children.length === 0) enqueue(job);
  });
}
