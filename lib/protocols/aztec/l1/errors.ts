/**
 * Typed failures of the Aztec Rollup actions. Transport failures, mined-but-reverted transactions and anything
 * unrecognised are classified by lib/l1's `toL1Error` (one implementation); this adds the Rollup's own custom
 * errors, decoded with the Rollup ABI, as `AztecRollupRevertedError` with a typed `errorName` and `args`.
 */
import type { ContractErrorArgs, ContractErrorName } from 'viem';
import { BaseError as ViemBaseError, ContractFunctionRevertedError } from 'viem';
import type { ProverErrorOptions } from '../../../errors.ts';
import { L1Error, toL1Error } from '../../../l1/errors.ts';
import { aztecRollupAbi } from './rollup-abi.ts';

export type AztecRollupErrorName = ContractErrorName<typeof aztecRollupAbi>;

export type AztecRollupRevert = {
  [N in AztecRollupErrorName]: { readonly errorName: N; readonly args: ContractErrorArgs<typeof aztecRollupAbi, N> };
}[AztecRollupErrorName];

/** The Aztec Rollup rejected the call with one of its named errors (a deterministic failure). */
export class AztecRollupRevertedError extends L1Error {
  override name = 'AztecRollupRevertedError';
  readonly revert: AztecRollupRevert;
  constructor(action: string, revert: AztecRollupRevert, options: ProverErrorOptions = {}) {
    super(`${action}: Aztec rollup reverted with ${revert.errorName}`, {
      ...options,
      metaMessages: [`args: ${formatArgs(revert.args)}`, ...(options.metaMessages ?? [])],
    });
    this.revert = revert;
  }
  get errorName(): AztecRollupErrorName {
    return this.revert.errorName;
  }
}

/** Narrowing helper: `if (isAztecRollupError(err, 'Rollup__PastDeadline')) err.revert.args[0]`. */
export function isAztecRollupError<N extends AztecRollupErrorName>(
  err: unknown,
  errorName: N,
): err is AztecRollupRevertedError & { revert: Extract<AztecRollupRevert, { errorName: N }> } {
  return err instanceof AztecRollupRevertedError && err.revert.errorName === errorName;
}

/** Like lib/l1's `toL1Error`, recognising the Aztec Rollup's custom errors first. */
export function toAztecL1Error(err: unknown, action: string, context: { url?: string | undefined } = {}): L1Error {
  if (err instanceof L1Error) return err;
  if (err instanceof ViemBaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
    if (reverted instanceof ContractFunctionRevertedError && name && aztecRollupAbi.some((item) => item.type === 'error' && item.name === name)) {
      return new AztecRollupRevertedError(action, { errorName: name, args: reverted.data?.args ?? [] } as AztecRollupRevert, { cause: err });
    }
  }
  return toL1Error(err, action, context);
}

function formatArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ') || '(none)';
}
