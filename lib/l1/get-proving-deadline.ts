import type { Address, Chain, Client, Transport } from 'viem';
import { getBlock, readContract } from 'viem/actions';
import { devnetRollupAbi } from './abi.ts';
import type { L1Error, L1UnreachableError, RollupRevertedError } from './errors.ts';
import { toL1Error } from './errors.ts';
import { transportUrl } from './send-rollup-transaction.ts';

export interface GetProvingDeadlineParameters {
  readonly address: Address;
  /** First block of the range to prove: it has the earliest deadline. */
  readonly blockNumber: bigint;
}

export interface GetProvingDeadlineReturnType {
  /** Last L1 timestamp (seconds) at which the rollup accepts a proof starting at this block. */
  readonly deadline: bigint;
  /** Timestamp of the latest L1 block, read in the same call. */
  readonly now: bigint;
  /** Seconds left (negative once expired): lets the submit step skip a doomed transaction. */
  readonly secondsLeft: bigint;
}

export type GetProvingDeadlineErrorType = RollupRevertedError | L1UnreachableError | L1Error;

/** The rollup's `provingDeadline(blockNumber)` together with the current L1 time. */
export async function getProvingDeadline(
  client: Client<Transport, Chain | undefined>,
  params: GetProvingDeadlineParameters,
): Promise<GetProvingDeadlineReturnType> {
  try {
    const [deadline, latest] = await Promise.all([
      readContract(client, { address: params.address, abi: devnetRollupAbi, functionName: 'provingDeadline', args: [params.blockNumber] }),
      getBlock(client, { blockTag: 'latest' }),
    ]);
    return { deadline, now: latest.timestamp, secondsLeft: deadline - latest.timestamp };
  } catch (err) {
    throw toL1Error(err, `getProvingDeadline(${params.blockNumber})`, { url: transportUrl(client) });
  }
}
