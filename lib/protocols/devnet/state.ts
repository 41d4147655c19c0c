/**
 * The devnet rollup's state transition in TypeScript, mirroring the circuits (circuits/devnet_lib):
 * - a tx spends a note (nullifier = H(2, secret)) and creates one (commitment = H(1, secret', value));
 * - the rollup state is a hash chain over every tx's effects: state' = H(3, state, nullifier, commitment);
 * - block n's archive = H(4, archive(n−1), n, state after block n); genesis = block 0 with state 0.
 * A block's *effects hash* (what the sequencer posts to L1) is the state after the block: it commits to every
 * tx effect in order, and the archive opens to it.
 *
 * Used by the sequencer/tx generator (to propose blocks whose archives the proofs will reproduce), by the
 * input builders (per-tx start states, the previous block's archive leaf) and by tests.
 */
import type { Hex } from 'viem';
import type { DevnetStateTransition } from './sequencer.ts';
import { fieldToHex, type Field } from './fields.ts';
import {
  DOMAIN_ARCHIVE,
  DOMAIN_NOTE,
  DOMAIN_NULLIFIER,
  DOMAIN_STATE,
  DOMAIN_VK_SET,
  loadDevnetHasher,
  type DevnetHasher,
} from './hash.ts';

/** One tx's public effects (what the tube exposes and the base applies). */
export interface DevnetTxEffects {
  readonly nullifier: Field;
  readonly commitment: Field;
}

/** Preimage of a block's archive (devnet_lib::ArchiveLeaf). */
export interface DevnetArchiveLeaf {
  readonly previousArchive: Field;
  readonly blockNumber: bigint;
  readonly endState: Field;
}

/** The chain after some block: its archive leaf and archive. */
export interface DevnetChainState {
  readonly leaf: DevnetArchiveLeaf;
  readonly archive: Field;
}

const GENESIS_STATE: Field = 0n;

interface AppliedDevnetBlock {
  readonly state: DevnetChainState;
  /** Rollup state before each tx (the BASE job's `start_state`), in tx order. */
  readonly txStartStates: readonly Field[];
}

/** The devnet rules bound to a hasher (all synchronous once loaded). */
export interface DevnetRules {
  noteCommitment(secret: Field, value: Field): Field;
  nullifier(secret: Field): Field;
  applyTx(state: Field, tx: DevnetTxEffects): Field;
  archiveOf(leaf: DevnetArchiveLeaf): Field;
  genesis(): DevnetChainState;
  /** Applies block `number` (must be the next one) with `txs` (at least one) to `previous`. */
  applyBlock(previous: DevnetChainState, block: { readonly number: bigint; readonly txs: readonly DevnetTxEffects[] }): AppliedDevnetBlock;
  /** Hash of the rollup circuits' key hashes (order: base, merge, block_root_single, block_root, block_merge). */
  vkSetRoot(keyHashes: readonly Field[]): Field;
}

function devnetRules(hasher: DevnetHasher): DevnetRules {
  const h = (inputs: Field[]): Field => hasher.hash(inputs);
  const rules: DevnetRules = {
    noteCommitment: (secret, value) => h([DOMAIN_NOTE, secret, value]),
    nullifier: (secret) => h([DOMAIN_NULLIFIER, secret]),
    applyTx: (state, tx) => h([DOMAIN_STATE, state, tx.nullifier, tx.commitment]),
    archiveOf: (leaf) => h([DOMAIN_ARCHIVE, leaf.previousArchive, leaf.blockNumber, leaf.endState]),
    genesis() {
      const leaf: DevnetArchiveLeaf = { previousArchive: 0n, blockNumber: 0n, endState: GENESIS_STATE };
      return { leaf, archive: rules.archiveOf(leaf) };
    },
    applyBlock(previous, block) {
      if (block.number !== previous.leaf.blockNumber + 1n) {
        throw new RangeError(`devnet block ${block.number} cannot follow block ${previous.leaf.blockNumber}`);
      }
      if (block.txs.length === 0) throw new RangeError(`devnet block ${block.number} has no txs (the devnet has no empty blocks)`);
      let state = previous.leaf.endState;
      const txStartStates: Field[] = [];
      for (const tx of block.txs) {
        txStartStates.push(state);
        state = rules.applyTx(state, tx);
      }
      const leaf: DevnetArchiveLeaf = { previousArchive: previous.archive, blockNumber: block.number, endState: state };
      return { state: { leaf, archive: rules.archiveOf(leaf) }, txStartStates };
    },
    vkSetRoot(keyHashes) {
      if (keyHashes.length !== 5) throw new RangeError(`the vk set has 5 members, got ${keyHashes.length}`);
      return h([DOMAIN_VK_SET, ...keyHashes]);
    },
  };
  return rules;
}

/** `devnetRules` with the process-wide bb.js hasher. */
export async function loadDevnetRules(): Promise<DevnetRules> {
  return devnetRules(await loadDevnetHasher());
}

/** The rules in the shape the sequencer takes (archives and effects hashes as bytes32 hex). */
export function devnetStateTransition(rules: DevnetRules): DevnetStateTransition<DevnetChainState, DevnetTxEffects> {
  return {
    archiveOf: (state): Hex => fieldToHex(state.archive),
    applyBlock(state, block) {
      const applied = rules.applyBlock(state, block);
      return { state: applied.state, effectsHash: fieldToHex(applied.state.leaf.endState) };
    },
  };
}
