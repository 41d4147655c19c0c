/**
 * Plan, Submit and the poller against a real DevnetRollup on anvil (with real bb proofs of a small circuit
 * that has the root's public-input layout), with the in-memory artifact store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address, Hex } from 'viem';
import { toHex } from 'viem';
import { devnetRollupSubmitter, devnetRollupView } from '../../lib/l1/devnet-rollup-port.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import { parsePublicInputsFile } from '../../lib/l1/root-public-inputs.ts';
import { LocalExecutions } from '../../lib/local/executions.ts';
import { writeBlockRecord, type BlockRecordInput } from '../../lib/pipeline/block-record.ts';
import { BlockNotProposedError, RangeAlreadyProvenError, planRun, readPlan } from '../../lib/pipeline/plan-run.ts';
import { parseRunName, pollOnce } from '../../lib/pipeline/poll.ts';
import { ProofGapError, submitRun } from '../../lib/pipeline/submit-run.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { jobOutputKey, planKey } from '../../lib/proving/keys.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { archiveOf, createL1Context, effectsOf, type L1Context } from '../l1/fixtures/l1-context.ts';
import { storeProvenRun } from '../l1/fixtures/root-run.ts';

let ctx: L1Context;
beforeAll(async () => {
  ctx = await createL1Context();
}, 300_000);
afterAll(async () => ctx?.close());

const txHash = (block: number, i: number): Hex => toHex(BigInt(block) * 1000n + BigInt(i) + 1n, { size: 32 });

async function storeWithBlocks(from: number, to: number, txsPerBlock = 3): Promise<MemoryArtifactStore> {
  const store = new MemoryArtifactStore();
  for (let n = from; n <= to; n++) {
    const record: BlockRecordInput = {
      profile: 'devnet',
      number: n,
      effectsHash: effectsOf(BigInt(n)),
      archive: archiveOf(BigInt(n)),
      previousArchive: archiveOf(BigInt(n - 1)),
      txs: Array.from({ length: txsPerBlock }, (_, i) => ({ hash: txHash(n, i), kind: 'tx', inputs: { client_proof: `txs/${txHash(n, i)}/proof` } })),
      inputs: {},
    };
    await writeBlockRecord(store, record);
  }
  return store;
}

async function freshRollup(proposeTo: number): Promise<Address> {
  const rollup = await ctx.deployRollup();
  if (proposeTo > 0) await ctx.proposeBlocks(rollup, 1n, BigInt(proposeTo));
  return rollup;
}

const PROVER_ID = toHex(7n, { size: 32 });

describe('planRun', () => {
  it('plans a proposed range: specs, levels and plan.json; a re-run returns the same plan without rewriting it', async () => {
    const rollup = await freshRollup(2);
    const store = await storeWithBlocks(1, 2);
    const params = { runId: 'devnet-0000000001-0000000002-abcdef01', fromBlock: 1, toBlock: 2, profile: devnetProfile, store, rollup: devnetRollupView(ctx.sequencer, rollup), maxBlocks: 8, proverId: PROVER_ID } as const;
    const out = await planRun(params);
    // 2 blocks × 3 txs: 6 tubes, 6 bases, 2 merges, 2 block roots, 1 block merge, root.
    expect(out.jobs).toBe(18);
    expect(out.levels[0]).toMatchObject({ level: 0, count: 6 });
    expect(out.levels.at(-1)?.count).toBe(1);
    const level0 = JSON.parse(Buffer.from((await store.get(out.levels[0]!.key))!).toString()) as { steps: { job: string; class: string }[] }[];
    expect(level0.every((item) => item.steps.length === 2)).toBe(true);
    const before = await store.get(planKey(params.runId));
    expect(await planRun(params)).toEqual(out);
    expect(await store.get(planKey(params.runId))).toEqual(before);
    const plan = await readPlan(store, params.runId);
    expect(plan?.previousArchive).toBe(archiveOf(0n));
    expect(plan?.endArchive).toBe(archiveOf(2n));
  });

  it.each([
    { from: 2, to: 1, message: /inverted/ },
    { from: 1, to: 9, message: /at most 4 per run/ },
    { from: 0, to: 1, message: /start at 1/ },
  ])('rejects range $from..$to before reading any tx data', async ({ from, to, message }) => {
    const rollup = await freshRollup(2);
    const store = new MemoryArtifactStore();
    await expect(planRun({ runId: 'devnet-x', fromBlock: from, toBlock: to, profile: devnetProfile, store, rollup: devnetRollupView(ctx.sequencer, rollup), maxBlocks: 4, proverId: PROVER_ID })).rejects.toThrow(message);
    expect(await store.list('')).toEqual([]);
  });

  it('refuses a block that is not proposed yet, and a range that is already proven', async () => {
    const rollup = await freshRollup(1);
    const store = await storeWithBlocks(1, 2);
    const base = { profile: devnetProfile, store, rollup: devnetRollupView(ctx.sequencer, rollup), maxBlocks: 4, proverId: PROVER_ID };
    await expect(planRun({ ...base, runId: 'devnet-a', fromBlock: 1, toBlock: 2 })).rejects.toThrow(BlockNotProposedError);
    const { proof, publicInputs } = await ctx.root.prove({ previousArchive: archiveOf(0n), endArchive: archiveOf(1n), fromBlock: 1n, toBlock: 1n, proverId: PROVER_ID });
    await devnetRollupSubmitter(ctx.prover, rollup).submitRootProof({ fromBlock: 1n, toBlock: 1n, publicInputs: Buffer.concat(publicInputs.map((h) => Buffer.from(h.slice(2), 'hex'))), proof });
    await expect(planRun({ ...base, runId: 'devnet-b', fromBlock: 1, toBlock: 1 })).rejects.toThrow(RangeAlreadyProvenError);
  });

  it('refuses tx data that is missing or does not match the L1 proposal', async () => {
    const rollup = await freshRollup(2);
    const view = devnetRollupView(ctx.sequencer, rollup);
    const empty = new MemoryArtifactStore();
    await expect(planRun({ runId: 'devnet-c', fromBlock: 1, toBlock: 2, profile: devnetProfile, store: empty, rollup: view, maxBlocks: 4, proverId: PROVER_ID })).rejects.toThrow(/no tx data for devnet block 1/);
    const wrong = await storeWithBlocks(1, 2);
    await writeBlockRecord(wrong, { profile: 'devnet', number: 2, effectsHash: effectsOf(99n), archive: archiveOf(2n), previousArchive: archiveOf(1n), txs: [{ hash: txHash(2, 0), kind: 'tx', inputs: {} }], inputs: {} });
    await expect(planRun({ runId: 'devnet-d', fromBlock: 1, toBlock: 2, profile: devnetProfile, store: wrong, rollup: view, maxBlocks: 4, proverId: PROVER_ID })).rejects.toThrow(/block 2 does not match its L1 proposal/);
    expect(await wrong.exists(planKey('devnet-d'))).toBe(false);
  });
});

/** Puts a finished root job (real proof) into the store the way the job runner does. */
async function storeRootProof(store: MemoryArtifactStore, runId: string, fromBlock: number, toBlock: number, tamper = false): Promise<void> {
  await storeWithBlocks(fromBlock, toBlock).then(async (blocks) => {
    for (const key of await blocks.list('')) await store.put(key, (await blocks.get(key))!);
  });
  await storeProvenRun(ctx, store, runId, fromBlock, toBlock, tamper);
}

describe('submitRun', () => {
  it('submits once: the proven tip advances, a second submit is a no-op that says why', async () => {
    const rollup = await freshRollup(2);
    const store = new MemoryArtifactStore();
    const runId = 'devnet-0000000001-0000000002-00000001';
    await storeRootProof(store, runId, 1, 2);
    const submitter = devnetRollupSubmitter(ctx.prover, rollup);
    const first = await submitRun({ runId, store, rollup: submitter });
    expect(first).toMatchObject({ status: 'confirmed', noop: false });
    expect((await readTips(ctx.prover, { address: rollup })).proven).toBe(2n);
    const logs: string[] = [];
    const again = await submitRun({ runId, store, rollup: submitter, log: (m) => logs.push(m) });
    expect(again).toMatchObject({ noop: true, transactionHash: first.transactionHash });
    expect(logs.join('\n')).toMatch(/already submitted/);
  });

  it('on a range someone else already proved: records already-proven and sends nothing', async () => {
    const rollup = await freshRollup(1);
    const submitter = devnetRollupSubmitter(ctx.prover, rollup);
    const mine = new MemoryArtifactStore();
    await storeRootProof(mine, 'devnet-0000000001-0000000001-00000001', 1, 1);
    const theirs = new MemoryArtifactStore();
    await storeRootProof(theirs, 'devnet-0000000001-0000000001-00000002', 1, 1);
    await submitRun({ runId: 'devnet-0000000001-0000000001-00000002', store: theirs, rollup: submitter });
    const nonceBefore = await ctx.prover.getTransactionCount({ address: ctx.prover.account.address });
    const outcome = await submitRun({ runId: 'devnet-0000000001-0000000001-00000001', store: mine, rollup: submitter });
    expect(outcome).toMatchObject({ status: 'already-proven', noop: true });
    expect(outcome.message).toMatch(/already proven on L1/);
    expect(await ctx.prover.getTransactionCount({ address: ctx.prover.account.address })).toBe(nonceBefore);
  });

  it('a send whose answer is lost although it landed: L1 says proven, so it records that and does not fail or resend', async () => {
    const rollup = await freshRollup(1);
    const store = new MemoryArtifactStore();
    const runId = 'devnet-0000000001-0000000001-00000004';
    await storeRootProof(store, runId, 1, 1);
    const real = devnetRollupSubmitter(ctx.prover, rollup);
    // TEST DOUBLE around the real submitter: the real transaction is sent and mined, then its answer is "lost".
    const lostAnswer: typeof real = {
      ...real,
      submitRootProof: async (args) => {
        await real.submitRootProof(args);
        throw new Error('Nonce provided for the transaction is lower than the current nonce of the account');
      },
    };
    const nonceBefore = await ctx.prover.getTransactionCount({ address: ctx.prover.account.address });
    const outcome = await submitRun({ runId, store, rollup: lostAnswer });
    expect(outcome).toMatchObject({ status: 'already-proven', noop: false });
    expect(outcome.message).toMatch(/a send landed; not sending again/);
    expect(await ctx.prover.getTransactionCount({ address: ctx.prover.account.address })).toBe(nonceBefore + 1);
    expect((await readTips(ctx.prover, { address: rollup })).proven).toBe(1n);
    expect(await store.exists(`runs/${runId}/submission.json`)).toBe(true);
  });

  it('a tampered root proof is rejected on L1: nothing recorded, tip unchanged, the proof is kept', async () => {
    const rollup = await freshRollup(1);
    const store = new MemoryArtifactStore();
    const runId = 'devnet-0000000001-0000000001-00000003';
    await storeRootProof(store, runId, 1, 1, true);
    await expect(submitRun({ runId, store, rollup: devnetRollupSubmitter(ctx.prover, rollup) })).rejects.toThrow(/ProofRejected|SumcheckFailed|rejected/i);
    expect((await readTips(ctx.prover, { address: rollup })).proven).toBe(0n);
    expect(await store.exists(`runs/${runId}/submission.json`)).toBe(false);
    expect(await store.exists(jobOutputKey('f'.repeat(24), 'proof'))).toBe(true);
  });

  it('a range after an unproven one waits (ProofGapError, retryable)', async () => {
    const rollup = await freshRollup(2);
    const store = new MemoryArtifactStore();
    await storeRootProof(store, 'devnet-0000000002-0000000002-00000001', 2, 2);
    const err = await submitRun({ runId: 'devnet-0000000002-0000000002-00000001', store, rollup: devnetRollupSubmitter(ctx.prover, rollup) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProofGapError);
    expect((err as ProofGapError).retryable).toBe(true);
  });

  it('the public inputs file it sends is what the verifier expects (5 fields)', async () => {
    const { publicInputs } = await ctx.root.prove({ previousArchive: archiveOf(0n), endArchive: archiveOf(1n), fromBlock: 1n, toBlock: 1n, proverId: PROVER_ID });
    expect(parsePublicInputsFile(Buffer.concat(publicInputs.map((h) => Buffer.from(h.slice(2), 'hex'))))).toHaveLength(5);
  });
});

describe('pollOnce', () => {
  it('two polls start one execution per range; running ranges are skipped; new blocks get the next range', async () => {
    const rollup = await freshRollup(3);
    const started: string[] = [];
    // Executions that stay RUNNING until released, so the second poll sees the first one's runs in flight.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const executions = new LocalExecutions(async (name) => {
      started.push(name);
      await gate;
    });
    const params = { profile: 'devnet', rollup: devnetRollupView(ctx.sequencer, rollup), executions, maxBlocksPerRun: 2, maxRunsPerPoll: 5 };
    const first = await pollOnce(params);
    expect(first.started.map((n) => [parseRunName(n)?.from, parseRunName(n)?.to])).toEqual([[1, 2], [3, 3]]);
    const second = await pollOnce(params);
    expect(second.started).toEqual([]);
    expect(started).toHaveLength(2);
    await ctx.proposeBlocks(rollup, 4n, 4n);
    const third = await pollOnce(params);
    expect(third.started.map((n) => parseRunName(n)?.from)).toEqual([4]);
    release();
  });

  it('a failed range is retried under a new name, bounded by maxAttempts', async () => {
    const rollup = await freshRollup(1);
    const executions = new LocalExecutions(async () => {
      throw new Error('prover crashed');
    });
    const params = { profile: 'devnet', rollup: devnetRollupView(ctx.sequencer, rollup), executions, maxBlocksPerRun: 4, maxRunsPerPoll: 1, maxAttempts: 2 };
    const a = await pollOnce(params);
    await executions.wait(a.started[0]!);
    const b = await pollOnce(params);
    expect(b.started[0]).toBe(`${a.started[0]}-r2`);
    await executions.wait(b.started[0]!);
    const c = await pollOnce(params);
    expect(c.started).toEqual([]);
    expect(c.gaveUp).toEqual([a.started[0]]);
  });

  it('L1 unreachable: a clear error, nothing started', async () => {
    const { createPublicClient, http } = await import('viem');
    const dead = createPublicClient({ transport: http('http://127.0.0.1:9', { retryCount: 0, timeout: 2000 }) });
    const executions = new LocalExecutions(async () => undefined);
    await expect(pollOnce({ profile: 'devnet', rollup: devnetRollupView(dead, '0x0000000000000000000000000000000000000001'), executions, maxBlocksPerRun: 1, maxRunsPerPoll: 1 })).rejects.toThrow(/unreachable|127\.0\.0\.1:9/i);
    expect(executions.names()).toEqual([]);
  });
});
