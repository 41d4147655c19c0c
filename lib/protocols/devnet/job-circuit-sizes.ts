/**
 * The devnet's job types in one place: their circuits, resource classes and sizes.
 * The Noir sources live in ./circuits/<circuit>; keep `circuit` in step with them. How each circuit is proven
 * (its bb verifier target) is artifacts.ts's `DEVNET_CIRCUIT_TARGETS`, the one table the prover reads.
 *
 * Sizes come from measurements on stock bb 5.0.0 (ARCHITECTURE §4): a circuit verifying one recursive proof
 * is ≈700k gates (~1 GB, 2^20), one verifying two is ≈1.47M gates (~2 GB, 2^21).
 */
import type { CircuitSpec, ResourceClass } from '../../proving/profile.ts';

/** Client proofs are made by users/the sequencer, so they are tx inputs, not jobs. */
export const DEVNET_JOB_TYPES = ['TUBE', 'BASE', 'MERGE', 'BLOCK_ROOT', 'BLOCK_MERGE', 'ROOT'] as const;
export type DevnetJobType = (typeof DEVNET_JOB_TYPES)[number];

export const DEVNET_TX_KINDS = ['tx'] as const;

/** Both classes fit a 2-core machine, so the local runtime can run every class. */
export const devnetResourceClasses = {
  /** One-proof verifiers: ≈700k gates, ~1 GB peak, ~25 s on 2 cores. */
  small: { name: 'small', vcpus: 2, memoryMiB: 4096, timeoutSeconds: 900 },
  /** Two-proof verifiers: ≈1.47M gates, ~2 GB peak, ~40 s on 2 cores. */
  medium: { name: 'medium', vcpus: 2, memoryMiB: 6144, timeoutSeconds: 900 },
} as const satisfies Record<string, ResourceClass>;

export interface DevnetCircuitSpec extends CircuitSpec {
  /** Noir package under lib/protocols/devnet/circuits/. */
  readonly circuit: string;
}

export const devnetCircuits: Readonly<Record<DevnetJobType, DevnetCircuitSpec>> = {
  TUBE: { type: 'TUBE', circuit: 'tube', resourceClass: 'small', log2Size: 20 },
  BASE: { type: 'BASE', circuit: 'base', resourceClass: 'small', log2Size: 20 },
  MERGE: { type: 'MERGE', circuit: 'merge', resourceClass: 'medium', log2Size: 21 },
  BLOCK_ROOT: { type: 'BLOCK_ROOT', circuit: 'block_root', resourceClass: 'medium', log2Size: 21 },
  BLOCK_MERGE: { type: 'BLOCK_MERGE', circuit: 'block_merge', resourceClass: 'medium', log2Size: 21 },
  // One child always (tree.ts), so the one-proof root circuit: ≈682k gates.
  ROOT: { type: 'ROOT', circuit: 'root_single', resourceClass: 'small', log2Size: 20 },
};
