/** Validation of the block range handed to `ProtocolProfile.planRange`. */
import { InputError } from '../errors.ts';
import type { BlockShape, ProtocolProfile } from './profile.ts';

export interface RangeRules {
  /** Whether a block may have no txs at all (profile-specific; Aztec further restricts where). */
  readonly allowEmptyBlocks: boolean;
}

/**
 * Checks a range: at least one block, consecutive block numbers, known tx kinds, non-empty tx hashes, no tx
 * hash twice in the range (content-addressed ids would collide).
 */
export function validateRange(
  profile: Pick<ProtocolProfile, 'name' | 'txKinds'>,
  blocks: readonly BlockShape[],
  rules: RangeRules,
): void {
  if (blocks.length === 0) throw new InputError(`${profile.name}: a range needs at least one block`);
  const seen = new Map<string, number>();
  blocks.forEach((block, i) => {
    if (!Number.isSafeInteger(block.number) || block.number < 0) {
      throw new InputError(`${profile.name}: block number must be a non-negative integer, got ${block.number}`);
    }
    const previous = blocks[i - 1];
    if (previous && block.number !== previous.number + 1) {
      throw new InputError(
        `${profile.name}: blocks must be consecutive, got ${block.number} after ${previous.number}`,
      );
    }
    if (block.txs.length === 0 && !rules.allowEmptyBlocks) {
      throw new InputError(`${profile.name}: block ${block.number} has no txs; this profile needs at least one`);
    }
    block.txs.forEach((tx, t) => {
      if (typeof tx.hash !== 'string' || tx.hash.length === 0) {
        throw new InputError(`${profile.name}: block ${block.number} tx ${t} has an empty hash`);
      }
      if (!profile.txKinds.includes(tx.kind)) {
        throw new InputError(
          `${profile.name}: block ${block.number} tx ${t} has unknown kind ${JSON.stringify(tx.kind)} ` +
            `(known: ${profile.txKinds.join(', ')})`,
        );
      }
      const other = seen.get(tx.hash);
      if (other !== undefined) {
        throw new InputError(`${profile.name}: tx ${tx.hash} appears twice (blocks ${other} and ${block.number})`);
      }
      seen.set(tx.hash, block.number);
    });
  });
}
