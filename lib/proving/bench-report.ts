/**
 * The numbers of `prover bench`, from one measured run: how far the orchestrated run is from the ideal
 * schedule of the same jobs' bare `bb` times under the same concurrency limit, split into what the level
 * barriers cost (levelled vs ideal schedule) and what dispatch costs (measured vs levelled schedule), plus
 * per-job overheads and the measured critical path. Pure: timestamps and bb times in, report out.
 *
 * Ratios are the headline because machines are noisy: `bb` slows down under load as much as the run does,
 * so measured ÷ ideal (both from the same run) stays comparable across machines and loads; seconds do not.
 */
import { criticalPath, idealMakespan, levelledMakespan } from './critical-path.ts';
import type { Levels } from './levels.ts';
import type { JobGraph } from './profile.ts';

/** Measured ÷ ideal we aim for: orchestration adds at most 5 % to the bare proving time. */
export const OVERHEAD_TARGET = 1.05;

interface MeasuredAttempt {
  /** When the executor started the job's container (ms since epoch). */
  readonly startedAt: number;
  /** When the container stopped (its result.json is written just before). */
  readonly stoppedAt: number;
}

export interface MeasuredJob {
  readonly id: string;
  /** When the state machine submitted the job to the (local) Batch executor. */
  readonly submittedAt: number;
  /** Every attempt in order; the last one succeeded. */
  readonly attempts: readonly MeasuredAttempt[];
  /** Bare `bb` time, from the job's result.json. */
  readonly proveMs: number;
  /** The job runner's own wall time (inputs, witness, bb, uploads), from the job's result.json. */
  readonly runnerWallMs: number;
}

export interface BenchInput {
  readonly graph: JobGraph;
  /** The levels the state machine ran (barriers between them). */
  readonly levels: Levels;
  /** Jobs proven at once in the measured run; the ideal schedules use the same limit. */
  readonly concurrency: number;
  readonly jobs: readonly MeasuredJob[];
  /** The whole run: from the poll that started the execution until it closed (after Submit). */
  readonly run: { readonly startedAt: number; readonly stoppedAt: number };
}

export interface BenchJobRow {
  readonly id: string;
  readonly type: string;
  readonly level: number;
  readonly attempts: number;
  /** Submitted → first attempt started (waiting for a free worker). */
  readonly queueWaitMs: number;
  /** Σ attempts' stoppedAt − startedAt: how long the job held a worker. */
  readonly executorWallMs: number;
  readonly runnerWallMs: number;
  readonly proveMs: number;
  /** executorWallMs − proveMs. */
  readonly dispatchOverheadMs: number;
}

export interface BenchReport {
  readonly jobs: number;
  readonly levels: number;
  readonly concurrency: number;
  readonly measured: {
    /** First job submitted → the root job's container stopped. */
    readonly provingMs: number;
    /** The whole run, incl. the poll, Plan, level bookkeeping and Submit. */
    readonly endToEndMs: number;
    /** Run start → first job submitted (poll, Plan, first level's item list). */
    readonly beforeFirstJobMs: number;
    /** Root stopped → run closed (Submit to L1). */
    readonly afterRootMs: number;
  };
  readonly schedules: {
    /** List schedule of the bb times under the concurrency limit, no barriers (lower bound). */
    readonly idealMs: number;
    /** Same, with the levels as barriers (what our state machine can reach at best). */
    readonly levelledMs: number;
    /** Longest chain of bb times (the ideal with unlimited workers). */
    readonly criticalPathBbMs: number;
    readonly sumBbMs: number;
  };
  readonly ratios: {
    /** provingMs ÷ idealMs: the orchestration overhead, target ≤ OVERHEAD_TARGET. */
    readonly overhead: number;
    /** endToEndMs ÷ idealMs. */
    readonly endToEnd: number;
    /** levelledMs ÷ idealMs: what the level barriers cost. */
    readonly levelBarrier: number;
    /** provingMs ÷ levelledMs: what dispatch costs (overhead = levelBarrier × dispatch). */
    readonly dispatch: number;
  };
  readonly target: { readonly overhead: number; readonly met: boolean };
  /** provingMs − idealMs, split exactly into time inside jobs and time between them (per worker). */
  readonly excess: {
    readonly totalMs: number;
    /** Σ (executor wall − bb) ÷ concurrency: container start/stop, inputs, witness, uploads. */
    readonly inJobsMs: number;
    /** (measured − ideal idle worker time) ÷ concurrency: state machine transitions, barriers, queueing. */
    readonly betweenJobsMs: number;
  };
  readonly perJob: {
    readonly medianProveMs: number;
    readonly medianExecutorWallMs: number;
    readonly medianDispatchOverheadMs: number;
    /** Median of executor wall ÷ bb time. */
    readonly medianWallOverBb: number;
    /** Median executor wall − runner wall: process start/exit, spec/result checks before proving. */
    readonly medianContainerMs: number;
    /** Median runner wall − bb: inputs from S3, witness generation, hashing and uploading outputs. */
    readonly medianRunnerExtraMs: number;
    readonly medianQueueWaitMs: number;
    readonly maxQueueWaitMs: number;
    readonly retries: number;
  };
  /** Share of worker time (provingMs × concurrency) no job was running. */
  readonly idleShare: number;
  readonly criticalPath: {
    /** Longest chain of executor walls (what unlimited workers would take at this run's per-job cost). */
    readonly measuredMs: number;
    readonly bbMs: number;
    readonly jobs: readonly BenchJobRow[];
  };
  readonly rows: readonly BenchJobRow[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function benchReport(input: BenchInput): BenchReport {
  const { graph, levels, concurrency } = input;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const rows = jobRows(input);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const bb = (job: { id: string }) => byId.get(job.id)!.proveMs;
  const wall = (job: { id: string }) => byId.get(job.id)!.executorWallMs;

  const sumBbMs = sum(rows.map((r) => r.proveMs));
  if (sumBbMs <= 0) throw new Error('the jobs\' bb times sum to 0 ms: nothing to compare against');
  const idealMs = idealMakespan(graph, bb, concurrency);
  const levelledMs = levelledMakespan(graph, levels, bb, concurrency);
  const bbPath = criticalPath(graph, bb);
  const measuredPath = criticalPath(graph, wall);

  const firstSubmitted = Math.min(...input.jobs.map((j) => j.submittedAt));
  const rootStoppedAt = input.jobs.find((j) => j.id === graph.root)!.attempts.at(-1)!.stoppedAt;
  const provingMs = rootStoppedAt - firstSubmitted;
  const endToEndMs = input.run.stoppedAt - input.run.startedAt;
  if (input.run.startedAt > firstSubmitted || input.run.stoppedAt < rootStoppedAt) {
    throw new Error('the run span must contain every job (run started before the first submit, closed after the root)');
  }

  const busyMs = sum(rows.map((r) => r.executorWallMs));
  const inJobsWorkerMs = busyMs - sumBbMs;
  const idleWorkerMs = provingMs * concurrency - busyMs;
  const idealIdleWorkerMs = idealMs * concurrency - sumBbMs;
  const overhead = provingMs / idealMs;

  return {
    jobs: rows.length,
    levels: levels.length,
    concurrency,
    measured: { provingMs, endToEndMs, beforeFirstJobMs: firstSubmitted - input.run.startedAt, afterRootMs: input.run.stoppedAt - rootStoppedAt },
    schedules: { idealMs, levelledMs, criticalPathBbMs: bbPath.length, sumBbMs },
    ratios: { overhead, endToEnd: endToEndMs / idealMs, levelBarrier: levelledMs / idealMs, dispatch: provingMs / levelledMs },
    target: { overhead: OVERHEAD_TARGET, met: overhead <= OVERHEAD_TARGET },
    excess: { totalMs: provingMs - idealMs, inJobsMs: inJobsWorkerMs / concurrency, betweenJobsMs: (idleWorkerMs - idealIdleWorkerMs) / concurrency },
    perJob: {
      medianProveMs: median(rows.map((r) => r.proveMs)),
      medianExecutorWallMs: median(rows.map((r) => r.executorWallMs)),
      medianDispatchOverheadMs: median(rows.map((r) => r.dispatchOverheadMs)),
      medianWallOverBb: median(rows.map((r) => (r.proveMs > 0 ? r.executorWallMs / r.proveMs : Infinity))),
      medianContainerMs: median(rows.map((r) => r.executorWallMs - r.runnerWallMs)),
      medianRunnerExtraMs: median(rows.map((r) => r.runnerWallMs - r.proveMs)),
      medianQueueWaitMs: median(rows.map((r) => r.queueWaitMs)),
      maxQueueWaitMs: Math.max(...rows.map((r) => r.queueWaitMs)),
      retries: sum(rows.map((r) => r.attempts - 1)),
    },
    idleShare: idleWorkerMs / (provingMs * concurrency),
    criticalPath: { measuredMs: measuredPath.length, bbMs: sum(measuredPath.path.map((id) => byId.get(id)!.proveMs)), jobs: measuredPath.path.map((id) => byId.get(id)!) },
    rows,
  };
}

/** One row per graph job, in level order; every job must have been measured exactly once. */
function jobRows(input: BenchInput): BenchJobRow[] {
  const measured = new Map<string, MeasuredJob>();
  for (const job of input.jobs) {
    if (measured.has(job.id)) throw new Error(`job ${job.id} was measured twice`);
    measured.set(job.id, job);
  }
  const types = new Map(input.graph.jobs.map((j) => [j.id, j.type]));
  for (const id of measured.keys()) if (!types.has(id)) throw new Error(`measured job ${id} is not in the plan's graph`);

  const levelOf = new Map<string, number>();
  input.levels.forEach((items, level) => items.forEach((item) => item.steps.forEach((s) => levelOf.set(s.job, level))));

  const rows: BenchJobRow[] = [];
  for (const job of input.graph.jobs) {
    const m = measured.get(job.id);
    if (!m) throw new Error(`job ${job.id} (${job.type}) has no measurement: every job of the run must be proven in it (was the store reused?)`);
    const level = levelOf.get(job.id);
    if (level === undefined) throw new Error(`job ${job.id} (${job.type}) is in no level`);
    if (m.attempts.length === 0) throw new Error(`job ${job.id} has no attempts`);
    for (const [name, value] of [['proveMs', m.proveMs], ['runnerWallMs', m.runnerWallMs]] as const) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`job ${job.id}: ${name} must be a finite number ≥ 0, got ${value}`);
    }
    let executorWallMs = 0;
    for (const a of m.attempts) {
      if (!(a.stoppedAt >= a.startedAt)) throw new Error(`job ${job.id}: an attempt stopped (${a.stoppedAt}) before it started (${a.startedAt})`);
      executorWallMs += a.stoppedAt - a.startedAt;
    }
    const queueWaitMs = m.attempts[0]!.startedAt - m.submittedAt;
    if (queueWaitMs < 0) throw new Error(`job ${job.id}: started before it was submitted`);
    rows.push({ id: job.id, type: job.type, level, attempts: m.attempts.length, queueWaitMs, executorWallMs, runnerWallMs: m.runnerWallMs, proveMs: m.proveMs, dispatchOverheadMs: executorWallMs - m.proveMs });
  }
  return rows.sort((a, b) => a.level - b.level);
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
