import type { Address, Chain, Client, Hex, Transport } from 'viem';
import { readContract } from 'viem/actions';
import { devnetRollupAbi } from './abi.ts';
import type { L1Error, L1UnreachableError, RollupRevertedError } from './errors.ts';
import { toL1Error } from './errors.ts';
import { transportUrl } from './send-rollup-transaction.ts';

export interface GetBlockProposalParameters {
  readonly address: Address;
  /** 0 returns genesis (its archive is block 1's previous archive). */
  readonly blockNumber: bigint;
}

export interface GetBlockProposalReturnType {
  readonly blockNumber: bigint;
  readonly effectsHash: Hex;
  /** Archive root after this block. */
  readonly archive: Hex;
  /** L1 timestamp (seconds) of the proposal. */
  readonly proposedAt: bigint;
  /** Last L1 timestamp a proof covering this block is accepted; undefined for genesis. */
  readonly provingDeadline: bigint | undefined;
}

/** `RollupRevertedError` with `BlockNotProposed` when the block is beyond the pending tip. */
export type GetBlockProposalErrorType = RollupRevertedError | L1UnreachableError | L1Error;

/** Reads a proposed block as stored on L1. */
export async function getBlockProposal(
  client: Client<Transport, Chain | undefined>,
  params: GetBlockProposalParameters,
): Promise<GetBlockProposalReturnType> {
  try {
    const [proposal, proofWindow] = await Promise.all([
      readContract(client, { address: params.address, abi: devnetRollupAbi, functionName: 'getBlockProposal', args: [params.blockNumber] }),
      readContract(client, { address: params.address, abi: devnetRollupAbi, functionName: 'proofWindow' }),
    ]);
    return {
      blockNumber: params.blockNumber,
      effectsHash: proposal.effectsHash,
      archive: proposal.archive,
      proposedAt: proposal.proposedAt,
      provingDeadline: params.blockNumber === 0n ? undefined : proposal.proposedAt + proofWindow,
    };
  } catch (err) {
    throw toL1Error(err, `getBlockProposal(${params.blockNumber})`, { url: transportUrl(client) });
  }
}
