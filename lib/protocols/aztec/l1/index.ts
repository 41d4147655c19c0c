/**
 * viem-style actions for Aztec's L1 Rollup (@aztec/l1-artifacts 4.1.2 ABI, copied into rollup-abi.ts by
 * scripts/extract-aztec-l1-artifacts.ts), one function `(client, params)` per file, and its adapter to the pipeline's ports.
 */
export { AZTEC_L1_ARTIFACTS_VERSION, aztecL1Constants, aztecRollupAbi } from './rollup-abi.ts';
export * from './aztec-rollup-port.ts';
export * from './errors.ts';
export * from './get-checkpoint.ts';
export * from './get-epoch-for-checkpoint.ts';
export * from './get-epoch-proof-deadline.ts';
export * from './read-aztec-timing.ts';
export * from './read-aztec-tips.ts';
export * from './rollup-events.ts';
export * from './root-public-inputs.ts';
export * from './submit-epoch-root-proof.ts';
