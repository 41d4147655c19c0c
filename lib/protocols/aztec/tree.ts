/**
 * Aztec's proving tree for a range of blocks (one epoch proof), as built by `@aztec/prover-client` 4.1.2/5.2.0
 * src/orchestrator/{block,checkpoint}-proving-state.ts, epoch-proving-state.ts (5.2.0: top-tree-proving-state.ts):
 *
 * - tx: private → PRIVATE_TX_BASE_ROLLUP; public → PUBLIC_CHONK_VERIFIER ‖ PUBLIC_VM → PUBLIC_TX_BASE_ROLLUP.
 * - block of N txs: N−2 TX_MERGE_ROLLUP + block root over two; N=1 single-tx root; N=0 (first block of a
 *   checkpoint only) empty-tx root. The first block of a checkpoint uses the *_FIRST roots and also takes the
 *   checkpoint's PARITY_ROOT over 4 PARITY_BASE (listed first among its children, as in Aztec's inputs).
 * - checkpoint of B blocks: B=1 CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP, else B−2 BLOCK_MERGE_ROLLUP +
 *   CHECKPOINT_ROOT_ROLLUP.
 * - epoch of M checkpoints: M=1 ROOT_ROLLUP over (checkpoint root, CHECKPOINT_PADDING_ROLLUP), else M−2
 *   CHECKPOINT_MERGE_ROLLUP + ROOT_ROLLUP.
 * All merges follow the unbalanced rule in lib/proving/planner.ts.
 */
import { InputError } from '../../errors.ts';
import type { ProfileName } from '../../profile-names.ts';
import { JobGraphBuilder } from '../../proving/graph.ts';
import { rootChildren, rootIdentity, type MergeFactory } from '../../proving/planner.ts';
import type { BlockShape, JobGraph, PlanOptions, TxShape } from '../../proving/profile.ts';
import { validateRange } from '../../proving/range.ts';
import { AZTEC_TX_KINDS, NUM_BASE_PARITY_PER_ROOT_PARITY, type AztecJobType } from './job-types.ts';

export const AZTEC_PROFILE_NAME = 'aztec' satisfies ProfileName;

interface Checkpoint {
  /** Identity of the checkpoint in job ids (its L1→L2 messages feed the parity circuits). */
  readonly key: string;
  readonly blocks: readonly BlockShape[];
}

export function planAztecRange(blocks: readonly BlockShape[], options: PlanOptions = {}): JobGraph {
  validateRange({ name: AZTEC_PROFILE_NAME, txKinds: AZTEC_TX_KINDS }, blocks, { allowEmptyBlocks: true });
  const planner = new AztecPlanner();
  const checkpointRoots = groupCheckpoints(blocks).map((cp) => planner.checkpoint(cp));
  return planner.finish(planner.epoch(checkpointRoots, blocks[0]!.number, rootIdentity(options)));
}

/**
 * Consecutive blocks with the same `checkpoint` form one checkpoint; checkpoint numbers must be consecutive.
 * Without checkpoint numbers the whole range is one checkpoint.
 */
function groupCheckpoints(blocks: readonly BlockShape[]): Checkpoint[] {
  const numbered = blocks.filter((b) => b.checkpoint !== undefined).length;
  if (numbered === 0) return [{ key: `checkpoint-at-block:${blocks[0]!.number}`, blocks }];
  if (numbered !== blocks.length) {
    throw new InputError('aztec: give every block a checkpoint number, or none (= one checkpoint)');
  }
  const groups: BlockShape[][] = [];
  for (const block of blocks) {
    const last = groups.at(-1);
    const current = last?.[0]?.checkpoint;
    if (last && current === block.checkpoint) {
      last.push(block);
      continue;
    }
    if (!Number.isSafeInteger(block.checkpoint) || block.checkpoint! < 0) {
      throw new InputError(`aztec: block ${block.number} has invalid checkpoint ${block.checkpoint}`);
    }
    if (current !== undefined && block.checkpoint !== current + 1) {
      throw new InputError(
        `aztec: checkpoints must be consecutive, got checkpoint ${block.checkpoint} after ${current} ` +
          `(block ${block.number})`,
      );
    }
    groups.push([block]);
  }
  return groups.map((group) => ({ key: `checkpoint:${group[0]!.checkpoint}`, blocks: group }));
}

class AztecPlanner {
  readonly #graph = new JobGraphBuilder(AZTEC_PROFILE_NAME);

  checkpoint(cp: Checkpoint): string {
    const first = cp.blocks[0]!;
    const parityRoot = this.#parity(cp.key, first.number);
    const blockRoots = cp.blocks.map((block, i) => this.#block(block, i === 0 ? parityRoot : undefined));
    if (blockRoots.length === 1) {
      return this.#add('CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP', blockRoots, first.number, [cp.key]);
    }
    const children = rootChildren(blockRoots, this.#merger('BLOCK_MERGE_ROLLUP'));
    return this.#add('CHECKPOINT_ROOT_ROLLUP', children, first.number, [cp.key]);
  }

  epoch(checkpointRoots: readonly string[], firstBlock: number, rootId: readonly string[] = []): string {
    if (checkpointRoots.length === 1) {
      // The root circuit always verifies two checkpoint proofs; a lone checkpoint gets an input-free padding one.
      const padding = this.#add('CHECKPOINT_PADDING_ROLLUP', [], firstBlock, [`epoch-at-block:${firstBlock}`]);
      return this.#add('ROOT_ROLLUP', [checkpointRoots[0]!, padding], firstBlock, rootId);
    }
    return this.#add('ROOT_ROLLUP', rootChildren(checkpointRoots, this.#merger('CHECKPOINT_MERGE_ROLLUP')), firstBlock, rootId);
  }

  finish(root: string): JobGraph {
    return this.#graph.build(root);
  }

  #block(block: BlockShape, parityRoot: string | undefined): string {
    const txRoots = rootChildren(
      block.txs.map((tx, i) => this.#tx(tx, i, block.number)),
      this.#merger('TX_MERGE_ROLLUP'),
    );
    const identity = [`block:${block.number}`];
    if (parityRoot !== undefined) {
      const type =
        txRoots.length === 0
          ? 'BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP'
          : txRoots.length === 1
            ? 'BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP'
            : 'BLOCK_ROOT_FIRST_ROLLUP';
      return this.#add(type, [parityRoot, ...txRoots], block.number, identity);
    }
    if (txRoots.length === 0) {
      throw new InputError(
        `aztec: block ${block.number} has no txs; only the first block of a checkpoint may be empty`,
      );
    }
    const type = txRoots.length === 1 ? 'BLOCK_ROOT_SINGLE_TX_ROLLUP' : 'BLOCK_ROOT_ROLLUP';
    return this.#add(type, txRoots, block.number, identity);
  }

  #tx(tx: TxShape, index: number, block: number): string {
    const identity = [`tx:${tx.hash}`, `block:${block}`];
    const leaf = (type: AztecJobType) => this.#graph.add({ type, children: [], identity, block, tx: index });
    if (tx.kind === 'private') return leaf('PRIVATE_TX_BASE_ROLLUP');
    const children = [leaf('PUBLIC_CHONK_VERIFIER'), leaf('PUBLIC_VM')];
    return this.#graph.add({ type: 'PUBLIC_TX_BASE_ROLLUP', children, block, tx: index });
  }

  #parity(checkpointKey: string, block: number): string {
    const bases = Array.from({ length: NUM_BASE_PARITY_PER_ROOT_PARITY }, (_, i) =>
      this.#add('PARITY_BASE', [], block, [checkpointKey, `parity-base:${i}`]),
    );
    return this.#add('PARITY_ROOT', bases, block);
  }

  #merger(type: AztecJobType): MergeFactory {
    return (left, right) => this.#add(type, [left, right], this.#graph.get(left).block);
  }

  #add(type: AztecJobType, children: readonly string[], block: number, identity: readonly string[] = []): string {
    return this.#graph.add({ type, children, block, identity });
  }
}

