/**
 * For each Aztec proving job type: which protocol circuit proves it, how its inputs become a witness and its
 * witness becomes public outputs, how long its proof is and which bb verifier target (= bb flags) it uses.
 *
 * Mirrors `BBNativeRollupProver` in @aztec/bb-prover 4.1.2 (src/prover/server/bb_prover.ts: artifact and
 * proof length per method; src/honk.ts: flavour per artifact). The conversions themselves are Aztec's, from
 * @aztec/noir-protocol-circuits-types 4.1.2, so inputs are read exactly as Aztec's own agent reads them.
 *
 * Importing this module loads every server circuit artifact (~90 MB of JSON, ~2–4 s): only the job runner
 * imports it, lazily, when it meets an Aztec job.
 */
import { NESTED_RECURSIVE_PROOF_LENGTH, NESTED_RECURSIVE_ROLLUP_HONK_PROOF_LENGTH, RECURSIVE_PROOF_LENGTH, ULTRA_KECCAK_PROOF_LENGTH } from '@aztec/constants';
import * as conv from '@aztec/noir-protocol-circuits-types/server';
import type { ServerProtocolArtifact } from '@aztec/noir-protocol-circuits-types/server';
import type { WitnessMap } from '@aztec/noir-types';
import type { AztecJobType } from '../job-types.ts';

/** bb.js names for bb's `--scheme ultra_honk --disable_zk` flavours (bb-prover's `getUltraHonkFlavorForCircuit`). */
export type AztecVerifierTarget = 'noir-rollup-no-zk' | 'noir-recursive-no-zk' | 'evm-no-zk';

/** The bb CLI flags of each target, as bb-prover 4.1.2 passes them (src/bb/execute.ts `getArgs` + `--disable_zk`). */
export const BB_FLAGS_FOR_TARGET: Readonly<Record<AztecVerifierTarget, readonly string[]>> = {
  'noir-rollup-no-zk': ['--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk'],
  'noir-recursive-no-zk': ['--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--disable_zk'],
  'evm-no-zk': ['--scheme', 'ultra_honk', '--oracle_hash', 'keccak', '--disable_zk'],
};

export interface AztecCircuitRow {
  readonly artifact: ServerProtocolArtifact;
  /** Proof fields without public inputs, as bb writes them (asserted after proving). */
  readonly proofLength: number;
  readonly target: AztecVerifierTarget;
  /** Aztec's `convert…PrivateInputsToWitnessMap`: the deserialized inputs → the circuit's initial witness. */
  readonly toWitness: (inputs: never) => WitnessMap;
  /** Aztec's `convert…OutputsFromWitnessMap`: the solved witness → the circuit's public outputs object. */
  readonly fromWitness: (witness: WitnessMap) => { toBuffer(): Buffer };
}

const rollup = (artifact: ServerProtocolArtifact, toWitness: AztecCircuitRow['toWitness'], fromWitness: AztecCircuitRow['fromWitness']): AztecCircuitRow => ({
  artifact,
  proofLength: NESTED_RECURSIVE_ROLLUP_HONK_PROOF_LENGTH,
  target: 'noir-rollup-no-zk',
  toWitness,
  fromWitness,
});

/** Every type but PUBLIC_VM, which is proven by `bb avm_prove` from msgpack inputs, not from a Noir circuit. */
const AZTEC_CIRCUITS: Readonly<Record<Exclude<AztecJobType, 'PUBLIC_VM'>, AztecCircuitRow>> = {
  PARITY_BASE: {
    artifact: 'ParityBaseArtifact',
    proofLength: RECURSIVE_PROOF_LENGTH,
    target: 'noir-recursive-no-zk',
    toWitness: conv.convertParityBasePrivateInputsToWitnessMap,
    fromWitness: conv.convertParityBaseOutputsFromWitnessMap,
  },
  PARITY_ROOT: {
    artifact: 'ParityRootArtifact',
    proofLength: NESTED_RECURSIVE_PROOF_LENGTH,
    target: 'noir-recursive-no-zk',
    toWitness: conv.convertParityRootPrivateInputsToWitnessMap,
    fromWitness: conv.convertParityRootOutputsFromWitnessMap,
  },
  PUBLIC_CHONK_VERIFIER: rollup('PublicChonkVerifier', conv.convertPublicChonkVerifierPrivateInputsToWitnessMap, conv.convertPublicChonkVerifierOutputsFromWitnessMap),
  PRIVATE_TX_BASE_ROLLUP: rollup('PrivateTxBaseRollupArtifact', conv.convertPrivateTxBaseRollupPrivateInputsToWitnessMap, conv.convertPrivateTxBaseRollupOutputsFromWitnessMap),
  PUBLIC_TX_BASE_ROLLUP: rollup('PublicTxBaseRollupArtifact', conv.convertPublicTxBaseRollupPrivateInputsToWitnessMap, conv.convertPublicTxBaseRollupOutputsFromWitnessMap),
  TX_MERGE_ROLLUP: rollup('TxMergeRollupArtifact', conv.convertTxMergeRollupPrivateInputsToWitnessMap, conv.convertTxMergeRollupOutputsFromWitnessMap),
  BLOCK_ROOT_FIRST_ROLLUP: rollup('BlockRootFirstRollupArtifact', conv.convertBlockRootFirstRollupPrivateInputsToWitnessMap, conv.convertBlockRootFirstRollupOutputsFromWitnessMap),
  BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP: rollup(
    'BlockRootSingleTxFirstRollupArtifact',
    conv.convertBlockRootSingleTxFirstRollupPrivateInputsToWitnessMap,
    conv.convertBlockRootSingleTxFirstRollupOutputsFromWitnessMap,
  ),
  BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP: rollup(
    'BlockRootEmptyTxFirstRollupArtifact',
    conv.convertBlockRootEmptyTxFirstRollupPrivateInputsToWitnessMap,
    conv.convertBlockRootEmptyTxFirstRollupOutputsFromWitnessMap,
  ),
  BLOCK_ROOT_ROLLUP: rollup('BlockRootRollupArtifact', conv.convertBlockRootRollupPrivateInputsToWitnessMap, conv.convertBlockRootRollupOutputsFromWitnessMap),
  BLOCK_ROOT_SINGLE_TX_ROLLUP: rollup('BlockRootSingleTxRollupArtifact', conv.convertBlockRootSingleTxRollupPrivateInputsToWitnessMap, conv.convertBlockRootSingleTxRollupOutputsFromWitnessMap),
  BLOCK_MERGE_ROLLUP: rollup('BlockMergeRollupArtifact', conv.convertBlockMergeRollupPrivateInputsToWitnessMap, conv.convertBlockMergeRollupOutputsFromWitnessMap),
  CHECKPOINT_ROOT_ROLLUP: rollup('CheckpointRootRollupArtifact', conv.convertCheckpointRootRollupPrivateInputsToWitnessMap, conv.convertCheckpointRootRollupOutputsFromWitnessMap),
  CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP: rollup(
    'CheckpointRootSingleBlockRollupArtifact',
    conv.convertCheckpointRootSingleBlockRollupPrivateInputsToWitnessMap,
    conv.convertCheckpointRootSingleBlockRollupOutputsFromWitnessMap,
  ),
  CHECKPOINT_PADDING_ROLLUP: rollup('CheckpointPaddingRollupArtifact', conv.convertCheckpointPaddingRollupPrivateInputsToWitnessMap, conv.convertCheckpointPaddingRollupOutputsFromWitnessMap),
  CHECKPOINT_MERGE_ROLLUP: rollup('CheckpointMergeRollupArtifact', conv.convertCheckpointMergeRollupPrivateInputsToWitnessMap, conv.convertCheckpointMergeRollupOutputsFromWitnessMap),
  ROOT_ROLLUP: {
    artifact: 'RootRollupArtifact',
    proofLength: ULTRA_KECCAK_PROOF_LENGTH,
    target: 'evm-no-zk',
    toWitness: conv.convertRootRollupPrivateInputsToWitnessMap,
    fromWitness: conv.convertRootRollupOutputsFromWitnessMap,
  },
};

export function aztecCircuitFor(type: AztecJobType): AztecCircuitRow | undefined {
  return type === 'PUBLIC_VM' ? undefined : AZTEC_CIRCUITS[type];
}
