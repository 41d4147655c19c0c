import type { Address, Hex, TransactionReceipt } from 'viem';
import { parseEventLogs } from 'viem';
import { devnetRollupAbi } from './abi.ts';
import type { L1Error, L1TransactionRevertedError, L1UnreachableError, RollupRevertedError } from './errors.ts';
import type { L1WalletClient } from './send-rollup-transaction.ts';
import { sendRollupTransaction } from './send-rollup-transaction.ts';

export interface ProposeBlockParameters {
  readonly address: Address;
  /** Must be the pending tip + 1; a retried proposal of the same block fails with `WrongBlockNumber`. */
  readonly blockNumber: bigint;
  /** Commitment to the block's tx effects, a BN254 field element. */
  readonly effectsHash: Hex;
  /** Archive root after this block, a BN254 field element. */
  readonly archive: Hex;
}

export interface ProposeBlockReturnType {
  readonly transactionHash: Hex;
  readonly receipt: TransactionReceipt;
  readonly blockNumber: bigint;
}

/** Named reverts: NotSequencer, WrongBlockNumber, NotAFieldElement. */
export type ProposeBlockErrorType = RollupRevertedError | L1TransactionRevertedError | L1UnreachableError | L1Error;

/**
 * Proposes the next L2 block (the client's account must be the rollup's sequencer).
 *
 * @example
 * await proposeBlock(sequencerClient, { address: rollup, blockNumber: pending + 1n, effectsHash, archive });
 */
export async function proposeBlock(client: L1WalletClient, params: ProposeBlockParameters): Promise<ProposeBlockReturnType> {
  const receipt = await sendRollupTransaction(client, `proposeBlock(${params.blockNumber})`, {
    address: params.address,
    functionName: 'proposeBlock',
    args: [params.blockNumber, params.effectsHash, params.archive],
  });
  const [event] = parseEventLogs({ abi: devnetRollupAbi, eventName: 'BlockProposed', logs: receipt.logs });
  return { transactionHash: receipt.transactionHash, receipt, blockNumber: event?.args.blockNumber ?? params.blockNumber };
}
