/**
 * The capacity model against a real run: prove 1 devnet block × 2 txs locally (real bb, the synthesized state
 * machine, concurrency 2), then feed the model only that run's measured job times (executor walls), its
 * concurrency and the local runtime's latencies (LOCAL_LATENCIES). The predicted wall time (poll → root proof)
 * must be within 15 % of the measured one, the model's critical path must be the planner's, and the model's
 * levels the ones the state machine ran. The run's Gantt report is written from the same records.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnetEnv, type DevnetEnv } from '../../lib/local/devnet-env.ts';
import { LocalProver } from '../../lib/local/local-prover.ts';
import { replayLocalRun } from '../../lib/model/replay.ts';
import { readPlan } from '../../lib/pipeline/plan-run.ts';
import { criticalPath } from '../../lib/proving/critical-path.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { writeLocalRunReports } from '../../lib/report/local-run-report.ts';
import { localRunRecords, measuredSeconds } from '../../lib/report/run-records.ts';

let env: DevnetEnv;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'model-replay-'));
  env = await startDevnetEnv({ dataDir });
  await env.proposeBlock(2);
}, 600_000);

afterAll(async () => {
  await env?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the model replays a real local run', () => {
  it('predicts its wall time within 15 % and finds the planner\'s critical path', async () => {
    const concurrency = 2;
    const prover = await LocalProver.create({ env, concurrency, maxBlocksPerRun: 1 });
    const t0 = Date.now();
    const poll = await prover.poll();
    expect(poll.started).toHaveLength(1);
    const run = poll.started[0]!;
    const result = await prover.wait(run);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    const closedAt = Date.now();

    const plan = (await readPlan(env.store, run))!;
    const records = await localRunRecords({ store: env.store, run, profile: devnetProfile, executorJobs: prover.executor.jobs, t0, closedAt, concurrency });
    expect(records.jobs).toHaveLength(plan.graph.jobs.length);
    const seconds = measuredSeconds(records);
    const root = records.jobs.find((j) => j.id === plan.graph.root)!;
    const measured = (root.attempts.at(-1)!.stoppedAt - t0) / 1000;

    const replay = replayLocalRun({ profile: devnetProfile, graph: plan.graph, jobSeconds: seconds, concurrency, measuredSeconds: measured });
    console.log(`model replay: predicted ${replay.predictedSeconds.toFixed(1)} s, measured ${measured.toFixed(1)} s (${(replay.relativeError * 100).toFixed(1)} %)`);
    expect(Math.abs(replay.relativeError)).toBeLessThan(0.15);

    const planner = criticalPath(plan.graph, (job) => seconds.get(job.id)!);
    expect(replay.criticalPath.path).toEqual(planner.path);
    expect(replay.criticalPath.seconds).toBeCloseTo(planner.length, 6);
    expect(replay.workload.levels).toEqual(records.levels);

    // The run's report, as `prover local` writes it: every job drawn, the critical path named.
    const [report] = await writeLocalRunReports({ dir: dataDir, store: env.store, profile: devnetProfile, runs: [{ name: run }], executorJobs: prover.executor.jobs, t0, closedAt, concurrency });
    expect(report!.error).toBeUndefined();
    const html = await readFile(report!.html!, 'utf8');
    for (const job of plan.graph.jobs) expect(html).toContain(job.id);
    expect(html).toMatch(/critical path \(observed\)<\/th><td>[\d.]+ s over 4 jobs: TUBE → BASE → BLOCK_ROOT → ROOT/);
  }, 1_800_000);
});
