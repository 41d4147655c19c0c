/**
 * Devnet tree rules: per tx TUBE → BASE; per block the bases merge up Aztec's unbalanced tree into a
 * BLOCK_ROOT (N=1: over the single base; N≥2: N−2 MERGE + BLOCK_ROOT over two); block roots merge the same
 * way (B−1 BLOCK_MERGE) into one proof that ROOT verifies. ROOT always has exactly one child, unlike Aztec's
 * two-child root: one root circuit means one vk, so L1 needs one verifier, and the one-proof root is half the
 * gates of a two-proof one. One block per checkpoint, so `BlockShape.checkpoint` is ignored.
 */
import type { ProfileName } from '../../profile-names.ts';
import { JobGraphBuilder, type NewJob } from '../../proving/graph.ts';
import { mergeToOne, rootChildren, rootIdentity, type MergeFactory } from '../../proving/planner.ts';
import type { BlockShape, JobGraph, PlanOptions } from '../../proving/profile.ts';
import { validateRange } from '../../proving/range.ts';
import { DEVNET_TX_KINDS, type DevnetJobType } from './job-circuit-sizes.ts';

export const DEVNET_PROFILE_NAME = 'devnet' satisfies ProfileName;

export function planDevnetRange(blocks: readonly BlockShape[], options: PlanOptions = {}): JobGraph {
  validateRange({ name: DEVNET_PROFILE_NAME, txKinds: DEVNET_TX_KINDS }, blocks, { allowEmptyBlocks: false });
  const graph = new JobGraphBuilder(DEVNET_PROFILE_NAME);
  const add = (type: DevnetJobType, children: string[], block: number, extra: Pick<NewJob, 'identity' | 'tx'> = {}) =>
    graph.add({ type, children, block, ...extra });
  const firstBlockOf = (id: string) => graph.get(id).block;
  const merger =
    (type: DevnetJobType): MergeFactory =>
    (left, right) =>
      add(type, [left, right], firstBlockOf(left));

  const blockRoots = blocks.map((block) => {
    const bases = block.txs.map((tx, i) => {
      const tube = add('TUBE', [], block.number, { identity: [`tx:${tx.hash}`, `block:${block.number}`], tx: i });
      return add('BASE', [tube], block.number, { tx: i });
    });
    return add('BLOCK_ROOT', rootChildren(bases, merger('MERGE')), block.number, {
      identity: [`block:${block.number}`],
    });
  });
  const root = add('ROOT', [mergeToOne(blockRoots, merger('BLOCK_MERGE'))], blocks[0]!.number, { identity: rootIdentity(options) });
  return graph.build(root);
}
