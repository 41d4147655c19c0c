import type { Address, Chain, Client, Hex, Transport } from 'viem';
import { readContract } from 'viem/actions';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import type { AztecRollupRevertedError } from './errors.ts';
import { toAztecL1Error } from './errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface GetCheckpointParameters {
  readonly address: Address;
  readonly checkpointNumber: bigint;
}

export interface GetCheckpointReturnType {
  readonly checkpointNumber: bigint;
  /** Archive root after this checkpoint (the next checkpoint's `lastArchiveRoot`). */
  readonly archive: Hex;
  /** Hash of the checkpoint header: the root proof commits to it (public inputs 3..34). */
  readonly headerHash: Hex;
  /** Running hash of the epoch's blob commitments up to this checkpoint. */
  readonly blobCommitmentsHash: Hex;
  readonly outHash: Hex;
  /** keccak256(abi.encode(attestations)) of the `propose` call; the epoch proof re-sends them for its last checkpoint. */
  readonly attestationsHash: Hex;
  readonly payloadDigest: Hex;
  readonly slotNumber: bigint;
}

/**
 * `Rollup__InvalidCheckpointNumber` beyond the pending tip; `Rollup__UnavailableTempCheckpointLog` for a
 * checkpoint old enough that the Rollup's circular log dropped it (proven long ago; `archiveAt` still has its archive).
 */
export type GetCheckpointErrorType = AztecRollupRevertedError | L1UnreachableError | L1Error;

/** A proposed checkpoint as the Rollup stores it (`getCheckpoint`). */
export async function getCheckpoint(client: Client<Transport, Chain | undefined>, params: GetCheckpointParameters): Promise<GetCheckpointReturnType> {
  try {
    const c = await readContract(client, {
      address: params.address,
      abi: aztecRollupAbi,
      functionName: 'getCheckpoint',
      args: [params.checkpointNumber],
    });
    return {
      checkpointNumber: params.checkpointNumber,
      archive: c.archive,
      headerHash: c.headerHash,
      blobCommitmentsHash: c.blobCommitmentsHash,
      outHash: c.outHash,
      attestationsHash: c.attestationsHash,
      payloadDigest: c.payloadDigest,
      slotNumber: c.slotNumber,
    };
  } catch (err) {
    throw toAztecL1Error(err, `getCheckpoint(${params.checkpointNumber})`, { url: transportUrl(client) });
  }
}
