/**
 * The whole pipeline on one machine with real proofs: the synthesized state machine proves a 3-tx and a 1-tx
 * devnet block (odd block: unbalanced tree; single-tx block: one-child block root) and submits the root proof
 * to the DevnetRollup on anvil. The first attempt is killed mid-way (execution aborted, job processes
 * SIGKILLed); the rerun under the same run id finishes the rest without re-proving finished jobs, and the
 * proof lands on L1 once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLogs } from 'viem';
import { devnetRollupAbi } from '../../lib/l1/abi.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import { startDevnetEnv, type DevnetEnv } from '../../lib/local/devnet-env.ts';
import { LocalProver } from '../../lib/local/local-prover.ts';
import { readPlan } from '../../lib/pipeline/plan-run.ts';
import { findFinishedResult } from '../../lib/proving/job-runner.ts';

let env: DevnetEnv;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'e2e-local-'));
  env = await startDevnetEnv({ dataDir });
  await env.proposeBlock(3);
  await env.proposeBlock(1);
}, 600_000);

afterAll(async () => {
  await env?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local pipeline, real proofs', () => {
  let runName: string;
  let crashedAt: number;
  const finishedBeforeCrash = new Map<string, string>();

  it('a run killed mid-way leaves finished jobs proven and nothing on L1', async () => {
    const prover = await LocalProver.create({ env, concurrency: 2, maxBlocksPerRun: 2 });
    const poll = await prover.poll();
    expect(poll.started).toHaveLength(1);
    runName = poll.started[0]!;
    // Let the first jobs finish (the level-0 chains run tube → base), then lose the machine.
    while (prover.executor.jobs.filter((j) => j.status === 'SUCCEEDED').length < 3) await new Promise((r) => setTimeout(r, 500));
    crashedAt = Date.now();
    prover.crash();
    const crashed = await prover.wait(runName);
    expect(crashed.status).toBe('FAILED');

    const plan = (await readPlan(env.store, runName))!;
    // 4 tubes, 4 bases, 1 merge (3 txs), 2 block roots, 1 block merge, 1 root.
    expect(plan.graph.jobs.map((j) => j.type).sort()).toEqual(['BASE', 'BASE', 'BASE', 'BASE', 'BLOCK_MERGE', 'BLOCK_ROOT', 'BLOCK_ROOT', 'MERGE', 'ROOT', 'TUBE', 'TUBE', 'TUBE', 'TUBE']);
    for (const job of plan.graph.jobs) {
      const result = await findFinishedResult(env.store, job.id);
      if (result) finishedBeforeCrash.set(job.id, result.metrics.finishedAt);
    }
    expect(finishedBeforeCrash.size).toBeGreaterThanOrEqual(3);
    expect(finishedBeforeCrash.size).toBeLessThan(plan.graph.jobs.length);
    expect((await readTips(env.prover, { address: env.rollup })).proven).toBe(0n);
  }, 1_200_000);

  it('the rerun with the same run id proves only the rest, and the proof lands once', async () => {
    // A new runtime (as after a restart) starting the same execution name.
    const prover = await LocalProver.create({ env, concurrency: 2, maxBlocksPerRun: 2 });
    expect(await prover.executions.start(runName, { fromBlock: 1, toBlock: 2 })).toBe('started');
    const run = await prover.wait(runName);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');

    const plan = (await readPlan(env.store, runName))!;
    for (const job of plan.graph.jobs) {
      const result = await findFinishedResult(env.store, job.id);
      expect(result, `job ${job.type} ${job.id} has a verified result`).toBeDefined();
      const before = finishedBeforeCrash.get(job.id);
      if (before) expect(result!.metrics.finishedAt, `${job.type} was not re-proven`).toBe(before);
      else expect(Date.parse(result!.metrics.finishedAt)).toBeGreaterThan(crashedAt);
    }
    // The rerun still submits the chains of level 0, but the job runner skips what is already proven.
    const resubmitted = prover.executor.jobs.filter((j) => finishedBeforeCrash.has(j.env['JOB_ID'] ?? ''));
    expect(resubmitted.length).toBeGreaterThan(0);
    for (const job of resubmitted) expect(JSON.parse(job.attempts.at(-1)!.output!)).toMatchObject({ status: 'skipped' });

    const tips = await readTips(env.prover, { address: env.rollup });
    expect(tips).toEqual({ pending: 2n, proven: 2n });
    const logs = await env.prover.getLogs({ address: env.rollup, fromBlock: 0n });
    expect(parseEventLogs({ abi: devnetRollupAbi, eventName: 'L2ProofVerified', logs })).toHaveLength(1);

    // Limits: the parent execution stays tiny (keys only).
    expect(run.stats!.maxPayloadBytes).toBeLessThan(16 * 1024);
  }, 1_800_000);

  it('polling again starts nothing: the range is proven', async () => {
    const prover = await LocalProver.create({ env, concurrency: 1, maxBlocksPerRun: 2 });
    const poll = await prover.poll();
    expect(poll).toMatchObject({ pending: 2n, proven: 2n, started: [] });
  }, 120_000);
});
