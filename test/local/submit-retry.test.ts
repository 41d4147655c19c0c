/**
 * Local Lambda tasks run the handlers' chain, so the synthesized Retry applies as on AWS. A real DevnetRollup
 * on anvil, a finished run (plan + real root proof), the synthesized state machine on the local engine and
 * the local Lambda tasks (lib/local/local-lambdas.ts): Submit's first attempt finds a transaction of the
 * submitter's account still pending on L1 — retryable, so the chain names it RetryableError, and the
 * definition's Retry runs Submit again, which proves the range once the transaction is mined.
 * (Calling submitRun directly, the error was a plain ProverError: no Retry matched and the run failed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { STATE } from '../../lib/infra/workflow-definition.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import { LocalBatchExecutor } from '../../lib/local/batch-executor.ts';
import { localLambdas } from '../../lib/local/local-lambdas.ts';
import { LocalStateMachine } from '../../lib/local/state-machine-runner.ts';
import { findStateMachine, jobDefinitions, type CfnTemplate } from '../../lib/local/template.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { submissionKey } from '../../lib/proving/keys.ts';
import { createL1Context, PROVER_ID, type L1Context } from '../l1/fixtures/l1-context.ts';
import { storeProvenRun } from '../l1/fixtures/root-run.ts';

let ctx: L1Context;
beforeAll(async () => {
  ctx = await createL1Context();
}, 300_000);
afterAll(async () => ctx?.close());

const template = synthesizeProverTemplate({ config: { profile: 'devnet', proverImage: 'local/prover' } }) as unknown as CfnTemplate;

function machineWith(lambdas: ReturnType<typeof localLambdas>, store: MemoryArtifactStore): LocalStateMachine {
  const { definition } = findStateMachine(template);
  // The run's proving is done (its plan has no levels left): no Batch job may start.
  const executor = new LocalBatchExecutor({ definitions: jobDefinitions(template), concurrency: 1, launch: async () => ({ exitCode: 1, signal: null, stdout: '', stderr: 'no Batch job expected' }) });
  // The definition's Retry rules as synthesized; only the pause before a retry is shortened.
  return new LocalStateMachine({ definition, executor, store, lambdas, retryIntervalOverrides: { [STATE.submit]: 200 } });
}

describe('a retryable Submit error on the local runtime', () => {
  it('a transaction still pending on L1: Submit fails as RetryableError, the state machine retries it, the range is proven', async () => {
    const rollup = await ctx.deployRollup();
    await ctx.proposeBlocks(rollup, 1n, 1n);
    const store = new MemoryArtifactStore();
    const runId = 'devnet-0000000001-0000000001-5e1b0001';
    await storeProvenRun(ctx, store, runId, 1, 1);

    // The submitter's account has a transaction in the mempool that L1 has not mined yet.
    await ctx.testClient.setAutomine(false);
    await ctx.prover.sendTransaction({ to: ctx.prover.account.address, value: 0n });

    const lambdas = localLambdas({ profile: 'devnet', store, wallet: ctx.prover, rollup, maxBlocksPerRun: 4, proverId: PROVER_ID });
    const submit = lambdas[STATE.submit]!;
    const failures: string[] = [];
    lambdas[STATE.submit] = async (payload) => {
      try {
        return await submit(payload);
      } catch (err) {
        failures.push(`${(err as Error).name}: ${(err as Error).message}`);
        // Observation only: L1 mines the pending transaction before the retry.
        await ctx.testClient.mine({ blocks: 1 });
        await ctx.testClient.setAutomine(true);
        throw err;
      }
    };

    try {
      const { output } = await machineWith(lambdas, store).run({ fromBlock: 1, toBlock: 1 }, runId);
      expect(failures).toEqual(['RetryableError: a transaction from the submitter is still pending on L1; not sending another']);
      expect(output).toMatchObject({ submission: { runId, status: 'confirmed', noop: false } });
      expect((await readTips(ctx.prover, { address: rollup })).proven).toBe(1n);
      expect(await store.exists(submissionKey(runId))).toBe(true);
    } finally {
      await ctx.testClient.setAutomine(true);
    }
  });

  it('a non-retryable Submit error is not retried: the run fails on the first attempt, under the name it had', async () => {
    const rollup = await ctx.deployRollup();
    await ctx.proposeBlocks(rollup, 1n, 1n);
    const store = new MemoryArtifactStore();
    const runId = 'devnet-0000000001-0000000001-5e1b0002';
    // A corrupted root proof: L1 rejects it (deterministic, never retried).
    await storeProvenRun(ctx, store, runId, 1, 1, true);
    const lambdas = localLambdas({ profile: 'devnet', store, wallet: ctx.prover, rollup, maxBlocksPerRun: 4, proverId: PROVER_ID });
    const submit = lambdas[STATE.submit]!;
    let attempts = 0;
    lambdas[STATE.submit] = async (payload) => {
      attempts++;
      return submit(payload);
    };
    await expect(machineWith(lambdas, store).run({ fromBlock: 1, toBlock: 1 }, runId)).rejects.toThrow();
    expect(attempts).toBe(1);
    expect((await readTips(ctx.prover, { address: rollup })).proven).toBe(0n);
  });
});
