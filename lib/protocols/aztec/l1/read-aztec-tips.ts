import type { Address, BlockTag, Chain, Client, Transport } from 'viem';
import { readContract } from 'viem/actions';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import { toAztecL1Error } from './errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface ReadAztecTipsParameters {
  /** Aztec Rollup address. */
  readonly address: Address;
  /** @default 'latest' */
  readonly blockTag?: BlockTag;
}

export interface ReadAztecTipsReturnType {
  /** Last proposed checkpoint (0 = only genesis). */
  readonly pending: bigint;
  /** Last checkpoint covered by an accepted epoch proof. */
  readonly proven: bigint;
}

export type ReadAztecTipsErrorType = L1UnreachableError | L1Error;

/**
 * The Rollup's chain tips, `getTips() → ChainTips { pending, proven }`: **checkpoint** numbers (a checkpoint is
 * what one L1 `propose` adds; it holds one or more L2 blocks).
 *
 * @example
 * const { pending, proven } = await readAztecTips(client, { address: rollup });
 */
export async function readAztecTips(client: Client<Transport, Chain | undefined>, params: ReadAztecTipsParameters): Promise<ReadAztecTipsReturnType> {
  try {
    const { pending, proven } = await readContract(client, {
      address: params.address,
      abi: aztecRollupAbi,
      functionName: 'getTips',
      blockTag: params.blockTag ?? 'latest',
    });
    return { pending, proven };
  } catch (err) {
    throw toAztecL1Error(err, 'readAztecTips', { url: transportUrl(client) });
  }
}
