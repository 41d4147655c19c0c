/**
 * TEST DOUBLE of one piece of Aztec's data: its verification-key tree, rebuilt for the INSECURE test CRS.
 *
 * Aztec's orchestrator looks each child proof's key up in a fixed tree of the protocol circuits' key hashes
 * (@aztec/noir-protocol-circuits-types vk_tree.js, computed from keys made with Aztec's ceremony CRS), and the
 * rollup circuits check membership in that tree's root. Aztec's ceremony points cannot be downloaded here, and
 * keys depend on the CRS, so with the test CRS every key the prover reports is missing from Aztec's tree. This
 * rebuilds the same tree (same height, same leaf positions, same poseidon2 hasher — checked by recomputing
 * Aztec's root from its own leaves first) with the leaves of the circuits under test replaced by the hashes of
 * the keys bb computes for the test CRS, and swaps its nodes into Aztec's tree object in place. Nothing else of
 * Aztec changes: it is what Aztec's own build does (hash every circuit's key into the tree) for another CRS.
 */
import { VK_TREE_HEIGHT } from '@aztec/constants';
import { MerkleTreeCalculator } from '@aztec/foundation/trees';
import { getVKTree, getVKTreeRoot } from '@aztec/noir-protocol-circuits-types/vk-tree';
import { ProtocolCircuitVkIndexes } from '@aztec/noir-protocol-circuits-types/server/vks';
import type { AztecJobType } from '../../lib/protocols/aztec/job-types.ts';
import { openAztecBarretenberg } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import { aztecCircuitFor } from '../../lib/protocols/aztec/prover/prover-circuits.ts';
import type { AztecCrsDir } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { loadAztecCircuit, testCrsVerificationKey } from '../../lib/protocols/aztec/prover/verification-keys.ts';

export interface TestCrsKeys {
  /** Key hash (hex) per circuit, as bb 4.1.2 computes the key with the test CRS. */
  readonly hashes: Readonly<Partial<Record<AztecJobType, string>>>;
  /** Keys as bytes, for verifying proofs afterwards. */
  readonly keys: Readonly<Partial<Record<AztecJobType, Buffer>>>;
  readonly ms: number;
}

/** Computes the test-CRS keys of `types` with the native bb 4.1.2, one circuit at a time (memory). */
export async function testCrsKeys(types: readonly AztecJobType[], crs: AztecCrsDir): Promise<TestCrsKeys> {
  const started = performance.now();
  const hashes: Partial<Record<AztecJobType, string>> = {};
  const keys: Partial<Record<AztecJobType, Buffer>> = {};
  for (const type of types) {
    const bb = await openAztecBarretenberg({ backend: 'native' });
    try {
      // Cached in the CRS dir: the jobs that prove these circuits later reuse the keys instead of recomputing them.
      const vk = await testCrsVerificationKey(bb.api, await loadAztecCircuit(bb.api, type, crs), crs);
      hashes[type] = vk.keyAsFields.hash.toString();
      keys[type] = vk.keyAsBytes;
    } finally {
      await bb.close();
    }
  }
  return { hashes, keys, ms: Math.round(performance.now() - started) };
}

/** Swaps the test-CRS key hashes into Aztec's vk tree (in place) and returns the old and new roots. */
export async function installTestCrsVkTree(keys: TestCrsKeys): Promise<{ aztecRoot: string; testRoot: string }> {
  const tree = getVKTree();
  const calculator = await MerkleTreeCalculator.create(VK_TREE_HEIGHT);
  const aztecRoot = getVKTreeRoot().toString();
  const check = await calculator.computeTree(tree.leaves);
  if (!check.root.equals(tree.root)) throw new Error("recomputing Aztec's vk tree from its own leaves gave another root: the hasher differs");
  const leaves = tree.leaves.slice();
  for (const [type, hash] of Object.entries(keys.hashes) as [AztecJobType, string][]) {
    const artifact = aztecCircuitFor(type)?.artifact;
    const index = artifact === undefined ? undefined : ProtocolCircuitVkIndexes[artifact];
    if (index === undefined) throw new Error(`no vk tree leaf for ${type}`);
    leaves[index] = Buffer.from(hash.replace(/^0x/, ''), 'hex');
  }
  const rebuilt = await calculator.computeTree(leaves);
  tree.nodes.splice(0, tree.nodes.length, ...rebuilt.nodes);
  return { aztecRoot, testRoot: getVKTreeRoot().toString() };
}
