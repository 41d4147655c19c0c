/**
 * Where each Aztec job type runs: its circuit's name, resource class and size. How a circuit is proven (its bb
 * flags) is lib/protocols/aztec/prover/prover-circuits.ts's, the one table the prover reads.
 * Sizes (log2 gates): ARCHITECTURE §3; they decide the CRS the prover image carries (2^24 for the root).
 * Names: `ServerCircuitName` in `@aztec/stdlib` src/stats/stats.ts.
 */
import type { CircuitSpec, ResourceClass } from '../../proving/profile.ts';
import { AZTEC_JOB_TYPES, type AztecJobType } from './job-types.ts';

/** c7a sizes with ~8 GiB of each instance left to the OS and ECS agent; Aztec recommends 64 vCPU / 128 GB agents. */
export const aztecResourceClasses = {
  /** The AVM: Aztec's heaviest prover. c7a.16xlarge. */
  avm: { name: 'avm', vcpus: 64, memoryMiB: 122_880, timeoutSeconds: 3600 },
  /** 2^23–2^24 circuits (root, checkpoint roots, public base). c7a.16xlarge. */
  large: { name: 'large', vcpus: 64, memoryMiB: 122_880, timeoutSeconds: 3600 },
  /** 2^22 circuits (private base, first block roots, parity, chonk verifier). c7a.8xlarge. */
  medium: { name: 'medium', vcpus: 32, memoryMiB: 61_440, timeoutSeconds: 2400 },
  /** 2^21 circuits (merges, non-first block roots, padding). c7a.4xlarge. */
  small: { name: 'small', vcpus: 16, memoryMiB: 30_720, timeoutSeconds: 1800 },
} as const satisfies Record<string, ResourceClass>;
type AztecResourceClass = keyof typeof aztecResourceClasses;

export interface AztecCircuitSpec extends CircuitSpec {
  /** Aztec's circuit name (`ServerCircuitName`), as in noir-protocol-circuits and bb-prover logs. */
  readonly circuitName: string;
}

type Row = readonly [circuitName: string, resourceClass: AztecResourceClass, log2Size: number];

const TABLE: Readonly<Record<AztecJobType, Row>> = {
  // AVM size: estimate (the AVM trace ceiling); it does not use the Honk CRS sizing of the others.
  PUBLIC_VM: ['avm-circuit', 'avm', 21],
  PUBLIC_CHONK_VERIFIER: ['chonk-verifier-public', 'medium', 22],
  PRIVATE_TX_BASE_ROLLUP: ['rollup-tx-base-private', 'medium', 22],
  PUBLIC_TX_BASE_ROLLUP: ['rollup-tx-base-public', 'large', 23],
  TX_MERGE_ROLLUP: ['rollup-tx-merge', 'small', 21],
  BLOCK_ROOT_FIRST_ROLLUP: ['rollup-block-root-first', 'medium', 22],
  BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP: ['rollup-block-root-first-single-tx', 'medium', 22],
  BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP: ['rollup-block-root-first-empty-tx', 'medium', 22],
  BLOCK_ROOT_ROLLUP: ['rollup-block-root', 'small', 21],
  BLOCK_ROOT_SINGLE_TX_ROLLUP: ['rollup-block-root-single-tx', 'small', 21],
  BLOCK_MERGE_ROLLUP: ['rollup-block-merge', 'small', 21],
  CHECKPOINT_ROOT_ROLLUP: ['rollup-checkpoint-root', 'large', 23],
  CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP: ['rollup-checkpoint-root-single-block', 'large', 23],
  // Measured: 3,918 gates (bb.js 4.1.2 circuitStats), dyadic 2^12.
  CHECKPOINT_PADDING_ROLLUP: ['rollup-checkpoint-padding', 'small', 12],
  CHECKPOINT_MERGE_ROLLUP: ['rollup-checkpoint-merge', 'small', 21],
  ROOT_ROLLUP: ['rollup-root', 'large', 24],
  // Measured: 2,274,397 gates, dyadic 2^22.
  PARITY_BASE: ['parity-base', 'medium', 22],
  PARITY_ROOT: ['parity-root', 'medium', 22],
};

function toSpec(type: AztecJobType): AztecCircuitSpec {
  const [circuitName, resourceClass, log2Size] = TABLE[type];
  return { type, circuitName, resourceClass, log2Size };
}

export const aztecCircuits: Readonly<Record<AztecJobType, AztecCircuitSpec>> = Object.fromEntries(
  AZTEC_JOB_TYPES.map((type) => [type, toSpec(type)]),
) as Record<AztecJobType, AztecCircuitSpec>;
