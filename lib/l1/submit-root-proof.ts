import type { Address, Hex, TransactionReceipt } from 'viem';
import { bytesToHex, parseEventLogs } from 'viem';
import { devnetRollupAbi } from './abi.ts';
import type { L1Error, L1TransactionRevertedError, L1UnreachableError, RollupRevertedError } from './errors.ts';
import type { RootPublicInputs } from './root-public-inputs.ts';
import { encodeRootPublicInputs } from './root-public-inputs.ts';
import type { L1WalletClient } from './send-rollup-transaction.ts';
import { sendRollupTransaction } from './send-rollup-transaction.ts';

export interface SubmitRootProofParameters {
  readonly address: Address;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  /** The bb `public_inputs` fields as `bytes32`, or the named values (encoded in layout order). */
  readonly publicInputs: readonly Hex[] | RootPublicInputs;
  /** The bb `proof` file (EVM/keccak target). */
  readonly proof: Hex | Uint8Array;
}

export interface SubmitRootProofReturnType {
  readonly transactionHash: Hex;
  readonly receipt: TransactionReceipt;
  readonly gasUsed: bigint;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  readonly proverId: Hex;
}

/**
 * Named reverts: InvalidRange, AlreadyProven, ProofGap, BlockNotProposed, ProofWindowExpired,
 * WrongPublicInputsLength, WrongPreviousArchive, WrongEndArchive, WrongRange, ProofRejected (with the
 * verifier's reason in `verifierError`).
 */
export type SubmitRootProofErrorType = RollupRevertedError | L1TransactionRevertedError | L1UnreachableError | L1Error;

/**
 * Submits a root proof for blocks fromBlock..toBlock: simulates (so a bad proof fails with a named error and no
 * gas spent), sends, waits for the receipt and returns the `L2ProofVerified` event's values.
 *
 * @example
 * const { gasUsed } = await submitRootProof(client, { address: rollup, fromBlock: 1n, toBlock: 3n, publicInputs, proof });
 */
export async function submitRootProof(client: L1WalletClient, params: SubmitRootProofParameters): Promise<SubmitRootProofReturnType> {
  const publicInputs = Array.isArray(params.publicInputs)
    ? (params.publicInputs as readonly Hex[])
    : encodeRootPublicInputs(params.publicInputs as RootPublicInputs);
  const proof = typeof params.proof === 'string' ? params.proof : bytesToHex(params.proof);
  const receipt = await sendRollupTransaction(client, `submitRootProof(${params.fromBlock}..${params.toBlock})`, {
    address: params.address,
    functionName: 'submitRootProof',
    args: [params.fromBlock, params.toBlock, publicInputs, proof],
  });
  const [event] = parseEventLogs({ abi: devnetRollupAbi, eventName: 'L2ProofVerified', logs: receipt.logs });
  return {
    transactionHash: receipt.transactionHash,
    receipt,
    gasUsed: receipt.gasUsed,
    fromBlock: event?.args.fromBlock ?? params.fromBlock,
    toBlock: event?.args.toBlock ?? params.toBlock,
    proverId: event?.args.proverId ?? (publicInputs[4] as Hex),
  };
}
