/**
 * The Aztec L1 adapter: ABI-level round trips against the 4.1.2 Rollup ABI, and its actions, pipeline port and
 * epoch ranges against the real Rollup contract (same artifacts) deployed on anvil.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address, Hex, Log } from 'viem';
import { concat, decodeFunctionData, encodeAbiParameters, encodeEventTopics, getAddress, pad, parseAbiParameters, toFunctionSelector, toHex } from 'viem';
import { cliConfig, rollupViewFor } from '../../../lib/cli/deployment.ts';
import { proveBlock } from '../../../lib/cli/prove-block.ts';
import { InputError } from '../../../lib/errors.ts';
import { L1UnreachableError } from '../../../lib/l1/errors.ts';
import { LocalExecutions } from '../../../lib/local/executions.ts';
import type { Anvil } from '../../../lib/local/anvil.ts';
import { startAnvil } from '../../../lib/local/anvil.ts';
import { BlockNotProposedError } from '../../../lib/pipeline/plan-run.ts';
import { pollOnce } from '../../../lib/pipeline/poll.ts';
import {
  AZTEC_EPOCH_FEES_LENGTH,
  AZTEC_L1_ARTIFACTS_VERSION,
  AZTEC_ROOT_PUBLIC_INPUT_COUNT,
  aztecL1Constants,
  aztecRollupAbi,
  aztecRollupView,
  AztecRollupRevertedError,
  buildSubmitEpochRootProofArgs,
  decodeAztecRootPublicInputs,
  encodeBlobInputs,
  encodeSubmitEpochRootProof,
  getCheckpoint,
  getEpochForCheckpoint,
  getEpochProofDeadline,
  isAztecRollupError,
  kzgVersionedHash,
  parseCheckpointProposedLogs,
  parseL2ProofVerifiedLogs,
  readAztecTiming,
  readAztecTips,
  submitEpochRootProof,
  type BuildSubmitEpochRootProofArgsParameters,
} from '../../../lib/protocols/aztec/l1/index.ts';
import {
  archiveOf,
  AZTEC_L1_FIXTURE_VERSION,
  deployAztecRollup,
  EMPTY_BLOB_COMMITMENT,
  EMPTY_BLOB_INPUTS,
  GENESIS_ARCHIVE,
  mineAtSlot,
  NO_ATTESTATIONS,
  PROTOCOL_CONTRACTS_HASH,
  proposeCheckpoint,
  ROLLUP_VERSION,
  TEST_TIMING,
  VK_TREE_ROOT,
  walletFor,
  type AztecRollupDeployment,
  type TestWallet,
} from '../fixtures/aztec-rollup.ts';

const bytes32 = (n: bigint): Hex => toHex(n, { size: 32 });
const PROVER = getAddress('0x00000000000000000000000000000000000a11ce');
const SLOTS_PER_EPOCH = TEST_TIMING.epochDuration;

function sampleArgs(overrides: Partial<BuildSubmitEpochRootProofArgsParameters> = {}): BuildSubmitEpochRootProofArgsParameters {
  return {
    start: 33n,
    end: 40n,
    previousArchive: bytes32(0xaa01n),
    endArchive: bytes32(0xaa02n),
    outHash: bytes32(0xaa03n),
    proverId: PROVER,
    fees: Array.from({ length: AZTEC_EPOCH_FEES_LENGTH }, (_, i) => bytes32(BigInt(i) * 7n + 1n)),
    attestations: { signatureIndices: '0x0102', signaturesOrAddresses: '0xdeadbeef' },
    blobInputs: EMPTY_BLOB_INPUTS,
    proof: new Uint8Array([1, 2, 3, 4, 5]),
    ...overrides,
  };
}

describe('Aztec Rollup ABI (generated from @aztec/l1-artifacts)', () => {
  it('is the pinned version, the same one the bytecode fixture was taken from', () => {
    expect(AZTEC_L1_ARTIFACTS_VERSION).toBe('4.1.2');
    expect(AZTEC_L1_FIXTURE_VERSION).toBe(AZTEC_L1_ARTIFACTS_VERSION);
    expect(aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH).toBe(32n);
    expect(AZTEC_ROOT_PUBLIC_INPUT_COUNT).toBe(3 + 32 + AZTEC_EPOCH_FEES_LENGTH + 5 + 7);
  });

  it('submitEpochRootProof: encoding then decoding the calldata gives back the inputs, under the 4.1.2 selector', () => {
    const params = sampleArgs();
    const args = buildSubmitEpochRootProofArgs(params);
    const data = encodeSubmitEpochRootProof(args);
    expect(data.slice(0, 10)).toBe(
      toFunctionSelector('submitEpochRootProof((uint256,uint256,(bytes32,bytes32,bytes32,address),bytes32[],(bytes,bytes),bytes,bytes))'),
    );
    const decoded = decodeFunctionData({ abi: aztecRollupAbi, data });
    expect(decoded.functionName).toBe('submitEpochRootProof');
    expect(decoded.args).toEqual([
      {
        start: 33n,
        end: 40n,
        args: { previousArchive: params.previousArchive, endArchive: params.endArchive, outHash: params.outHash, proverId: PROVER },
        fees: params.fees,
        attestations: { signatureIndices: '0x0102', signaturesOrAddresses: '0xdeadbeef' },
        blobInputs: EMPTY_BLOB_INPUTS.toLowerCase(),
        proof: '0x0102030405',
      },
    ]);
  });

  it.each([
    { name: 'an inverted range', overrides: { start: 5n, end: 4n }, message: /invalid checkpoint range 5\.\.4/ },
    { name: 'checkpoint 0', overrides: { start: 0n, end: 1n }, message: /invalid checkpoint range 0\.\.1/ },
    { name: 'more checkpoints than an epoch holds', overrides: { start: 1n, end: 33n }, message: /at most 32/ },
    { name: '63 fees', overrides: { fees: Array.from({ length: 63 }, () => bytes32(1n)) }, message: /fees has 63 entries, expected 64/ },
    { name: 'a short fee', overrides: { fees: [...sampleArgs().fees.slice(1), '0x01' as Hex] }, message: /fees\[63\]/ },
    { name: 'a prover id that is no address', overrides: { proverId: '0x1234' as Address }, message: /proverId 0x1234 is not an address/ },
    { name: 'a 31-byte archive', overrides: { endArchive: pad('0x01', { size: 31 }) }, message: /endArchive = .* is not a 32-byte/ },
    { name: '191 bytes of blob inputs', overrides: { blobInputs: EMPTY_BLOB_INPUTS.slice(0, -2) as Hex }, message: /blobInputs must be 192 bytes/ },
    { name: 'blob inputs without a versioned hash', overrides: { blobInputs: concat(['0x02', EMPTY_BLOB_INPUTS.slice(4) as Hex]) }, message: /versioned hash/ },
    { name: 'an empty proof', overrides: { proof: new Uint8Array() }, message: /proof is empty/ },
  ])('rejects $name with an InputError', ({ overrides, message }) => {
    const build = () => buildSubmitEpochRootProofArgs(sampleArgs(overrides as Partial<BuildSubmitEpochRootProofArgsParameters>));
    expect(build).toThrow(InputError);
    expect(build).toThrow(message);
  });

  it('parses CheckpointProposed and L2ProofVerified from raw logs, skipping other events and other contracts', () => {
    const rollup = getAddress('0x00000000000000000000000000000000000b0b01');
    const other = getAddress('0x00000000000000000000000000000000000b0b02');
    const blobHashes = [kzgVersionedHash(EMPTY_BLOB_COMMITMENT), bytes32(0x0177n)];
    const log = (address: Address, topics: readonly unknown[], data: Hex, index: number): Log =>
      ({ address, topics: topics as [Hex, ...Hex[]], data, blockNumber: 9n, blockHash: bytes32(9n), transactionHash: bytes32(0x77n), transactionIndex: 0, logIndex: index, removed: false }) as Log;
    const proposed = (address: Address, n: bigint, index: number) =>
      log(
        address,
        encodeEventTopics({ abi: aztecRollupAbi, eventName: 'CheckpointProposed', args: { checkpointNumber: n, archive: archiveOf(n) } }),
        encodeAbiParameters(parseAbiParameters('bytes32[], bytes32, bytes32'), [blobHashes, bytes32(0xd1n), bytes32(0xa7n)]),
        index,
      );
    const logs = [
      proposed(rollup, 5n, 0),
      log(rollup, encodeEventTopics({ abi: aztecRollupAbi, eventName: 'PrunedPending' }), encodeAbiParameters(parseAbiParameters('uint256, uint256'), [1n, 2n]), 1),
      proposed(other, 6n, 2),
      log(rollup, encodeEventTopics({ abi: aztecRollupAbi, eventName: 'L2ProofVerified', args: { checkpointNumber: 5n, proverId: PROVER } }), '0x', 3),
    ];
    expect(parseCheckpointProposedLogs(logs, { address: rollup })).toEqual([
      { checkpointNumber: 5n, archive: archiveOf(5n), versionedBlobHashes: blobHashes, payloadDigest: bytes32(0xd1n), attestationsHash: bytes32(0xa7n), l1BlockNumber: 9n, transactionHash: bytes32(0x77n) },
    ]);
    expect(parseCheckpointProposedLogs(logs).map((e) => e.checkpointNumber)).toEqual([5n, 6n]);
    expect(parseL2ProofVerifiedLogs(logs, { address: rollup })).toEqual([{ checkpointNumber: 5n, proverId: PROVER, l1BlockNumber: 9n, transactionHash: bytes32(0x77n) }]);
    expect(parseL2ProofVerifiedLogs(logs, { address: other })).toEqual([]);
  });

  it('the versioned hash of the empty blob is the EIP-4844 constant', () => {
    expect(kzgVersionedHash(EMPTY_BLOB_COMMITMENT)).toBe('0x010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014');
  });

  it('rejects root public inputs of the wrong count or with a prover id beyond 160 bits', () => {
    const fields = Array.from({ length: AZTEC_ROOT_PUBLIC_INPUT_COUNT }, () => bytes32(0n));
    expect(() => decodeAztecRootPublicInputs(fields.slice(1))).toThrow(/has 110 public inputs, expected 111/);
    const badProver = [...fields];
    badProver[103] = bytes32(1n << 160n);
    expect(() => decodeAztecRootPublicInputs(badProver)).toThrow(/prover id .* is not an address/);
  });
});

describe('the real Aztec Rollup on anvil', () => {
  let anvil: Anvil;
  let owner: TestWallet;
  let prover: TestWallet;
  beforeAll(async () => {
    anvil = await startAnvil({ disableCodeSizeLimit: true });
    owner = walletFor(anvil, 0);
    prover = walletFor(anvil, 1);
  }, 60_000);
  afterAll(async () => anvil?.stop());

  /** A fresh Rollup with checkpoints proposed in the given slots (relative to its genesis). */
  async function rollupWith(slots: readonly bigint[]): Promise<AztecRollupDeployment> {
    const deployment = await deployAztecRollup(owner, anvil);
    for (const slot of slots) await proposeCheckpoint(owner, anvil, deployment.rollup, slot);
    return deployment;
  }

  it('a fresh deployment: tips 0/0, genesis in epoch 0, checkpoint 1 not proposed (typed revert), mainnet timing', async () => {
    const { rollup, genesisTime } = await rollupWith([]);
    expect(await readAztecTips(owner, { address: rollup })).toEqual({ pending: 0n, proven: 0n });
    expect(await getEpochForCheckpoint(owner, { address: rollup, checkpointNumber: 0n })).toBe(0n);
    const err = await getEpochForCheckpoint(owner, { address: rollup, checkpointNumber: 1n }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AztecRollupRevertedError);
    expect(isAztecRollupError(err, 'Rollup__InvalidCheckpointNumber') && err.revert.args).toEqual([0n, 1n]);
    expect(await readAztecTiming(owner, { address: rollup })).toEqual({ genesisTime, ...TEST_TIMING, currentEpoch: 0n });
    const deadline = await getEpochProofDeadline(owner, { address: rollup, epoch: 0n });
    // Epoch 0's proof is accepted until epoch 0 + 1 submission epoch + 1 starts.
    expect(deadline.deadlineEpoch).toBe(2n);
    expect(deadline.deadline).toBe(genesisTime + 2n * SLOTS_PER_EPOCH * TEST_TIMING.slotDuration);
    expect(deadline.secondsLeft).toBe(deadline.deadline - 1n - deadline.now);
    expect((await getCheckpoint(owner, { address: rollup, checkpointNumber: 0n })).archive).toBe(GENESIS_ARCHIVE);
  }, 120_000);

  it('proposed checkpoints: CheckpointProposed events, tips, epochs and the pipeline view in checkpoint numbers', async () => {
    const deployment = await deployAztecRollup(owner, anvil);
    const { rollup } = deployment;
    const receipts = [];
    for (const slot of [2n, 5n, SLOTS_PER_EPOCH + 1n]) receipts.push(await proposeCheckpoint(owner, anvil, rollup, slot));
    const events = receipts.flatMap((r) => parseCheckpointProposedLogs(r.logs, { address: rollup }));
    expect(events.map((e) => [e.checkpointNumber, e.archive, e.versionedBlobHashes])).toEqual(
      [1n, 2n, 3n].map((n) => [n, archiveOf(n), [kzgVersionedHash(EMPTY_BLOB_COMMITMENT)]]),
    );
    const view = aztecRollupView(owner, rollup);
    expect(await view.readTips()).toEqual({ pending: 3n, proven: 0n });
    const epochs = [];
    for (const n of [1n, 2n, 3n]) epochs.push(await getEpochForCheckpoint(owner, { address: rollup, checkpointNumber: n }));
    expect(epochs).toEqual([0n, 0n, 1n]);
    const second = await getCheckpoint(owner, { address: rollup, checkpointNumber: 2n });
    expect(second.slotNumber).toBe(5n);
    expect(BigInt(second.headerHash)).not.toBe(0n);
    expect(await view.blockProposal(2n)).toEqual({ effectsHash: second.headerHash, archive: archiveOf(2n) });
  }, 120_000);

  it('nextRange hands out whole epochs, once over and while their proof window is open', async () => {
    const deployment = await rollupWith([2n, 5n, 9n]);
    const view = aztecRollupView(owner, deployment.rollup);
    const next = (from: bigint, pending: bigint, maxBlocks = 32) => view.nextRange!({ from, pending, maxBlocks });
    // Still in epoch 0: more checkpoints may join it.
    expect(await next(1n, 3n)).toEqual({ wait: expect.stringMatching(/epoch 0 is still open \(checkpoints 1\.\.3 so far\)/) });
    await proposeCheckpoint(owner, anvil, deployment.rollup, SLOTS_PER_EPOCH + 3n);
    expect(await next(1n, 4n)).toEqual({ from: 1n, to: 3n });
    // Bounded by what one run may prove: an epoch is never split.
    expect(await next(1n, 4n, 2)).toEqual({ wait: expect.stringMatching(/epoch 0 has 3 checkpoints \(1\.\.3\), more than one run may prove \(maxBlocksPerRun 2\)/) });
    // A range that does not start at the epoch's first checkpoint cannot be proven on L1.
    expect(await next(2n, 4n)).toEqual({ wait: expect.stringMatching(/checkpoint 2 is not the first of epoch 0/) });
    // Epoch 1 (checkpoint 4) is the current epoch.
    expect(await next(4n, 4n)).toEqual({ wait: expect.stringMatching(/epoch 1 is still open/) });
    // Epoch 0's window closes when epoch 2 starts.
    await mineAtSlot(anvil, deployment, 2n * SLOTS_PER_EPOCH);
    expect(await next(1n, 4n)).toEqual({ wait: expect.stringMatching(/proof window of epoch 0 closed at the start of epoch 2/) });
    expect(await next(4n, 4n)).toEqual({ from: 4n, to: 4n });
  }, 120_000);

  it('pollOnce with the Aztec view starts one run per finished epoch and reports why it waits', async () => {
    const deployment = await rollupWith([1n, 3n, SLOTS_PER_EPOCH + 2n]);
    const executions = new LocalExecutions(() => new Promise(() => {})); // runs stay RUNNING
    const params = { profile: 'aztec', rollup: aztecRollupView(owner, deployment.rollup), executions, maxBlocksPerRun: 32, maxRunsPerPoll: 4 } as const;
    const first = await pollOnce(params);
    expect(first.started).toEqual([expect.stringMatching(/^aztec-0000000001-0000000002-[0-9a-f]{8}$/)]);
    expect(first.waiting).toMatch(/epoch 1 is still open \(checkpoints 3\.\.3 so far\)/);
    const second = await pollOnce(params);
    expect(second.started).toEqual([]);
    expect(second.alreadyRunning).toEqual(first.started);
    expect(second.waiting).toBe(first.waiting);
  }, 120_000);

  it('the CLI on the aztec profile reads this Rollup through the registry\'s Aztec view (prove-block checks checkpoints)', async () => {
    const deployment = await rollupWith([2n, 5n]);
    const l1 = { rpcUrl: [anvil.rpcUrl], rollup: deployment.rollup };
    const { view } = rollupViewFor('aztec', l1, {}, cliConfig({ PROVER_PROFILE: 'aztec' }));
    expect(await view.readTips()).toEqual({ pending: 2n, proven: 0n });
    expect(await view.nextRange!({ from: 1n, pending: 2n, maxBlocks: 32 })).toEqual({ wait: expect.stringMatching(/epoch 0 is still open/) });
    // prove-block validates the range against Aztec's tips before anything is started (the ARN is never called).
    const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:prover';
    const prove = (block: string) => proveBlock(block, { ...l1, stateMachineArn }, { env: { PROVER_PROFILE: 'aztec' }, say: () => {} });
    await expect(prove('3')).rejects.toThrow(new BlockNotProposedError('block 3 is not proposed yet (L1 pending tip is 2)'));
  }, 120_000);

  it('getEpochProofPublicInputs of the real Rollup decodes to the submitted args, fees, header hashes and blob', async () => {
    const deployment = await rollupWith([2n, 6n, SLOTS_PER_EPOCH]);
    const fees = Array.from({ length: AZTEC_EPOCH_FEES_LENGTH }, (_, i) => bytes32(BigInt(i + 1)));
    const blob = { z: bytes32(0x1234n), y: bytes32((0xabcdn << 240n) | (0x5555n << 120n) | 0x77n), commitment: concat(['0xa1', pad('0x02', { size: 46 }), '0x03']) };
    const args = { previousArchive: GENESIS_ARCHIVE, endArchive: archiveOf(2n), outHash: bytes32(0n), proverId: PROVER };
    const fields = await owner.readContract({
      address: deployment.rollup,
      abi: aztecRollupAbi,
      functionName: 'getEpochProofPublicInputs',
      args: [1n, 2n, args, fees, encodeBlobInputs(blob, EMPTY_BLOB_COMMITMENT)],
    });
    const decoded = decodeAztecRootPublicInputs(fields);
    const headers = [];
    for (const n of [1n, 2n]) headers.push((await getCheckpoint(owner, { address: deployment.rollup, checkpointNumber: n })).headerHash);
    expect(decoded).toEqual({
      ...args,
      checkpointHeaderHashes: headers,
      fees,
      chainId: BigInt(anvil.chainId),
      version: BigInt(ROLLUP_VERSION),
      vkTreeRoot: VK_TREE_ROOT,
      protocolContractsHash: PROTOCOL_CONTRACTS_HASH,
      blob: { blobCommitmentsHash: (await getCheckpoint(owner, { address: deployment.rollup, checkpointNumber: 2n })).blobCommitmentsHash, ...blob },
    });
  }, 120_000);

  it('submitEpochRootProof proves an epoch on the real Rollup (MockVerifier), with typed reverts for bad submissions', async () => {
    const deployment = await rollupWith([2n, 6n, SLOTS_PER_EPOCH]);
    const { rollup } = deployment;
    const proof = {
      address: rollup,
      start: 1n,
      end: 2n,
      previousArchive: GENESIS_ARCHIVE,
      endArchive: archiveOf(2n),
      outHash: bytes32(0n),
      proverId: prover.account.address,
      fees: Array.from({ length: AZTEC_EPOCH_FEES_LENGTH }, () => bytes32(0n)),
      attestations: NO_ATTESTATIONS,
      blobInputs: EMPTY_BLOB_INPUTS,
      proof: '0x01' as Hex,
    };
    const rejected = async (overrides: Partial<typeof proof>) => submitEpochRootProof(prover, { ...proof, ...overrides }).catch((e: unknown) => e);
    // In epoch 0 a proof must start at checkpoint 1.
    const notFirst = await rejected({ start: 2n });
    expect(isAztecRollupError(notFirst, 'Rollup__InvalidFirstEpochProof')).toBe(true);
    const wrongPrevious = await rejected({ previousArchive: bytes32(0xbadn) });
    expect(isAztecRollupError(wrongPrevious, 'Rollup__InvalidPreviousArchive') && wrongPrevious.revert.args).toEqual([GENESIS_ARCHIVE, bytes32(0xbadn)]);
    const twoEpochs = await rejected({ end: 3n, endArchive: archiveOf(3n) });
    expect(isAztecRollupError(twoEpochs, 'Rollup__StartAndEndNotSameEpoch') && twoEpochs.revert.args).toEqual([0n, 1n]);
    const badBlob = await rejected({ blobInputs: encodeBlobInputs({ z: bytes32(1n), y: bytes32(1n), commitment: EMPTY_BLOB_COMMITMENT }, EMPTY_BLOB_COMMITMENT) });
    expect(isAztecRollupError(badBlob, 'Rollup__InvalidBlobProof')).toBe(true);
    expect(await readAztecTips(prover, { address: rollup })).toEqual({ pending: 3n, proven: 0n });

    const sent = await submitEpochRootProof(prover, proof);
    expect(sent.checkpointNumber).toBe(2n);
    expect(sent.proverId).toBe(prover.account.address);
    expect(parseL2ProofVerifiedLogs(sent.receipt.logs, { address: rollup })).toEqual([
      { checkpointNumber: 2n, proverId: prover.account.address, l1BlockNumber: sent.receipt.blockNumber, transactionHash: sent.transactionHash },
    ]);
    expect(await readAztecTips(prover, { address: rollup })).toEqual({ pending: 3n, proven: 2n });

    // Once epoch 1's window is over (epoch 1 + 1 + 1 = epoch 3 starts), a submission first prunes the unproven
    // checkpoints, so checkpoint 3 no longer exists when the proof is checked.
    await mineAtSlot(anvil, deployment, 3n * SLOTS_PER_EPOCH);
    const late = await rejected({ start: 3n, end: 3n, previousArchive: archiveOf(2n), endArchive: archiveOf(3n) });
    expect(isAztecRollupError(late, 'Rollup__InvalidCheckpointNumber') && late.revert.args).toEqual([2n, 3n]);
    expect((await getEpochProofDeadline(prover, { address: rollup, epoch: 1n })).secondsLeft).toBeLessThan(0n);
  }, 120_000);

  it('an unreachable node is an L1UnreachableError naming the URL', async () => {
    const { createPublicClient, http } = await import('viem');
    const dead = createPublicClient({ transport: http('http://127.0.0.1:9', { retryCount: 0, timeout: 2_000 }) });
    const err = await readAztecTips(dead, { address: PROVER }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(L1UnreachableError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:9/);
  });
});
