/**
 * Aztec's Rollup behind the pipeline's profile-neutral ports (lib/pipeline/rollup-view.ts).
 *
 * Numbering: the pipeline's "block" numbers are Aztec **checkpoint** numbers here. The Rollup's tips, its
 * proofs (`submitEpochRootProof(start, end)`) and its archives are per checkpoint (what one L1 `propose`
 * adds; it holds one or more L2 blocks), so a run `from..to` proves checkpoints from..to. A checkpoint's
 * `effectsHash` is its header hash: it commits to the checkpoint's blobs (the tx effects) and out hash, and
 * the root proof's public inputs carry it.
 *
 * Ranges: L1 accepts an epoch proof only from the epoch's first checkpoint and within one epoch, so
 * `nextRange` hands the poller whole epochs — the oldest unproven one, once it is over (no checkpoint can join
 * it), while its proof window is open, and only if it fits one run.
 */
import type { Address, Chain, Client, Transport } from 'viem';
import type { NextRange, RollupView } from '../../../pipeline/rollup-view.ts';
import { getCheckpoint } from './get-checkpoint.ts';
import { getEpochForCheckpoint } from './get-epoch-for-checkpoint.ts';
import { readAztecTiming } from './read-aztec-timing.ts';
import { readAztecTips } from './read-aztec-tips.ts';
import { aztecL1Constants } from './rollup-abi.ts';

type ReadClient = Client<Transport, Chain | undefined>;

export function aztecRollupView(client: ReadClient, address: Address): RollupView {
  return {
    readTips: () => readAztecTips(client, { address }),
    async blockProposal(checkpointNumber) {
      const { headerHash, archive } = await getCheckpoint(client, { address, checkpointNumber });
      return { effectsHash: headerHash, archive };
    },
    nextRange: (params) => nextEpochRange(client, { address, ...params }),
  };
}

export interface NextEpochRangeParameters {
  readonly address: Address;
  /** First checkpoint no run covers yet (the proven tip + 1, or after the runs in flight). */
  readonly from: bigint;
  readonly pending: bigint;
  /** Checkpoints one run may prove (config maxBlocksPerRun). */
  readonly maxBlocks: number;
}

/**
 * The epoch starting at checkpoint `from` as a range `from..last` (its last pending checkpoint, found by
 * binary search over at most MAX_CHECKPOINTS_PER_EPOCH checkpoints), or why no run should start:
 * `from` is not the epoch's first checkpoint, the epoch is still open, its proof window has closed, or it
 * has more checkpoints than one run may prove.
 */
export async function nextEpochRange(client: ReadClient, params: NextEpochRangeParameters): Promise<NextRange> {
  const { address, from, pending } = params;
  const epochOf = (checkpointNumber: bigint) => getEpochForCheckpoint(client, { address, checkpointNumber });
  const epoch = await epochOf(from);
  if (from > 1n && (await epochOf(from - 1n)) === epoch) {
    return {
      wait:
        `checkpoint ${from} is not the first of epoch ${epoch} (checkpoint ${from - 1n}, proven or in a run, is in it too): ` +
        'L1 takes epoch proofs only from an epoch\'s first checkpoint; the rest of this epoch is proven by whoever proved its start, or pruned after its proof window',
    };
  }
  const timing = await readAztecTiming(client, { address });
  const deadlineEpoch = epoch + timing.proofSubmissionEpochs + 1n;
  if (timing.currentEpoch >= deadlineEpoch) {
    return { wait: `the proof window of epoch ${epoch} closed at the start of epoch ${deadlineEpoch} (now epoch ${timing.currentEpoch}): L1 rejects its proof and prunes checkpoints ${from}..${pending}` };
  }
  const last = await lastCheckpointOfEpoch(epochOf, epoch, from, minBig(pending, from + aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH - 1n));
  if (last === pending && timing.currentEpoch <= epoch) {
    return { wait: `epoch ${epoch} is still open (checkpoints ${from}..${last} so far): more checkpoints may join it` };
  }
  const count = last - from + 1n;
  if (count > BigInt(params.maxBlocks)) {
    return {
      wait: `epoch ${epoch} has ${count} checkpoints (${from}..${last}), more than one run may prove (maxBlocksPerRun ${params.maxBlocks}); an epoch proof cannot be split across runs — raise maxBlocksPerRun (an epoch has at most ${aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH})`,
    };
  }
  return { from, to: last };
}

/** Epochs never decrease along the chain, so the epoch's last checkpoint in `[first, bound]` is a binary search. */
async function lastCheckpointOfEpoch(epochOf: (n: bigint) => Promise<bigint>, epoch: bigint, first: bigint, bound: bigint): Promise<bigint> {
  if ((await epochOf(bound)) === epoch) return bound;
  let inside = first; // epochOf(inside) === epoch
  let outside = bound; // epochOf(outside) > epoch
  while (outside - inside > 1n) {
    const mid = (inside + outside) / 2n;
    if ((await epochOf(mid)) === epoch) inside = mid;
    else outside = mid;
  }
  return inside;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
