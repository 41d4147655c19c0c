/**
 * Aztec's unbalanced merge-tree rule, shared by both profiles (`@aztec/foundation` src/trees/
 * unbalanced_tree_store.ts): at every node the largest power-of-two subtree goes left, the remainder recurses
 * right, and nothing is padded. So N leaves merged all the way to one node take exactly N−1 merges.
 */

/** Builds one merge job over two child ids and returns its id. */
import type { PlanOptions } from './profile.ts';

export type MergeFactory = (left: string, right: string) => string;

/** Size of the left subtree of an unbalanced node over `n` ≥ 2 leaves: the largest power of two below n. */
export function leftSubtreeSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new Error(`a merge needs at least 2 leaves, got ${n}`);
  let size = 1;
  while (size * 2 < n) size *= 2;
  return size;
}

/** Merges `nodes` into one with N−1 merges; a single node is returned as is. */
export function mergeToOne(nodes: readonly string[], merge: MergeFactory): string {
  if (nodes.length === 0) throw new Error('cannot merge an empty list of nodes');
  if (nodes.length === 1) return nodes[0]!;
  const split = leftSubtreeSize(nodes.length);
  const left = mergeToOne(nodes.slice(0, split), merge);
  const right = mergeToOne(nodes.slice(split), merge);
  return merge(left, right);
}

/**
 * The children of a level's root circuit (block root, checkpoint root, epoch root), which itself verifies up
 * to two proofs: N=0 → none, N=1 → the single node, N≥2 → the roots of the left and right unbalanced
 * subtrees, built with N−2 merges.
 */
export function rootChildren(nodes: readonly string[], merge: MergeFactory): string[] {
  if (nodes.length <= 1) return [...nodes];
  const split = leftSubtreeSize(nodes.length);
  return [mergeToOne(nodes.slice(0, split), merge), mergeToOne(nodes.slice(split), merge)];
}

/** Identity parts of a range's root job (see PlanOptions.proverId). */
export function rootIdentity(options: PlanOptions): string[] {
  return options.proverId === undefined ? [] : [`prover:${options.proverId.toLowerCase()}`];
}
