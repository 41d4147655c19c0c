import type { Address, Chain, Client, Transport } from 'viem';
import { readContract } from 'viem/actions';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import { toAztecL1Error } from './errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface ReadAztecTimingParameters {
  readonly address: Address;
}

/** The Rollup's clock: slot = (t − genesisTime) / slotDuration, epoch = slot / epochDuration. */
export interface ReadAztecTimingReturnType {
  /** L1 timestamp of slot 0. */
  readonly genesisTime: bigint;
  /** Seconds per slot (mainnet: 72). */
  readonly slotDuration: bigint;
  /** Slots per epoch (mainnet: 32). */
  readonly epochDuration: bigint;
  /** Whole epochs after an epoch ends during which its proof is still accepted (mainnet: 1). */
  readonly proofSubmissionEpochs: bigint;
  /** The epoch of the latest L1 block. */
  readonly currentEpoch: bigint;
}

export type ReadAztecTimingErrorType = L1UnreachableError | L1Error;

/** Reads the Rollup's time configuration (immutable after deployment) and the current epoch. */
export async function readAztecTiming(client: Client<Transport, Chain | undefined>, params: ReadAztecTimingParameters): Promise<ReadAztecTimingReturnType> {
  try {
    const read = <F extends 'getGenesisTime' | 'getSlotDuration' | 'getEpochDuration' | 'getProofSubmissionEpochs' | 'getCurrentEpoch'>(functionName: F) =>
      readContract(client, { address: params.address, abi: aztecRollupAbi, functionName });
    const [genesisTime, slotDuration, epochDuration, proofSubmissionEpochs, currentEpoch] = await Promise.all([
      read('getGenesisTime'),
      read('getSlotDuration'),
      read('getEpochDuration'),
      read('getProofSubmissionEpochs'),
      read('getCurrentEpoch'),
    ]);
    return { genesisTime, slotDuration, epochDuration, proofSubmissionEpochs, currentEpoch };
  } catch (err) {
    throw toAztecL1Error(err, 'readAztecTiming', { url: transportUrl(client) });
  }
}

