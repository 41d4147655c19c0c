/**
 * A run's records: its job graph and levels and, per job, when it was submitted and each attempt's start and
 * stop. The one input of `prover report` (the Gantt chart) and of the model's replay, whichever produced it:
 *   - a local run: the local Batch executor's job records joined with each job's result.json;
 *   - a deployed run: plan.json and each job's result.json in the bucket (no queue times: S3 does not see them);
 *   - the model: a simulated schedule.
 * Times are milliseconds; `t0` is the run's time 0 (local: just before the poll that started it; model: the
 * range's end), so a chart's axis reads "seconds since the range ended".
 */
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { findFinishedResult } from '../proving/job-runner.ts';
import type { JobGraph, ProtocolProfile } from '../proving/profile.ts';
import { readPlan } from '../pipeline/plan-run.ts';

const attemptSchema = z.object({
  startedAt: z.number(),
  stoppedAt: z.number(),
  ok: z.boolean(),
  reason: z.string().optional(),
});

const recordJobSchema = z.object({
  id: z.string(),
  type: z.string(),
  resourceClass: z.string(),
  vcpus: z.number().positive(),
  /** First submission to Batch; absent when the source cannot see it (a deployed run's S3 records). */
  submittedAt: z.number().optional(),
  attempts: z.array(attemptSchema).min(1),
  proveMs: z.number().nonnegative().optional(),
  runnerWallMs: z.number().nonnegative().optional(),
  peakRssKiB: z.number().nonnegative().optional(),
});

const runRecordsSchema = z.object({
  version: z.literal(1),
  run: z.string().min(1),
  profile: z.string().min(1),
  source: z.enum(['local', 'deployed', 'model']),
  t0: z.number(),
  /** When the run closed (after Submit), if known. */
  closedAt: z.number().optional(),
  /** Local runs: the executor's concurrency limit. */
  concurrency: z.number().int().positive().optional(),
  graph: z.object({
    jobs: z.array(z.object({ id: z.string(), type: z.string(), children: z.array(z.string()), block: z.number(), tx: z.number().optional() })),
    root: z.string(),
  }),
  /** Level → item → the job ids of the item's chain. */
  levels: z.array(z.array(z.array(z.string()))),
  jobs: z.array(recordJobSchema),
  /** What a vCPU-hour of the jobs' classes costs, for the report's $ (c7a by default). */
  usdPerVcpuHour: z.object({ spot: z.number(), onDemand: z.number() }).optional(),
  /** Free-form lines the source wants shown (the model's assumptions). */
  notes: z.array(z.string()).optional(),
});
export type RunRecords = z.infer<typeof runRecordsSchema>;
export type RecordJob = z.infer<typeof recordJobSchema>;

export function parseRunRecords(json: unknown, where: string): RunRecords {
  const parsed = runRecordsSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(`${where} is not a run's records (version 1)`, {
      metaMessages: parsed.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    });
  }
  const ids = new Set(parsed.data.graph.jobs.map((j) => j.id));
  const unknown = parsed.data.jobs.find((j) => !ids.has(j.id));
  if (unknown) throw new InputError(`${where}: job ${unknown.id} is not in the run's graph`);
  if (!ids.has(parsed.data.graph.root)) throw new InputError(`${where}: the root ${parsed.data.graph.root} is not among the graph's jobs`);
  return parsed.data;
}

/** The executor's view of one Batch job (lib/local/batch-executor.ts LocalJobRecord, structurally). */
export interface ExecutorJob {
  readonly env: Readonly<Record<string, string>>;
  readonly submittedAt: number;
  readonly attempts: readonly { readonly startedAt: number; readonly stoppedAt: number; readonly exitCode: number | null; readonly statusReason: string }[];
}

const levelItemsSchema = z.array(z.object({ steps: z.array(z.object({ job: z.string() })).min(1) }));

/** A finished local run: the executor's timings joined with the plan, the level lists and each result.json. */
export async function localRunRecords(params: {
  readonly store: ArtifactStore;
  readonly run: string;
  readonly profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>;
  readonly executorJobs: readonly ExecutorJob[];
  readonly t0: number;
  readonly closedAt?: number;
  readonly concurrency: number;
}): Promise<RunRecords> {
  const { graph, levels } = await planOf(params.store, params.run);
  const inGraph = new Set(graph.jobs.map((j) => j.id));
  const byJob = new Map<string, ExecutorJob[]>();
  for (const record of params.executorJobs) {
    const id = record.env['JOB_ID'];
    if (!id || !inGraph.has(id)) continue;
    byJob.set(id, [...(byJob.get(id) ?? []), record]);
  }
  const jobs: RecordJob[] = [];
  for (const job of graph.jobs) {
    const records = byJob.get(job.id);
    if (!records) continue;
    const result = await findFinishedResult(params.store, job.id);
    const attempts = records.flatMap((r) => r.attempts.map((a) => ({ startedAt: a.startedAt, stoppedAt: a.stoppedAt, ok: a.exitCode === 0, ...(a.exitCode === 0 ? {} : { reason: a.statusReason }) })));
    if (attempts.length === 0) continue;
    jobs.push({
      ...classOf(params.profile, job.id, job.type),
      submittedAt: Math.min(...records.map((r) => r.submittedAt)),
      attempts,
      ...(result ? { proveMs: result.metrics.proveMs, runnerWallMs: result.metrics.wallMs, ...(result.metrics.peakRssKiB ? { peakRssKiB: result.metrics.peakRssKiB } : {}) } : {}),
    });
  }
  return {
    version: 1,
    run: params.run,
    profile: params.profile.name,
    source: 'local',
    t0: params.t0,
    ...(params.closedAt !== undefined ? { closedAt: params.closedAt } : {}),
    concurrency: params.concurrency,
    graph: { jobs: graph.jobs.map((j) => ({ id: j.id, type: j.type, children: [...j.children], block: j.block, ...(j.tx === undefined ? {} : { tx: j.tx }) })), root: graph.root },
    levels,
    jobs,
  };
}

/**
 * A deployed run from its bucket: plan.json, the level lists and each job's result.json (finishedAt and the
 * runner's wall give one attempt per job; Batch's queue times are not in S3). Time 0: the plan's creation.
 */
export async function deployedRunRecords(store: ArtifactStore, run: string, profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>): Promise<RunRecords> {
  const plan = await readPlan(store, run);
  if (!plan) throw new InputError(`run ${run} has no plan.json in the bucket (not planned yet, or another bucket)`);
  const { graph, levels } = await planOf(store, run);
  const jobs: RecordJob[] = [];
  for (const job of graph.jobs) {
    const result = await findFinishedResult(store, job.id);
    if (!result) continue;
    const stoppedAt = Date.parse(result.metrics.finishedAt);
    jobs.push({
      ...classOf(profile, job.id, job.type),
      attempts: [{ startedAt: stoppedAt - result.metrics.wallMs, stoppedAt, ok: true }],
      proveMs: result.metrics.proveMs,
      runnerWallMs: result.metrics.wallMs,
      ...(result.metrics.peakRssKiB ? { peakRssKiB: result.metrics.peakRssKiB } : {}),
    });
  }
  return {
    version: 1,
    run,
    profile: profile.name,
    source: 'deployed',
    t0: Date.parse(plan.createdAt),
    graph: { jobs: graph.jobs.map((j) => ({ id: j.id, type: j.type, children: [...j.children], block: j.block, ...(j.tx === undefined ? {} : { tx: j.tx }) })), root: graph.root },
    levels,
    jobs,
  };
}

async function planOf(store: ArtifactStore, run: string): Promise<{ graph: JobGraph; levels: string[][][] }> {
  const plan = await readPlan(store, run);
  if (!plan) throw new InputError(`run ${run} has no plan.json`);
  const levels: string[][][] = [];
  for (const ref of plan.levels) {
    const raw = await store.get(ref.key);
    if (raw === undefined) throw new InputError(`run ${run}: level list ${ref.key} is missing`);
    levels.push(levelItemsSchema.parse(JSON.parse(Buffer.from(raw).toString('utf8'))).map((item) => item.steps.map((s) => s.job)));
  }
  return { graph: plan.graph, levels };
}

function classOf(profile: Pick<ProtocolProfile, 'name' | 'circuits' | 'resourceClasses'>, id: string, type: string): Pick<RecordJob, 'id' | 'type' | 'resourceClass' | 'vcpus'> {
  const circuit = profile.circuits[type];
  const cls = circuit ? profile.resourceClasses[circuit.resourceClass] : undefined;
  if (!circuit || !cls) throw new InputError(`profile ${profile.name} has no resource class for job type ${type}`);
  return { id, type, resourceClass: cls.name, vcpus: cls.vcpus };
}

/** Per job: seconds its successful attempt held the worker (container start to stop). */
export function measuredSeconds(records: RunRecords): Map<string, number> {
  const out = new Map<string, number>();
  for (const job of records.jobs) {
    const last = job.attempts.at(-1)!;
    out.set(job.id, (last.stoppedAt - last.startedAt) / 1000);
  }
  return out;
}

/** Per job type: the median of its jobs' measured seconds (`prover simulate --durations-from`). */
export function medianSecondsByType(records: RunRecords): Record<string, number> {
  const byType = new Map<string, number[]>();
  const seconds = measuredSeconds(records);
  for (const job of records.jobs) byType.set(job.type, [...(byType.get(job.type) ?? []), seconds.get(job.id)!]);
  return Object.fromEntries(
    [...byType].map(([type, values]) => {
      const sorted = values.sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return [type, sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2];
    }),
  );
}
