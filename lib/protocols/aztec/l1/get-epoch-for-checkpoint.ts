import type { Address, Chain, Client, Transport } from 'viem';
import { readContract } from 'viem/actions';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import type { AztecRollupRevertedError } from './errors.ts';
import { toAztecL1Error } from './errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface GetEpochForCheckpointParameters {
  readonly address: Address;
  /** 0 = genesis (epoch 0). */
  readonly checkpointNumber: bigint;
}

/** `AztecRollupRevertedError` with `Rollup__InvalidCheckpointNumber` beyond the pending tip. */
export type GetEpochForCheckpointErrorType = AztecRollupRevertedError | L1UnreachableError | L1Error;

/**
 * The epoch of a proposed checkpoint (from its slot). An epoch proof covers checkpoints of one epoch only.
 *
 * @example
 * const epoch = await getEpochForCheckpoint(client, { address: rollup, checkpointNumber: proven + 1n });
 */
export async function getEpochForCheckpoint(client: Client<Transport, Chain | undefined>, params: GetEpochForCheckpointParameters): Promise<bigint> {
  try {
    return await readContract(client, {
      address: params.address,
      abi: aztecRollupAbi,
      functionName: 'getEpochForCheckpoint',
      args: [params.checkpointNumber],
    });
  } catch (err) {
    throw toAztecL1Error(err, `getEpochForCheckpoint(${params.checkpointNumber})`, { url: transportUrl(client) });
  }
}
