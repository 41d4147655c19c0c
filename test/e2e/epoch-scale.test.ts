/**
 * Scale: a full Aztec-sized epoch (32 blocks × 72 txs = 2,304 txs) planned for real (devnet tree, DevnetRollup
 * on anvil) and executed by the local engine running the *synthesized* state machine, with a fast
 * TEST-DOUBLE prover in place of bb (the real job runner, resume logic and store; only the proof bytes are
 * fake) and a TEST-DOUBLE Submit (a fake root proof cannot verify on L1). Counts what Step Functions limits:
 * history events per execution (25,000) and payload size (256 KiB).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from 'viem';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { STATE } from '../../lib/infra/workflow-definition.ts';
import { devnetRollupView } from '../../lib/l1/devnet-rollup-port.ts';
import { LocalBatchExecutor, type ContainerLauncher } from '../../lib/local/batch-executor.ts';
import { LocalStateMachine } from '../../lib/local/state-machine-runner.ts';
import { findStateMachine, jobDefinitions, type CfnTemplate } from '../../lib/local/template.ts';
import { writeBlockRecord } from '../../lib/pipeline/block-record.ts';
import { planRun, readPlan } from '../../lib/pipeline/plan-run.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import type { JobAdapter } from '../../lib/proving/job-adapter.ts';
import { exitCodeFor, findFinishedResult, runJob } from '../../lib/proving/job-runner.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { archiveOf, createL1Context, effectsOf, type L1Context } from '../l1/fixtures/l1-context.ts';
import { testDoubleBackend } from '../proving/fake-backend.ts';

const BLOCKS = 32;
const TXS_PER_BLOCK = 72;
const HISTORY_LIMIT = 25_000;
const PAYLOAD_LIMIT = 256 * 1024;

/** TEST DOUBLE for bb: "proves" instantly by writing placeholder outputs where bb would. */
const backend = testDoubleBackend();
/** TEST DOUBLE adapter: checks each child's outputs exist (the real runner already did) and asks for a "proof". */
const testDoubleAdapter: JobAdapter = {
  profile: 'devnet',
  async prepare(spec, io) {
    for (const child of spec.children) await io.readChildOutput(child, 'proof');
    return { args: ['prove', '-o', join(io.workDir, 'out')], outDir: join(io.workDir, 'out'), outputs: ['proof', 'public_inputs', 'vk'] };
  },
};

let ctx: L1Context;
beforeAll(async () => {
  ctx = await createL1Context();
}, 300_000);
afterAll(async () => ctx?.close());

describe('a 2,304-tx epoch on the local engine (test-double prover)', () => {
  it('stays within Step Functions limits and proves every job exactly once', async () => {
    const rollup = await ctx.deployRollup();
    await ctx.proposeBlocks(rollup, 1n, BigInt(BLOCKS));
    const store = new MemoryArtifactStore();
    for (let n = 1; n <= BLOCKS; n++) {
      await writeBlockRecord(store, {
        profile: 'devnet',
        number: n,
        effectsHash: effectsOf(BigInt(n)),
        archive: archiveOf(BigInt(n)),
        previousArchive: archiveOf(BigInt(n - 1)),
        txs: Array.from({ length: TXS_PER_BLOCK }, (_, i) => ({ hash: toHex(BigInt(n) * 1000n + BigInt(i), { size: 32 }), kind: 'tx', inputs: {} })),
      });
    }

    const template = synthesizeProverTemplate({ config: { profile: 'devnet', proverImage: 'local/prover', maxBlocksPerRun: BLOCKS } }) as unknown as CfnTemplate;
    const { definition } = findStateMachine(template);
    const proved = new Map<string, number>();
    const launch: ContainerLauncher = async (_command, env) => {
      const outcome = await runJob(env['JOB_ID']!, { store, backend, adapters: { devnet: testDoubleAdapter } });
      if (outcome.status === 'proved') proved.set(env['JOB_ID']!, (proved.get(env['JOB_ID']!) ?? 0) + 1);
      return { exitCode: exitCodeFor(outcome), signal: null, stdout: JSON.stringify(outcome), stderr: '' };
    };
    const executor = new LocalBatchExecutor({ definitions: jobDefinitions(template), concurrency: 64, launch });
    const view = devnetRollupView(ctx.sequencer, rollup);
    const machine = new LocalStateMachine({
      definition,
      executor,
      store,
      lambdas: {
        [STATE.plan]: async (payload) => {
          const { runId, request } = payload as { runId: string; request: { fromBlock: number; toBlock: number } };
          return planRun({ runId, ...request, profile: devnetProfile, store, rollup: view, maxBlocks: BLOCKS, proverId: toHex(7n, { size: 32 }) });
        },
        // TEST DOUBLE: a placeholder root proof cannot verify on L1; check the root is proven instead.
        [STATE.submit]: async (payload) => {
          const { runId } = payload as { runId: string };
          const plan = (await readPlan(store, runId))!;
          expect(await findFinishedResult(store, plan.root)).toBeDefined();
          return { runId, status: 'test-double' };
        },
        // Every job succeeds here: a failure path would be a bug of the test double.
        [STATE.describeFailedJobs]: async (payload) => {
          throw new Error(`unexpected failure: ${JSON.stringify(payload)}`);
        },
      },
    });

    const runId = `devnet-${'1'.padStart(10, '0')}-${String(BLOCKS).padStart(10, '0')}-00000000`;
    const { output, stats } = await machine.run({ fromBlock: 1, toBlock: BLOCKS }, runId);
    expect(output).toMatchObject({ plan: { runId } });

    const plan = (await readPlan(store, runId))!;
    const tubes = plan.graph.jobs.filter((j) => j.type === 'TUBE');
    expect(tubes).toHaveLength(BLOCKS * TXS_PER_BLOCK);
    // Every job proven exactly once.
    expect(proved.size).toBe(plan.graph.jobs.length);
    expect([...proved.values()].every((n) => n === 1)).toBe(true);
    // Step Functions limits: the parent's and every child execution's history, and every payload.
    expect(stats.historyEvents.parent).toBeLessThan(HISTORY_LIMIT);
    expect(stats.historyEvents.maxChild).toBeLessThan(HISTORY_LIMIT);
    expect(stats.maxPayloadBytes).toBeLessThan(PAYLOAD_LIMIT);
    console.log(`epoch of ${plan.graph.jobs.length} jobs in ${plan.levels.length} levels: parent history ${stats.historyEvents.parent} events, ` +
      `${stats.historyEvents.children} child executions (max ${stats.historyEvents.maxChild} events), max payload ${stats.maxPayloadBytes} B`);
  }, 900_000);
});
