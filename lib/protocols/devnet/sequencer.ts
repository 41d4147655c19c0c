/**
 * The devnet sequencer: turns a batch of txs into the next L2 block proposal on L1. The effects hash and the
 * archive it posts must be exactly what the circuits compute (the root proof's public inputs are checked
 * against them), so all hashing is delegated to the devnet state transition; this module only keeps the
 * sequencer's local state in step with L1.
 */
import type { Address, Chain, Client, Hex, Transport } from 'viem';
import { InputError } from '../../errors.ts';
import { getBlockProposal } from '../../l1/get-block-proposal.ts';
import { proposeBlock } from '../../l1/propose-block.ts';
import { readTips } from '../../l1/read-tips.ts';
import type { L1WalletClient } from '../../l1/send-rollup-transaction.ts';

/**
 * What the sequencer needs from the devnet state transition (the circuits' rules in TS, lib/protocols/devnet/
 * state.ts). `State` is the rollup state after a block (e.g. archive + tx hash chain); `Tx` is one tx's effects
 * (nullifier, commitment). Either method may be async (bb.js Poseidon2 is).
 */
export interface DevnetStateTransition<State, Tx> {
  /** The archive the rollup stores for this state (a BN254 field element as bytes32). */
  archiveOf(state: State): Hex | Promise<Hex>;
  /** Applies a block's txs in order, as the base/merge/block-root circuits do. */
  applyBlock(state: State, block: { readonly number: bigint; readonly txs: readonly Tx[] }): AppliedBlock<State> | Promise<AppliedBlock<State>>;
}

interface AppliedBlock<State> {
  readonly state: State;
  /** The commitment to the block's tx effects posted with the proposal (the circuits' state after the block). */
  readonly effectsHash: Hex;
}

export interface SequenceBlockParameters<State, Tx> {
  /** DevnetRollup address. */
  readonly address: Address;
  readonly transition: DevnetStateTransition<State, Tx>;
  /** Local state after the current pending block; checked against the archive on L1 before proposing. */
  readonly state: State;
  /** At least one: a block root proves one or two children, so the devnet has no empty blocks. */
  readonly txs: readonly Tx[];
}

export interface SequenceBlockReturnType<State> {
  readonly blockNumber: bigint;
  readonly effectsHash: Hex;
  readonly archive: Hex;
  /** State after the new block: pass it to the next call. */
  readonly state: State;
  readonly transactionHash: Hex;
}

export class SequencerOutOfSyncError extends InputError {
  override name = 'SequencerOutOfSyncError';
}

/**
 * Proposes the next block (pending + 1) with `txs`. The client's account must be the rollup's sequencer.
 *
 * @throws SequencerOutOfSyncError when `state` is not the state after L1's pending block
 * @throws RollupRevertedError / L1UnreachableError from the L1 calls
 */
export async function sequenceBlock<State, Tx>(
  client: L1WalletClient,
  params: SequenceBlockParameters<State, Tx>,
): Promise<SequenceBlockReturnType<State>> {
  if (params.txs.length === 0) throw new InputError('cannot sequence an empty block: the devnet needs at least one tx');
  const { pending } = await readTips(client, { address: params.address });
  await assertInSync(client, params.address, pending, await params.transition.archiveOf(params.state));

  const blockNumber = pending + 1n;
  const { state, effectsHash } = await params.transition.applyBlock(params.state, { number: blockNumber, txs: params.txs });
  const archive = await params.transition.archiveOf(state);
  const { transactionHash } = await proposeBlock(client, { address: params.address, blockNumber, effectsHash, archive });
  return { blockNumber, effectsHash, archive, state, transactionHash };
}

async function assertInSync(
  client: Client<Transport, Chain | undefined>,
  address: Address,
  pending: bigint,
  localArchive: Hex,
): Promise<void> {
  const { archive } = await getBlockProposal(client, { address, blockNumber: pending });
  if (BigInt(archive) !== BigInt(localArchive)) {
    throw new SequencerOutOfSyncError(`sequencer state does not match L1 at block ${pending}`, {
      metaMessages: [`L1 archive:    ${archive}`, `local archive: ${localArchive}`, 'Rebuild the state from L1 proposals.'],
    });
  }
}
