/**
 * `prover local`: the whole mission on one machine (what `npm start` runs). Starts a devnet (anvil + rollup,
 * local S3, sequencer with real client proofs), proposes blocks, polls L1 like the scheduled poller, proves
 * each run with the synthesized state machine and real `bb` proofs, submits the root proof to L1 and prints
 * the proven tip and per-job timings.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readTips } from '../l1/read-tips.ts';
import { formatLedger, runDrill } from '../local/chaos/drill.ts';
import { formatPlan, parseSeed, planFaults } from '../local/chaos/plan.ts';
import { startDevnetEnv } from '../local/devnet-env.ts';
import type { LocalJobRecord } from '../local/batch-executor.ts';
import { LocalProver, type LocalRunResult } from '../local/local-prover.ts';
import { formatProgress, runProgress } from '../local/progress.ts';
import { readPlan } from '../pipeline/plan-run.ts';
import { devnetProfile } from '../protocols/devnet/profile.ts';
import { writeLocalRunReports, type LocalRunReport } from '../report/local-run-report.ts';
import { findFinishedResult } from '../proving/job-runner.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';

export interface LocalOptions {
  blocks: number;
  txs: number;
  concurrency: number;
  json: boolean;
  dataDir: string;
  /** Prover image to run the jobs in (Docker); default: the bundled job runner as local processes. */
  image?: string;
  /** Fault drill seed (docs/chaos.md): inject the seeded plan's faults, print the ledger, fail on a broken invariant. */
  chaos?: string;
}

export const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('local')
    .description('prove devnet blocks end to end on this machine: devnet up, propose blocks, poll, prove (real bb), submit to L1')
    .option('--blocks <n>', 'blocks to propose and prove (one run covers them all)', positive('blocks'), 2)
    .option('--txs <n>', 'txs per block', positive('txs'), 2)
    .option('--concurrency <n>', 'proving jobs at once (local stand-in for Batch capacity)', positive('concurrency'), 1)
    .option('--data-dir <dir>', 'scratch directory (local S3 data, generated verifier)', '.cache/local-run')
    .option('--image <tag>', 'run every proving job in this prover image (Docker), as AWS Batch would')
    .option('--json', 'print the summary as JSON', false)
    .option('--chaos <seed>', 'fault drill: inject the seeded plan of failures (docs/chaos.md), print a ledger, exit 1 if an invariant fails')
    .action(async (opts: LocalOptions) => {
      if (opts.chaos !== undefined) {
        await runChaos(opts, opts.chaos);
        return;
      }
      const summary = await runLocal(opts, opts.json ? () => {} : (line) => console.log(line));
      if (opts.json) console.log(JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
      else printSummary(summary);
      if (summary.proven < summary.pending) process.exitCode = 1;
    });
}

async function runChaos(opts: LocalOptions, seedText: string): Promise<void> {
  if (opts.image) throw new InputError('--chaos runs the jobs as local processes (it kills them and their bb); drop --image');
  const plan = planFaults(parseSeed(seedText));
  const say = opts.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  say(formatPlan(plan));
  await rm(opts.dataDir, { recursive: true, force: true });
  await mkdir(opts.dataDir, { recursive: true });
  const ledger = await runDrill({ plan, blocks: opts.blocks, txs: opts.txs, concurrency: opts.concurrency, dataDir: join(opts.dataDir, 'devnet'), say });
  if (opts.json) console.log(JSON.stringify(ledger, null, 2));
  else console.log(formatLedger(ledger));
  if (!ledger.ok) process.exitCode = 1;
}

export interface LocalSummary {
  readonly pending: bigint;
  readonly proven: bigint;
  readonly runs: { name: string; status: string; error?: string; submission?: unknown; historyEvents?: unknown; maxPayloadBytes?: number }[];
  readonly jobs: { id: string; type: string; block: number; wallMs: number; proveMs: number; peakRssKiB?: number }[];
  readonly wallMs: number;
  /** Each run's Gantt chart (`prover report`), written to the data dir. */
  readonly reports: readonly LocalRunReport[];
}

/** What a finished local run leaves to look at before the devnet stops (`prover bench` reads it). */
export interface LocalRunTrace {
  readonly store: ArtifactStore;
  /** The local Batch executor's records: submit time and attempts with start/stop times per job. */
  readonly executorJobs: readonly LocalJobRecord[];
  readonly runs: readonly LocalRunResult[];
  /** Just before the poll that started the runs, and when the last run closed (ms since epoch). */
  readonly polledAt: number;
  readonly closedAt: number;
}

export async function runLocal(opts: Omit<LocalOptions, 'json'>, say: (line: string) => void, inspect?: (trace: LocalRunTrace) => Promise<void>): Promise<LocalSummary> {
  const started = Date.now();
  await rm(opts.dataDir, { recursive: true, force: true });
  await mkdir(opts.dataDir, { recursive: true });
  say(`devnet: starting anvil, local S3, deploying the rollup and its Honk verifier…`);
  const env = await startDevnetEnv({ dataDir: join(opts.dataDir, 'devnet') });
  try {
    say(`devnet: rollup ${env.rollup} on ${env.anvil.rpcUrl}; INSECURE test CRS at ${env.crs.dir}`);
    for (let b = 0; b < opts.blocks; b++) {
      const n = await env.proposeBlock(opts.txs);
      say(`sequencer: proposed block ${n} with ${opts.txs} txs (client proofs made)`);
    }
    const prover = await LocalProver.create({ env, concurrency: opts.concurrency, maxBlocksPerRun: opts.blocks, ...(opts.image ? { image: opts.image } : {}), log: (m, f) => say(`  ${m} ${f ? JSON.stringify(f) : ''}`) });
    const polledAt = Date.now();
    const poll = await prover.poll();
    say(`poller: L1 pending ${poll.pending}, proven ${poll.proven}; started ${poll.started.join(', ') || 'nothing'}`);
    const progress = setInterval(() => {
      void (async () => {
        const elapsed = Math.round((Date.now() - started) / 1000);
        for (const name of poll.started) {
          const plan = await readPlan(env.store, name);
          if (plan) say(formatProgress(runProgress(plan.graph, prover.executor.jobs, prover.executor.running), elapsed));
        }
      })().catch(() => {});
    }, 10_000);
    const runs = [];
    try {
      for (const name of poll.started) runs.push(await prover.wait(name));
    } finally {
      clearInterval(progress);
    }
    const closedAt = Date.now();
    await inspect?.({ store: env.store, executorJobs: prover.executor.jobs, runs, polledAt, closedAt });
    const reports = await writeLocalRunReports({ dir: opts.dataDir, store: env.store, profile: devnetProfile, runs, executorJobs: prover.executor.jobs, t0: polledAt, closedAt, concurrency: opts.concurrency });
    const tips = await readTips(env.prover, { address: env.rollup });
    const jobs = [];
    for (const run of runs) {
      const plan = await readPlan(env.store, run.name);
      for (const job of plan?.graph.jobs ?? []) {
        const result = await findFinishedResult(env.store, job.id);
        if (result) jobs.push({ id: job.id, type: job.type, block: job.block, wallMs: result.metrics.wallMs, proveMs: result.metrics.proveMs, ...(result.metrics.peakRssKiB ? { peakRssKiB: result.metrics.peakRssKiB } : {}) });
      }
    }
    return {
      pending: tips.pending,
      proven: tips.proven,
      runs: await Promise.all(runs.map(async (r) => ({
        name: r.name,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        submission: await readJson(env.store, `runs/${r.name}/submission.json`),
        ...(r.stats ? { historyEvents: r.stats.historyEvents, maxPayloadBytes: r.stats.maxPayloadBytes } : {}),
      }))),
      jobs,
      wallMs: Date.now() - started,
      reports,
    };
  } finally {
    await env.stop();
  }
}

async function readJson(store: ArtifactStore, key: string): Promise<unknown> {
  const raw = await store.get(key);
  return raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as unknown);
}

function printSummary(s: LocalSummary): void {
  console.log('');
  console.log(`L1 tips: pending ${s.pending}, proven ${s.proven}`);
  for (const run of s.runs) console.log(`run ${run.name}: ${run.status}${run.error ? ` — ${run.error}` : ''}`);
  console.log('');
  console.log('job                        type         block   prove s   wall s   peak MiB');
  for (const j of s.jobs) {
    console.log(`${j.id}   ${j.type.padEnd(12)} ${String(j.block).padStart(5)} ${(j.proveMs / 1000).toFixed(1).padStart(9)} ${(j.wallMs / 1000).toFixed(1).padStart(8)} ${j.peakRssKiB ? (j.peakRssKiB / 1024).toFixed(0).padStart(10) : '         -'}`);
  }
  console.log(`\ntotal wall time ${(s.wallMs / 1000).toFixed(0)} s`);
  for (const r of s.reports) console.log(r.html ? `report of run ${r.run}: ${r.html}` : `no report for run ${r.run}: ${r.error}`);
}
