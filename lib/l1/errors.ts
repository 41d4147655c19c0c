/**
 * Typed L1 failures. Every action in lib/l1 rethrows through `toL1Error`, so callers (poller, submit Lambda,
 * CLI) branch on a class — node unreachable, a named rollup revert, a mined-but-reverted tx — instead of
 * parsing viem messages.
 */
import type { ContractErrorArgs, ContractErrorName, Hex } from 'viem';
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  HttpRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from 'viem';
import { ProverError, type ProverErrorOptions } from '../errors.ts';
import { devnetRollupAbi, honkVerifierErrorsAbi } from './abi.ts';

export class L1Error extends ProverError {
  override name = 'L1Error';
}

/** The RPC endpoint did not answer (down, wrong URL, timeout). Retryable. */
export class L1UnreachableError extends L1Error {
  override name = 'L1UnreachableError';
  readonly url: string | undefined;
  constructor(url: string | undefined, options: ProverErrorOptions = {}) {
    super(`L1 node unreachable${url ? ` at ${url}` : ''}`, { retryable: true, ...options });
    this.url = url;
  }
}

export type RollupErrorName = ContractErrorName<typeof devnetRollupAbi>;

/** A decoded DevnetRollup custom error: `errorName` discriminates, `args` are typed per error. */
export type RollupRevert = {
  [N in RollupErrorName]: { readonly errorName: N; readonly args: ContractErrorArgs<typeof devnetRollupAbi, N> };
}[RollupErrorName];

/** The rollup contract rejected the call with one of its named errors (a deterministic failure). */
export class RollupRevertedError extends L1Error {
  override name = 'RollupRevertedError';
  readonly revert: RollupRevert;
  /** For `ProofRejected`: the HonkVerifier's own error name (e.g. `SumcheckFailed`), when recognised. */
  readonly verifierError: string | undefined;
  constructor(action: string, revert: RollupRevert, options: ProverErrorOptions = {}) {
    const verifierError = revert.errorName === 'ProofRejected' ? decodeVerifierError(revert.args[0]) : undefined;
    super(`${action}: rollup reverted with ${revert.errorName}`, {
      ...options,
      metaMessages: [
        `args: ${formatArgs(revert.args)}`,
        ...(verifierError ? [`verifier: ${verifierError}`] : []),
        ...(options.metaMessages ?? []),
      ],
    });
    this.revert = revert;
    this.verifierError = verifierError;
  }
  get errorName(): RollupErrorName {
    return this.revert.errorName;
  }
}

/** A transaction was mined but reverted (state changed between simulation and inclusion). */
export class L1TransactionRevertedError extends L1Error {
  override name = 'L1TransactionRevertedError';
  readonly transactionHash: Hex;
  constructor(action: string, transactionHash: Hex, options: ProverErrorOptions = {}) {
    super(`${action}: transaction ${transactionHash} reverted on L1`, options);
    this.transactionHash = transactionHash;
  }
}

/** Narrowing helper: `if (isRollupError(err, 'AlreadyProven')) err.revert.args[1]`. */
export function isRollupError<N extends RollupErrorName>(
  err: unknown,
  errorName: N,
): err is RollupRevertedError & { revert: Extract<RollupRevert, { errorName: N }> } {
  return err instanceof RollupRevertedError && err.revert.errorName === errorName;
}

/**
 * Classifies anything an L1 call threw, adding `action` as context. Already-typed L1 errors pass through.
 */
export function toL1Error(err: unknown, action: string, context: { url?: string | undefined } = {}): L1Error {
  if (err instanceof L1Error) return err;
  if (err instanceof ViemBaseError) {
    const transport = err.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof WebSocketRequestError ||
        e instanceof SocketClosedError ||
        e instanceof TimeoutError,
    );
    if (transport) {
      const url = context.url ?? (transport instanceof HttpRequestError ? transport.url : undefined);
      return new L1UnreachableError(url, {
        cause: err,
        metaMessages: [`while: ${action}`, (transport as ViemBaseError).shortMessage],
      });
    }
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      const name = reverted.data.errorName;
      if (devnetRollupAbi.some((item) => item.type === 'error' && item.name === name)) {
        return new RollupRevertedError(action, { errorName: name, args: reverted.data.args ?? [] } as RollupRevert, {
          cause: err,
        });
      }
    }
    return new L1Error(`${action}: ${err.shortMessage}`, { cause: err, metaMessages: err.metaMessages ?? [] });
  }
  return new L1Error(`${action}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function decodeVerifierError(data: Hex): string | undefined {
  if (data === '0x') return 'verify() returned false';
  try {
    const { errorName, args } = decodeErrorResult({ abi: honkVerifierErrorsAbi, data });
    return args && args.length > 0 ? `${errorName}(${formatArgs(args)})` : errorName;
  } catch {
    return `unrecognised revert data ${data.slice(0, 10)}`;
  }
}

function formatArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ') || '(none)';
}
