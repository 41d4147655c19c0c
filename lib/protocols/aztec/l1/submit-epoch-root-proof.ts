/**
 * `submitEpochRootProof` of Aztec's Rollup (4.1.2 ABI): one struct
 *   { start, end, args: { previousArchive, endArchive, outHash, proverId }, fees: bytes32[],
 *     attestations: { signatureIndices, signaturesOrAddresses }, blobInputs, proof }.
 * `buildSubmitEpochRootProofArgs` checks and assembles it, `encodeSubmitEpochRootProof` gives the calldata, and
 * the action simulates (a bad proof fails with a named error and no gas spent), sends, waits for the receipt
 * and returns the `L2ProofVerified` event.
 */
import type { Address, ContractFunctionArgs, Hex, TransactionReceipt } from 'viem';
import { bytesToHex, encodeFunctionData, isAddress, isHex, size } from 'viem';
import { simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions';
import { InputError } from '../../../errors.ts';
import type { L1Error, L1UnreachableError } from '../../../l1/errors.ts';
import { L1TransactionRevertedError } from '../../../l1/errors.ts';
import type { L1WalletClient } from '../../../l1/send-rollup-transaction.ts';
import { transportUrl } from '../../../l1/send-rollup-transaction.ts';
import type { AztecRollupRevertedError } from './errors.ts';
import { toAztecL1Error } from './errors.ts';
import { parseL2ProofVerifiedLogs } from './rollup-events.ts';
import { AZTEC_EPOCH_FEES_LENGTH } from './root-public-inputs.ts';
import { aztecL1Constants, aztecRollupAbi } from './rollup-abi.ts';

/** The ABI's struct, as viem types it. */
export type SubmitEpochRootProofArgs = ContractFunctionArgs<typeof aztecRollupAbi, 'nonpayable', 'submitEpochRootProof'>[0];

/** The attestations the `propose` of the epoch's last checkpoint carried (their hash is stored on L1). */
export interface CommitteeAttestations {
  readonly signatureIndices: Hex;
  readonly signaturesOrAddresses: Hex;
}

export interface BuildSubmitEpochRootProofArgsParameters {
  /** First checkpoint of the epoch (inclusive). */
  readonly start: bigint;
  /** Last checkpoint proven (inclusive), in the same epoch. */
  readonly end: bigint;
  readonly previousArchive: Hex;
  readonly endArchive: Hex;
  readonly outHash: Hex;
  /** The root proof commits to it; rewards go to it. */
  readonly proverId: Address;
  /** `AZTEC_EPOCH_FEES_LENGTH` (64) bytes32: the root proof's fee public inputs. */
  readonly fees: readonly Hex[];
  readonly attestations: CommitteeAttestations;
  /** 192 bytes for the point-evaluation precompile (see `encodeBlobInputs`). */
  readonly blobInputs: Hex;
  /** The root proof (bb `proof` file, EVM/keccak target). */
  readonly proof: Hex | Uint8Array;
}

const BLOB_INPUTS_BYTES = 192;

/** Checks and assembles the struct. @throws InputError naming the first bad field */
export function buildSubmitEpochRootProofArgs(params: BuildSubmitEpochRootProofArgsParameters): SubmitEpochRootProofArgs {
  const { start, end } = params;
  if (start < 1n || end < start) throw new InputError(`invalid checkpoint range ${start}..${end}`);
  if (end - start + 1n > aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH) {
    throw new InputError(`checkpoints ${start}..${end} are ${end - start + 1n}; an epoch proof covers at most ${aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH}`);
  }
  for (const name of ['previousArchive', 'endArchive', 'outHash'] as const) bytes32(params[name], name);
  if (!isAddress(params.proverId, { strict: false })) throw new InputError(`proverId ${params.proverId} is not an address`);
  if (params.fees.length !== AZTEC_EPOCH_FEES_LENGTH) {
    throw new InputError(`fees has ${params.fees.length} entries, expected ${AZTEC_EPOCH_FEES_LENGTH} (a [recipient, value] pair per possible checkpoint)`);
  }
  params.fees.forEach((fee, i) => bytes32(fee, `fees[${i}]`));
  for (const name of ['signatureIndices', 'signaturesOrAddresses'] as const) {
    if (!isHex(params.attestations[name], { strict: true })) throw new InputError(`attestations.${name} is not hex`);
  }
  if (!isHex(params.blobInputs, { strict: true }) || size(params.blobInputs) !== BLOB_INPUTS_BYTES) {
    throw new InputError(`blobInputs must be ${BLOB_INPUTS_BYTES} bytes (versioned hash, z, y, commitment, KZG proof)`);
  }
  if (!params.blobInputs.toLowerCase().startsWith('0x01')) throw new InputError('blobInputs must start with a KZG versioned hash (0x01…)');
  const proof = typeof params.proof === 'string' ? params.proof : bytesToHex(params.proof);
  if (!isHex(proof, { strict: true }) || size(proof) === 0) throw new InputError('proof is empty or not hex');
  return {
    start,
    end,
    args: { previousArchive: params.previousArchive, endArchive: params.endArchive, outHash: params.outHash, proverId: params.proverId },
    fees: [...params.fees],
    attestations: { signatureIndices: params.attestations.signatureIndices, signaturesOrAddresses: params.attestations.signaturesOrAddresses },
    blobInputs: params.blobInputs,
    proof,
  };
}

/** Calldata of `submitEpochRootProof(args)`. */
export function encodeSubmitEpochRootProof(args: SubmitEpochRootProofArgs): Hex {
  return encodeFunctionData({ abi: aztecRollupAbi, functionName: 'submitEpochRootProof', args: [args] });
}

export interface SubmitEpochRootProofParameters extends BuildSubmitEpochRootProofArgsParameters {
  readonly address: Address;
  /** Blocks to wait after inclusion. @default 1 */
  readonly confirmations?: number;
}

export interface SubmitEpochRootProofReturnType {
  readonly transactionHash: Hex;
  readonly receipt: TransactionReceipt;
  readonly gasUsed: bigint;
  /** From `L2ProofVerified`: the new proven checkpoint. */
  readonly checkpointNumber: bigint;
  readonly proverId: Address;
}

/**
 * Named reverts include Rollup__PastDeadline, Rollup__StartIsNotFirstCheckpointOfEpoch,
 * Rollup__StartIsNotBuildingOnProven, Rollup__StartAndEndNotSameEpoch, Rollup__InvalidPreviousArchive,
 * Rollup__InvalidArchive, Rollup__InvalidOutHash, Rollup__InvalidAttestations, Rollup__InvalidBlobProof,
 * Rollup__InvalidProof.
 */
export type SubmitEpochRootProofErrorType = InputError | AztecRollupRevertedError | L1TransactionRevertedError | L1UnreachableError | L1Error;

/**
 * Submits an epoch root proof and waits for it.
 *
 * @example
 * const { checkpointNumber } = await submitEpochRootProof(wallet, { address: rollup, start, end, ...fromRootProof });
 */
export async function submitEpochRootProof(client: L1WalletClient, params: SubmitEpochRootProofParameters): Promise<SubmitEpochRootProofReturnType> {
  const args = buildSubmitEpochRootProofArgs(params);
  const action = `submitEpochRootProof(${params.start}..${params.end})`;
  const url = transportUrl(client);
  let hash: Hex;
  try {
    const { request } = await simulateContract(client, {
      address: params.address,
      abi: aztecRollupAbi,
      functionName: 'submitEpochRootProof',
      args: [args],
      account: client.account,
    });
    hash = await writeContract(client, request);
  } catch (err) {
    throw toAztecL1Error(err, action, { url });
  }
  let receipt: TransactionReceipt;
  try {
    receipt = await waitForTransactionReceipt(client, { hash, confirmations: params.confirmations ?? 1 });
  } catch (err) {
    throw toAztecL1Error(err, `${action} (waiting for ${hash})`, { url });
  }
  if (receipt.status !== 'success') throw new L1TransactionRevertedError(action, hash);
  const [event] = parseL2ProofVerifiedLogs(receipt.logs, { address: params.address });
  return {
    transactionHash: hash,
    receipt,
    gasUsed: receipt.gasUsed,
    checkpointNumber: event?.checkpointNumber ?? params.end,
    proverId: event?.proverId ?? params.proverId,
  };
}

function bytes32(value: Hex, name: string): void {
  if (!isHex(value, { strict: true }) || size(value) !== 32) throw new InputError(`${name} = ${value} is not a 32-byte hex value`);
}
