import type { Address, Chain, Client, Transport } from 'viem';
import { InputError } from '../errors.ts';
import type { ReadTipsErrorType } from './read-tips.ts';
import { readTips } from './read-tips.ts';

export interface IsRangeProvenParameters {
  readonly address: Address;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
}

export type IsRangeProvenErrorType = ReadTipsErrorType | InputError;

/**
 * Whether blocks fromBlock..toBlock are all proven on L1 (proofs advance the proven tip contiguously, so that
 * is `proven >= toBlock`). The submit step uses it to make a re-run after a successful submission a no-op.
 */
export async function isRangeProven(client: Client<Transport, Chain | undefined>, params: IsRangeProvenParameters): Promise<boolean> {
  if (params.fromBlock < 1n || params.toBlock < params.fromBlock) {
    throw new InputError(`invalid block range ${params.fromBlock}..${params.toBlock}`);
  }
  const { proven } = await readTips(client, { address: params.address });
  return proven >= params.toBlock;
}
