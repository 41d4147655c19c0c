/**
 * Simulate → write → wait for the receipt, for DevnetRollup's state-changing functions. Simulating first turns a
 * would-be revert into a decoded named error without spending gas; a receipt with status `reverted` (state
 * changed between simulation and inclusion) becomes L1TransactionRevertedError.
 */
import type {
  Account,
  Address,
  Chain,
  Client,
  ContractFunctionArgs,
  ContractFunctionName,
  TransactionReceipt,
  Transport,
} from 'viem';
import { simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions';
import { devnetRollupAbi } from './abi.ts';
import { L1TransactionRevertedError, toL1Error } from './errors.ts';

export type RollupWriteFunction = ContractFunctionName<typeof devnetRollupAbi, 'nonpayable'>;

/** A client that can sign: its `account` sends the transaction. */
export type L1WalletClient = Client<Transport, Chain | undefined, Account>;

export interface SendRollupTransactionParameters<N extends RollupWriteFunction> {
  readonly address: Address;
  readonly functionName: N;
  readonly args: ContractFunctionArgs<typeof devnetRollupAbi, 'nonpayable', N>;
  /** Blocks to wait after inclusion. @default 1 */
  readonly confirmations?: number;
}

export async function sendRollupTransaction<N extends RollupWriteFunction>(
  client: L1WalletClient,
  action: string,
  params: SendRollupTransactionParameters<N>,
): Promise<TransactionReceipt> {
  const url = transportUrl(client);
  let hash;
  try {
    // viem's generics cannot follow a function name that is itself generic; the public signature stays typed.
    const { request } = await simulateContract(client, {
      address: params.address,
      abi: devnetRollupAbi,
      functionName: params.functionName,
      args: params.args,
      account: client.account,
    } as Parameters<typeof simulateContract>[1]);
    hash = await writeContract(client, request as Parameters<typeof writeContract>[1]);
  } catch (err) {
    throw toL1Error(err, action, { url });
  }
  let receipt: TransactionReceipt;
  try {
    receipt = await waitForTransactionReceipt(client, { hash, confirmations: params.confirmations ?? 1 });
  } catch (err) {
    throw toL1Error(err, `${action} (waiting for ${hash})`, { url });
  }
  if (receipt.status !== 'success') throw new L1TransactionRevertedError(action, hash);
  return receipt;
}

/** The RPC URL of an http/ws transport, for error messages. */
export function transportUrl(client: Client): string | undefined {
  const url = (client.transport as { url?: unknown }).url;
  return typeof url === 'string' ? url : undefined;
}
