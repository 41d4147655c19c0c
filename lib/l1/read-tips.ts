import type { Address, BlockTag, Chain, Client, Transport } from 'viem';
import { readContract } from 'viem/actions';
import { devnetRollupAbi } from './abi.ts';
import type { L1Error, L1UnreachableError } from './errors.ts';
import { toL1Error } from './errors.ts';
import { transportUrl } from './send-rollup-transaction.ts';

export interface ReadTipsParameters {
  /** DevnetRollup address. */
  readonly address: Address;
  /** @default 'latest' */
  readonly blockTag?: BlockTag;
}

export interface ReadTipsReturnType {
  /** Last proposed L2 block (0 = only genesis). */
  readonly pending: bigint;
  /** Last proven L2 block. */
  readonly proven: bigint;
}

export type ReadTipsErrorType = L1UnreachableError | L1Error;

/**
 * Reads the rollup's pending and proven tips, like Aztec's `Rollup.getTips()`.
 *
 * @example
 * const { pending, proven } = await readTips(client, { address: rollup });
 * if (pending > proven) startProving(proven + 1n, pending);
 */
export async function readTips(client: Client<Transport, Chain | undefined>, params: ReadTipsParameters): Promise<ReadTipsReturnType> {
  try {
    const [pending, proven] = await readContract(client, {
      address: params.address,
      abi: devnetRollupAbi,
      functionName: 'getTips',
      blockTag: params.blockTag ?? 'latest',
    });
    return { pending, proven };
  } catch (err) {
    throw toL1Error(err, 'readTips', { url: transportUrl(client) });
  }
}
