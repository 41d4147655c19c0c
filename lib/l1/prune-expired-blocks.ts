import type { Address, Hex } from 'viem';
import { parseEventLogs } from 'viem';
import { devnetRollupAbi } from './abi.ts';
import type { L1TransactionRevertedError, L1UnreachableError, RollupRevertedError } from './errors.ts';
import { L1Error } from './errors.ts';
import type { L1WalletClient } from './send-rollup-transaction.ts';
import { sendRollupTransaction } from './send-rollup-transaction.ts';

export interface PruneExpiredBlocksParameters {
  readonly address: Address;
}

export interface PruneExpiredBlocksReturnType {
  readonly transactionHash: Hex;
  /** The pending tip is now this (the proven tip). */
  readonly pending: bigint;
  /** The pending tip before pruning. */
  readonly prunedPending: bigint;
}

/** Named revert: NothingToPrune (nothing pending, or the first unproven block's window is still open). */
export type PruneExpiredBlocksErrorType = RollupRevertedError | L1TransactionRevertedError | L1UnreachableError | L1Error;

/** Rolls the pending chain back to the proven tip after the first unproven block's proof window expired. */
export async function pruneExpiredBlocks(
  client: L1WalletClient,
  params: PruneExpiredBlocksParameters,
): Promise<PruneExpiredBlocksReturnType> {
  const receipt = await sendRollupTransaction(client, 'prune', { address: params.address, functionName: 'prune', args: [] });
  const [event] = parseEventLogs({ abi: devnetRollupAbi, eventName: 'Pruned', logs: receipt.logs });
  if (!event) throw new L1Error(`prune: transaction ${receipt.transactionHash} emitted no Pruned event (wrong contract at ${params.address}?)`);
  return { transactionHash: receipt.transactionHash, pending: event.args.provenBlock, prunedPending: event.args.prunedPendingBlock };
}
