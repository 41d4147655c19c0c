/** viem-style actions for the DevnetRollup contract: one function `(client, params)` per file. */
export { devnetRollupAbi, honkVerifierErrorsAbi } from './abi.ts';
export * from './errors.ts';
export * from './get-block-proposal.ts';
export * from './get-proving-deadline.ts';
export * from './is-range-proven.ts';
export * from './propose-block.ts';
export * from './prune-expired-blocks.ts';
export * from './read-tips.ts';
export * from './root-public-inputs.ts';
export * from './send-rollup-transaction.ts';
export * from './submit-root-proof.ts';
