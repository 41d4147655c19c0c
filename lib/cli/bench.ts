/**
 * `prover bench` (`npm run bench`): how much the orchestration costs on top of bare proving. Runs a devnet
 * range through the same local runtime as `prover local` (real bb, synthesized state machine, L1 on anvil)
 * and compares, from that one run, the measured wall time with the ideal and the levelled schedules of the
 * same jobs' bb times under the same concurrency limit, plus per-job dispatch overhead, queue wait and the
 * measured critical path. A benchmark, not a test: it prints numbers and never fails on them.
 */
import { cpus, loadavg } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { ProverError } from '../errors.ts';
import type { LocalJobRecord } from '../local/batch-executor.ts';
import { readPlan } from '../pipeline/plan-run.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { benchReport, type BenchJobRow, type BenchReport, type MeasuredJob } from '../proving/bench-report.ts';
import { findFinishedResult } from '../proving/job-runner.ts';
import { verifyLevels, type Levels } from '../proving/levels.ts';
import { positive, runLocal, type LocalRunTrace } from './local.ts';

interface BenchOptions {
  readonly blocks: number;
  readonly txs: number;
  readonly concurrency: number;
  readonly dataDir: string;
  readonly json: boolean;
}

interface BenchOutcome {
  readonly config: { readonly profile: 'devnet'; readonly blocks: number; readonly txs: number; readonly concurrency: number };
  /** The conditions the numbers were taken under (noisy machines make seconds meaningless on their own). */
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly loadAverage1mAtStart: number; readonly loadAverage1mAtEnd: number };
  readonly run: string;
  readonly l1: { readonly pending: string; readonly proven: string };
  readonly report: BenchReport;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure the orchestration overhead: prove a devnet range locally (real bb) and compare its wall time with the ideal schedule of the same jobs\' bb times')
    // Defaults fit a 2-core machine: one bb already uses every core, so concurrency 1 keeps the jobs' bb
    // times honest (two at once would just share the cores); 1 block × 2 txs = 6 jobs in 3 levels still has a
    // parallel level 0 (two tx chains), a level barrier and the Plan → levels → Submit path, in minutes.
    .option('--blocks <n>', 'blocks to propose and prove in one run', positive('blocks'), 1)
    .option('--txs <n>', 'txs per block', positive('txs'), 2)
    .option('--concurrency <n>', 'proving jobs at once; the ideal schedules use the same limit', positive('concurrency'), 1)
    .option('--data-dir <dir>', 'scratch directory (wiped first)', '.cache/bench-run')
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: BenchOptions) => {
      const outcome = await runBench(opts, opts.json ? () => {} : (line) => console.log(line));
      if (opts.json) console.log(JSON.stringify(outcome, null, 2));
      else printBench(outcome);
    });
}

async function runBench(opts: Omit<BenchOptions, 'json'>, say: (line: string) => void): Promise<BenchOutcome> {
  const loadAtStart = loadavg()[0]!;
  let measured: { run: string; report: BenchReport } | undefined;
  const summary = await runLocal({ ...opts }, say, async (trace) => {
    measured = await measure(trace, opts.concurrency);
  });
  if (!measured) throw new ProverError('the local run ended without a trace to measure');
  if (summary.proven < summary.pending) throw new ProverError(`run ${measured.run} proved, but L1's proven tip is ${summary.proven} of ${summary.pending}`, { metaMessages: ['Submit did not land; see `prover local` for the run\'s submission record'] });
  return {
    config: { profile: 'devnet', blocks: opts.blocks, txs: opts.txs, concurrency: opts.concurrency },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0]! },
    run: measured.run,
    l1: { pending: summary.pending.toString(), proven: summary.proven.toString() },
    report: measured.report,
  };
}

const levelsSchema = z.array(z.object({ steps: z.array(z.object({ job: z.string(), class: z.string() })).min(1) }));

/** Joins the executor's timestamps with the plan, the levels the state machine read and each job's result.json. */
async function measure(trace: LocalRunTrace, concurrency: number): Promise<{ run: string; report: BenchReport }> {
  if (trace.runs.length !== 1) throw new ProverError(`bench measures exactly one run, the poller started ${trace.runs.length}`);
  const run = trace.runs[0]!;
  if (run.status !== 'SUCCEEDED') throw new ProverError(`run ${run.name} ended ${run.status}: nothing to measure`, { metaMessages: run.error ? [run.error] : [] });
  const plan = await readPlan(trace.store, run.name);
  if (!plan) throw new ProverError(`run ${run.name} succeeded but has no plan.json`);
  const levels: Levels = await Promise.all(plan.levels.map(async (ref) => levelsSchema.parse(await readJson(trace.store, ref.key))));
  verifyLevels(plan.graph, levels);

  const jobs: MeasuredJob[] = [];
  for (const [id, records] of groupByJobId(trace.executorJobs)) {
    const result = await findFinishedResult(trace.store, id);
    if (!result) throw new ProverError(`job ${id} ran but has no intact result.json`);
    jobs.push({
      id,
      submittedAt: Math.min(...records.map((r) => r.submittedAt)),
      attempts: records.flatMap((r) => r.attempts.map((a) => ({ startedAt: a.startedAt, stoppedAt: a.stoppedAt }))),
      proveMs: result.metrics.proveMs,
      runnerWallMs: result.metrics.wallMs,
    });
  }
  return { run: run.name, report: benchReport({ graph: plan.graph, levels, concurrency, jobs, run: { startedAt: trace.polledAt, stoppedAt: trace.closedAt } }) };
}

/** A job submitted again by a Step Functions-level Retry is one job with more attempts. */
function groupByJobId(records: readonly LocalJobRecord[]): Map<string, LocalJobRecord[]> {
  const byId = new Map<string, LocalJobRecord[]>();
  for (const record of records) {
    const id = record.env['JOB_ID'];
    if (!id) throw new ProverError(`local Batch job ${record.jobName} has no JOB_ID in its environment`);
    byId.set(id, [...(byId.get(id) ?? []), record]);
  }
  return byId;
}

async function readJson(store: ArtifactStore, key: string): Promise<unknown> {
  const raw = await store.get(key);
  if (raw === undefined) throw new ProverError(`missing ${key} in the run's store`);
  return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
}

const s = (ms: number) => (ms / 1000).toFixed(1);
const x = (ratio: number) => ratio.toFixed(3);

function printBench(o: BenchOutcome): void {
  const r = o.report;
  const line = (label: string, ms: number, ratio: string, note = '') => console.log(`  ${label.padEnd(42)} ${s(ms).padStart(8)} ${ratio.padStart(9)}  ${note}`.trimEnd());
  console.log('');
  console.log(`benchmark: devnet ${o.config.blocks} block(s) × ${o.config.txs} txs → ${r.jobs} jobs in ${r.levels} levels, concurrency ${r.concurrency}, run ${o.run}`);
  console.log(`machine: ${o.machine.cpus} × ${o.machine.cpuModel}; 1-min load average ${o.machine.loadAverage1mAtStart.toFixed(2)} at start, ${o.machine.loadAverage1mAtEnd.toFixed(2)} at end`);
  console.log('');
  console.log(`  ${''.padEnd(42)} ${'seconds'.padStart(8)} ${'× ideal'.padStart(9)}`);
  line('measured: proving (first submit → root)', r.measured.provingMs, x(r.ratios.overhead), `orchestration overhead, target ≤ ${r.target.overhead}: ${r.target.met ? 'met' : 'MISSED'}`);
  line('measured: whole run (poll, Plan … Submit)', r.measured.endToEndMs, x(r.ratios.endToEnd));
  line('levelled schedule of bb times (barriers)', r.schedules.levelledMs, x(r.ratios.levelBarrier), 'cost of the level barriers');
  line(`ideal schedule of bb times (${r.concurrency} worker${r.concurrency > 1 ? 's' : ''})`, r.schedules.idealMs, x(1));
  console.log(`  measured ÷ levelled = ${x(r.ratios.dispatch)} (cost of dispatch); overhead = barriers × dispatch`);
  console.log(`  before the first job ${s(r.measured.beforeFirstJobMs)} s (poll, Plan); after the root ${s(r.measured.afterRootMs)} s (Submit to L1)`);
  // Two decimals: between-job gaps are tens of ms locally and would print as 0.0.
  const s2 = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`  excess over ideal ${s2(r.excess.totalMs)} s = ${s2(r.excess.inJobsMs)} s inside jobs + ${s2(r.excess.betweenJobsMs)} s between jobs (per worker); workers idle ${(r.idleShare * 100).toFixed(2)} %`);
  console.log('');
  const p = r.perJob;
  console.log(`per job (median of ${r.jobs})`);
  console.log(`  bb prove                               ${s(p.medianProveMs).padStart(7)} s`);
  console.log(`  executor wall                          ${s(p.medianExecutorWallMs).padStart(7)} s   (median wall ÷ bb ${x(p.medianWallOverBb)})`);
  console.log(`  dispatch overhead (wall − bb)          ${s(p.medianDispatchOverheadMs).padStart(7)} s`);
  console.log(`    container start/stop (wall − runner) ${s(p.medianContainerMs).padStart(7)} s`);
  console.log(`    runner: inputs, witness, S3 (− bb)   ${s(p.medianRunnerExtraMs).padStart(7)} s`);
  console.log(`  queue wait (submitted → started)       ${s(p.medianQueueWaitMs).padStart(7)} s   (max ${s(p.maxQueueWaitMs)} s: waiting for one of ${r.concurrency} worker(s))`);
  console.log(`  retries                                ${String(p.retries).padStart(7)}`);
  console.log('');
  console.log(`critical path of the measured run: ${r.criticalPath.jobs.length} jobs, ${s(r.criticalPath.measuredMs)} s of executor wall (${s(r.criticalPath.bbMs)} s bb) — the floor with unlimited workers`);
  printRows(r.criticalPath.jobs);
  console.log('');
  console.log('all jobs');
  printRows(r.rows);
}

function printRows(rows: readonly BenchJobRow[]): void {
  console.log(`  level  job                       type          queue s   wall s    bb s   overhead s`);
  for (const j of rows) {
    console.log(`  ${String(j.level).padStart(5)}  ${j.id}  ${j.type.padEnd(12)} ${s(j.queueWaitMs).padStart(8)} ${s(j.executorWallMs).padStart(8)} ${s(j.proveMs).padStart(7)} ${s(j.dispatchOverheadMs).padStart(12)}${j.attempts > 1 ? `  (${j.attempts} attempts)` : ''}`);
  }
}
