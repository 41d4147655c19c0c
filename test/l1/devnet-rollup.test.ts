/**
 * DevnetRollup on a real EVM (anvil) with a real bb-generated HonkVerifier and real proofs, driven through the
 * lib/l1 actions. Each test deploys its own rollup, so tests do not depend on each other's state.
 */
import type { Address, Hex } from 'viem';
import { encodeAbiParameters, keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../lib/errors.ts';
import { devnetRollupAbi } from '../../lib/l1/abi.ts';
import { RollupRevertedError, isRollupError, type RollupErrorName } from '../../lib/l1/errors.ts';
import { getBlockProposal } from '../../lib/l1/get-block-proposal.ts';
import { getProvingDeadline } from '../../lib/l1/get-proving-deadline.ts';
import { isRangeProven } from '../../lib/l1/is-range-proven.ts';
import { proposeBlock } from '../../lib/l1/propose-block.ts';
import { pruneExpiredBlocks } from '../../lib/l1/prune-expired-blocks.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import { FIELD_MODULUS } from '../../lib/l1/root-public-inputs.ts';
import { submitRootProof } from '../../lib/l1/submit-root-proof.ts';
import type { DevnetStateTransition } from '../../lib/protocols/devnet/sequencer.ts';
import { SequencerOutOfSyncError, sequenceBlock } from '../../lib/protocols/devnet/sequencer.ts';
import type { L1Context } from './fixtures/l1-context.ts';
import { ARCHIVE_BASE, PROVER_ID, archiveOf, createL1Context, effectsOf } from './fixtures/l1-context.ts';
import type { TinyRootProof } from './fixtures/tiny-root.ts';

let ctx: L1Context;
beforeAll(async () => {
  ctx = await createL1Context();
});
afterAll(async () => {
  await ctx?.close();
});

/** Real proofs, memoised per (range, prover id): proving is deterministic enough to reuse across tests. */
const proofs = new Map<string, Promise<TinyRootProof>>();
function proofFor(fromBlock: bigint, toBlock: bigint, proverId: Hex = PROVER_ID): Promise<TinyRootProof> {
  const key = `${fromBlock}-${toBlock}-${proverId}`;
  if (!proofs.has(key)) {
    proofs.set(
      key,
      ctx.root.prove({ previousArchive: archiveOf(fromBlock - 1n), endArchive: archiveOf(toBlock), fromBlock, toBlock, proverId }),
    );
  }
  return proofs.get(key)!;
}

async function expectRevert(promise: Promise<unknown>, errorName: RollupErrorName): Promise<RollupRevertedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RollupRevertedError);
  expect((err as RollupRevertedError).errorName).toBe(errorName);
  return err as RollupRevertedError;
}

async function rollupWithBlocks(count: bigint, proofWindowSeconds?: bigint): Promise<Address> {
  const rollup = await ctx.deployRollup(proofWindowSeconds === undefined ? {} : { proofWindowSeconds });
  await ctx.proposeBlocks(rollup, 1n, count);
  return rollup;
}

describe('proposals', () => {
  it('behavior: proposing advances the pending tip, stores the proposal and emits BlockProposed', async () => {
    const rollup = await ctx.deployRollup();
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 0n, proven: 0n });

    await ctx.proposeBlocks(rollup, 1n, 2n);

    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 2n, proven: 0n });
    const block2 = await getBlockProposal(ctx.prover, { address: rollup, blockNumber: 2n });
    expect(block2).toMatchObject({ blockNumber: 2n, effectsHash: effectsOf(2n), archive: archiveOf(2n) });
    expect(block2.provingDeadline).toBe(block2.proposedAt + 3600n);
    expect((await getBlockProposal(ctx.prover, { address: rollup, blockNumber: 0n })).archive).toBe(archiveOf(0n));

    const events = await ctx.prover.getContractEvents({ address: rollup, abi: devnetRollupAbi, eventName: 'BlockProposed', fromBlock: 0n });
    expect(events.map((e) => e.args)).toEqual([
      { blockNumber: 1n, effectsHash: effectsOf(1n), archive: archiveOf(1n) },
      { blockNumber: 2n, effectsHash: effectsOf(2n), archive: archiveOf(2n) },
    ]);
  });

  it('behavior: only the sequencer may propose', async () => {
    const rollup = await ctx.deployRollup();
    const err = await expectRevert(
      proposeBlock(ctx.prover, { address: rollup, blockNumber: 1n, effectsHash: effectsOf(1n), archive: archiveOf(1n) }),
      'NotSequencer',
    );
    expect(err.revert.args).toEqual([ctx.prover.account.address]);
  });

  it('behavior: re-proposing an existing block number is rejected (retries cannot append twice)', async () => {
    const rollup = await rollupWithBlocks(1n);
    const err = await expectRevert(
      proposeBlock(ctx.sequencer, { address: rollup, blockNumber: 1n, effectsHash: effectsOf(1n), archive: archiveOf(1n) }),
      'WrongBlockNumber',
    );
    expect(err.revert.args).toEqual([2n, 1n]);
  });

  it('behavior: an archive that is no BN254 field element is rejected', async () => {
    const rollup = await ctx.deployRollup();
    const tooBig = toHex(FIELD_MODULUS, { size: 32 });
    const err = await expectRevert(
      proposeBlock(ctx.sequencer, { address: rollup, blockNumber: 1n, effectsHash: effectsOf(1n), archive: tooBig }),
      'NotAFieldElement',
    );
    expect(err.revert.args).toEqual([tooBig]);
  });

  it('behavior: reading a block beyond the pending tip fails with BlockNotProposed', async () => {
    const rollup = await rollupWithBlocks(1n);
    const err = await expectRevert(getBlockProposal(ctx.prover, { address: rollup, blockNumber: 2n }), 'BlockNotProposed');
    expect(err.revert.args).toEqual([2n, 1n]);
  });
});

describe('submitRootProof', () => {
  it('behavior: a real root proof verifies, advances the proven tip and emits L2ProofVerified', async () => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    expect(await isRangeProven(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n })).toBe(false);

    const result = await submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof });

    expect(result).toMatchObject({ fromBlock: 1n, toBlock: 2n, proverId: PROVER_ID });
    expect(result.receipt.status).toBe('success');
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 2n, proven: 2n });
    expect(await isRangeProven(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n })).toBe(true);
    const events = await ctx.prover.getContractEvents({ address: rollup, abi: devnetRollupAbi, eventName: 'L2ProofVerified', fromBlock: 0n });
    expect(events.map((e) => e.args)).toEqual([{ fromBlock: 1n, toBlock: 2n, proverId: PROVER_ID }]);
  });

  it('behavior: consecutive ranges chain on the stored archives (1..2, then 3..3)', async () => {
    const rollup = await rollupWithBlocks(3n);
    const first = await proofFor(1n, 2n);
    await submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, ...first });
    const second = await proofFor(3n, 3n);
    await submitRootProof(ctx.prover, { address: rollup, fromBlock: 3n, toBlock: 3n, ...second });
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 3n, proven: 3n });
  });

  it.each([
    ['a pairing-point limb', (_len: number) => 31],
    ['the middle of the proof', (len: number) => Math.floor(len / 2)],
    ['the last byte', (len: number) => len - 1],
  ])('behavior: a proof with one flipped bit in %s is rejected by the verifier', async (_where, offsetOf) => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    const tampered = new Uint8Array(proof);
    const offset = offsetOf(proof.length);
    tampered[offset] = tampered[offset]! ^ 1;

    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof: tampered }),
      'ProofRejected',
    );
    expect(err.verifierError).toBeDefined();
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 2n, proven: 0n });
  });

  it('behavior: a valid proof presented with a different prover id is rejected by the verifier', async () => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    const claimed = [...publicInputs];
    claimed[4] = toHex(8n, { size: 32 });
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs: claimed, proof }),
      'ProofRejected',
    );
    expect(err.verifierError).toMatch(/Failed/);
  });

  const wrong = toHex(4242n, { size: 32 });
  it.each<[string, (pi: Hex[]) => Hex[], RollupErrorName, readonly unknown[]]>([
    ['previous archive', (pi) => [wrong, ...pi.slice(1)], 'WrongPreviousArchive', [archiveOf(0n), wrong]],
    ['end archive', (pi) => [pi[0]!, wrong, ...pi.slice(2)], 'WrongEndArchive', [archiveOf(2n), wrong]],
    ['fromBlock', (pi) => [pi[0]!, pi[1]!, toHex(2n, { size: 32 }), ...pi.slice(3)], 'WrongRange', [1n, 2n, toHex(2n, { size: 32 }), toHex(2n, { size: 32 })]],
    ['toBlock', (pi) => [...pi.slice(0, 3), toHex(3n, { size: 32 }), pi[4]!], 'WrongRange', [1n, 2n, toHex(1n, { size: 32 }), toHex(3n, { size: 32 })]],
    ['count', (pi) => pi.slice(0, 4), 'WrongPublicInputsLength', [5n, 4n]],
  ])('behavior: a wrong %s in the public inputs is rejected with a named error before verification', async (_field, edit, errorName, args) => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs: edit(publicInputs), proof }),
      errorName,
    );
    expect(err.revert.args).toEqual(args);
  });

  it('behavior: a replayed proof is rejected with AlreadyProven', async () => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    await submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof });
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof }),
      'AlreadyProven',
    );
    expect(isRollupError(err, 'AlreadyProven') && err.revert.args).toEqual([1n, 2n]);
  });

  it('behavior: a range that skips unproven blocks is rejected with ProofGap', async () => {
    const rollup = await rollupWithBlocks(3n);
    const { proof, publicInputs } = await proofFor(2n, 3n);
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 2n, toBlock: 3n, publicInputs, proof }),
      'ProofGap',
    );
    expect(err.revert.args).toEqual([1n, 2n]);
  });

  it('behavior: a range past the pending tip is rejected with BlockNotProposed', async () => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 3n);
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 3n, publicInputs, proof }),
      'BlockNotProposed',
    );
    expect(err.revert.args).toEqual([3n, 2n]);
  });

  it.each([
    [0n, 1n],
    [2n, 1n],
  ])('behavior: the malformed range %i..%i is rejected with InvalidRange', async (fromBlock, toBlock) => {
    const rollup = await rollupWithBlocks(2n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    const err = await expectRevert(submitRootProof(ctx.prover, { address: rollup, fromBlock, toBlock, publicInputs, proof }), 'InvalidRange');
    expect(err.revert.args).toEqual([fromBlock, toBlock]);
  });
});

describe('proof window', () => {
  it('behavior: after the window a proof is refused, the pending chain can be pruned and re-proposed', async () => {
    const rollup = await rollupWithBlocks(2n, 60n);
    const before = await getProvingDeadline(ctx.prover, { address: rollup, blockNumber: 1n });
    expect(before.secondsLeft).toBeGreaterThan(0n);
    await expectRevert(pruneExpiredBlocks(ctx.prover, { address: rollup }), 'NothingToPrune');

    await ctx.testClient.increaseTime({ seconds: 61 });
    await ctx.testClient.mine({ blocks: 1 });

    const after = await getProvingDeadline(ctx.prover, { address: rollup, blockNumber: 1n });
    expect(after.deadline).toBe(before.deadline);
    expect(after.secondsLeft).toBeLessThan(0n);
    const { proof, publicInputs } = await proofFor(1n, 2n);
    const err = await expectRevert(
      submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof }),
      'ProofWindowExpired',
    );
    expect(err.revert.args).toEqual([1n, before.deadline]);

    expect(await pruneExpiredBlocks(ctx.prover, { address: rollup })).toMatchObject({ pending: 0n, prunedPending: 2n });
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 0n, proven: 0n });

    await ctx.proposeBlocks(rollup, 1n, 2n);
    await submitRootProof(ctx.prover, { address: rollup, fromBlock: 1n, toBlock: 2n, publicInputs, proof });
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 2n, proven: 2n });
  });
});

describe('sequencer', () => {
  // Stand-in for lib/protocols/devnet/state.ts: any deterministic field-valued hash chain exercises the flow.
  type State = { readonly archive: bigint };
  const toField = (h: Hex): bigint => BigInt(h) % FIELD_MODULUS;
  const transition: DevnetStateTransition<State, bigint> = {
    archiveOf: (s) => toHex(s.archive, { size: 32 }),
    applyBlock(state, block) {
      const effects = toField(keccak256(encodeAbiParameters([{ type: 'uint256[]' }], [[...block.txs]])));
      const archive = toField(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }], [state.archive, block.number, effects])));
      return { state: { archive }, effectsHash: toHex(effects, { size: 32 }) };
    },
  };

  it('behavior: sequences blocks whose stored archive and effects hash are the transition’s', async () => {
    const rollup = await ctx.deployRollup();
    const first = await sequenceBlock(ctx.sequencer, { address: rollup, transition, state: { archive: ARCHIVE_BASE }, txs: [1n, 2n, 3n] });
    const second = await sequenceBlock(ctx.sequencer, { address: rollup, transition, state: first.state, txs: [4n] });

    expect([first.blockNumber, second.blockNumber]).toEqual([1n, 2n]);
    const stored = await getBlockProposal(ctx.prover, { address: rollup, blockNumber: 2n });
    expect(stored).toMatchObject({ archive: second.archive, effectsHash: second.effectsHash });
    expect(second.archive).toBe(await transition.archiveOf((await transition.applyBlock(first.state, { number: 2n, txs: [4n] })).state));
  });

  it('behavior: a sequencer whose state lags L1 refuses to propose', async () => {
    const rollup = await ctx.deployRollup();
    const genesis = { archive: ARCHIVE_BASE };
    await sequenceBlock(ctx.sequencer, { address: rollup, transition, state: genesis, txs: [1n] });
    await expect(sequenceBlock(ctx.sequencer, { address: rollup, transition, state: genesis, txs: [2n] })).rejects.toBeInstanceOf(
      SequencerOutOfSyncError,
    );
    expect(await readTips(ctx.prover, { address: rollup })).toEqual({ pending: 1n, proven: 0n });
  });

  it('behavior: an empty block is refused before touching L1', async () => {
    await expect(
      sequenceBlock(ctx.sequencer, { address: '0x0000000000000000000000000000000000000001', transition, state: { archive: 0n }, txs: [] }),
    ).rejects.toBeInstanceOf(InputError);
  });
});
