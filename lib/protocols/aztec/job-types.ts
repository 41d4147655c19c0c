/**
 * Aztec proving job types: the names of `ProvingRequestType` in `@aztec/stdlib` 4.1.2
 * (src/proofs/proving_request_type.ts), so our job types map 1:1 onto broker jobs for bb-remote.
 */
export const AZTEC_JOB_TYPES = [
  'PUBLIC_VM',
  'PUBLIC_CHONK_VERIFIER',
  'PRIVATE_TX_BASE_ROLLUP',
  'PUBLIC_TX_BASE_ROLLUP',
  'TX_MERGE_ROLLUP',
  'BLOCK_ROOT_FIRST_ROLLUP',
  'BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP',
  'BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP',
  'BLOCK_ROOT_ROLLUP',
  'BLOCK_ROOT_SINGLE_TX_ROLLUP',
  'BLOCK_MERGE_ROLLUP',
  'CHECKPOINT_ROOT_ROLLUP',
  'CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP',
  'CHECKPOINT_PADDING_ROLLUP',
  'CHECKPOINT_MERGE_ROLLUP',
  'ROOT_ROLLUP',
  'PARITY_BASE',
  'PARITY_ROOT',
] as const;
export type AztecJobType = (typeof AZTEC_JOB_TYPES)[number];

/** `private`: only the private kernel ran (its chonk proof feeds the base directly); `public`: has AVM work. */
export const AZTEC_TX_KINDS = ['private', 'public'] as const;

/** Base parity circuits per parity root (`NUM_BASE_PARITY_PER_ROOT_PARITY` in `@aztec/constants`). */
export const NUM_BASE_PARITY_PER_ROOT_PARITY = 4;
