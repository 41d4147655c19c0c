import type { Address, Chain, Client, Transport } from 'viem';
import { getBlock, readContract } from 'viem/actions';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import { toAztecL1Error } from './errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface GetEpochProofDeadlineParameters {
  readonly address: Address;
  /** The epoch the proof covers (`getEpochForCheckpoint` of its first checkpoint). */
  readonly epoch: bigint;
}

export interface GetEpochProofDeadlineReturnType {
  readonly epoch: bigint;
  /** First epoch in which L1 rejects the proof (`Rollup__PastDeadline`) and may prune: epoch + proofSubmissionEpochs + 1. */
  readonly deadlineEpoch: bigint;
  /** L1 timestamp at which that epoch starts: a proof must be mined in a block *before* it. */
  readonly deadline: bigint;
  /** Timestamp of the latest L1 block, read together. */
  readonly now: bigint;
  /** Seconds until the last accepted second, `deadline − 1 − now` (negative once expired), like lib/l1's getProvingDeadline. */
  readonly secondsLeft: bigint;
}

export type GetEpochProofDeadlineErrorType = L1UnreachableError | L1Error;

/**
 * The proof window of an epoch. The Rollup has no deadline getter; it accepts a proof of epoch E while
 * `currentEpoch < E + proofSubmissionEpochs + 1` (TimeLib.isAcceptingProofsAtEpoch), so the deadline is
 * `getTimestampForEpoch(E + proofSubmissionEpochs + 1)`.
 */
export async function getEpochProofDeadline(
  client: Client<Transport, Chain | undefined>,
  params: GetEpochProofDeadlineParameters,
): Promise<GetEpochProofDeadlineReturnType> {
  try {
    const [proofSubmissionEpochs, latest] = await Promise.all([
      readContract(client, { address: params.address, abi: aztecRollupAbi, functionName: 'getProofSubmissionEpochs' }),
      getBlock(client, { blockTag: 'latest' }),
    ]);
    const deadlineEpoch = params.epoch + proofSubmissionEpochs + 1n;
    const deadline = await readContract(client, { address: params.address, abi: aztecRollupAbi, functionName: 'getTimestampForEpoch', args: [deadlineEpoch] });
    return { epoch: params.epoch, deadlineEpoch, deadline, now: latest.timestamp, secondsLeft: deadline - 1n - latest.timestamp };
  } catch (err) {
    throw toAztecL1Error(err, `getEpochProofDeadline(epoch ${params.epoch})`, { url: transportUrl(client) });
  }
}
