/**
 * The Rollup events a prover follows: `CheckpointProposed` (a new pending checkpoint; its archive is indexed)
 * and `L2ProofVerified` (an epoch proof advanced the proven tip). Decoded against the 4.1.2 ABI; other events
 * are skipped, and with `address` so are other contracts' logs, so a receipt's whole log list can be passed.
 */
import type { Address, Hex, Log } from 'viem';
import { isAddressEqual, parseEventLogs } from 'viem';
import { aztecRollupAbi } from './rollup-abi.ts';

export interface CheckpointProposedEvent {
  readonly checkpointNumber: bigint;
  /** Archive root after the checkpoint. */
  readonly archive: Hex;
  readonly versionedBlobHashes: readonly Hex[];
  readonly payloadDigest: Hex;
  readonly attestationsHash: Hex;
  readonly l1BlockNumber: bigint | null;
  readonly transactionHash: Hex | null;
}

export interface L2ProofVerifiedEvent {
  /** The new proven checkpoint (the proof's `end`). */
  readonly checkpointNumber: bigint;
  readonly proverId: Address;
  readonly l1BlockNumber: bigint | null;
  readonly transactionHash: Hex | null;
}

export function parseCheckpointProposedLogs(logs: readonly Log[], options: { address?: Address } = {}): CheckpointProposedEvent[] {
  return parseEventLogs({ abi: aztecRollupAbi, eventName: 'CheckpointProposed', logs: fromAddress(logs, options.address), strict: true }).map((log) => ({
    checkpointNumber: log.args.checkpointNumber,
    archive: log.args.archive,
    versionedBlobHashes: log.args.versionedBlobHashes,
    payloadDigest: log.args.payloadDigest,
    attestationsHash: log.args.attestationsHash,
    l1BlockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  }));
}

export function parseL2ProofVerifiedLogs(logs: readonly Log[], options: { address?: Address } = {}): L2ProofVerifiedEvent[] {
  return parseEventLogs({ abi: aztecRollupAbi, eventName: 'L2ProofVerified', logs: fromAddress(logs, options.address), strict: true }).map((log) => ({
    checkpointNumber: log.args.checkpointNumber,
    proverId: log.args.proverId,
    l1BlockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  }));
}

function fromAddress(logs: readonly Log[], address: Address | undefined): Log[] {
  return address === undefined ? [...logs] : logs.filter((log) => isAddressEqual(log.address, address));
}
