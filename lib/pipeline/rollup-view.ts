/**
 * What the pipeline needs to know about the rollup on L1. Each profile's L1 adapter implements it with viem
 * (lib/l1 for the devnet); the pipeline itself stays free of chain details.
 */
export interface RollupTips {
  readonly pending: bigint;
  readonly proven: bigint;
}

export interface BlockProposalView {
  readonly effectsHash: `0x${string}`;
  readonly archive: `0x${string}`;
}

/** The blocks the next run should prove, or why no run should start yet. */
export type NextRange = { readonly from: bigint; readonly to: bigint } | { readonly wait: string };

export interface RollupView {
  readTips(): Promise<RollupTips>;
  blockProposal(blockNumber: bigint): Promise<BlockProposalView>;
  /**
   * Optional, for rollups whose proofs must cover fixed units (Aztec: the checkpoints of one epoch, from its
   * first, once the epoch is over): the range a run starting at `from` (the first block no run covers yet)
   * must prove, with `to` ≤ `pending`, or `{ wait }` with the reason none can start yet. Without it the poller
   * cuts ranges of at most `maxBlocks` blocks.
   */
  nextRange?(params: { readonly from: bigint; readonly pending: bigint; readonly maxBlocks: number }): Promise<NextRange>;
}

/** What Submit needs on top of reading: the profile's L1 adapter sends the root proof. */
export interface RollupSubmitter extends RollupView {
  /** Seconds left to submit a proof starting at `fromBlock` (negative once expired); undefined if no window. */
  secondsLeftToProve(fromBlock: bigint): Promise<bigint | undefined>;
  /** A transaction from the submitter is sent but not mined: sending another could double-submit. */
  hasPendingTransaction(): Promise<boolean>;
  submitRootProof(args: {
    readonly fromBlock: bigint;
    readonly toBlock: bigint;
    readonly publicInputs: Uint8Array;
    readonly proof: Uint8Array;
  }): Promise<{ readonly transactionHash: `0x${string}`; readonly gasUsed: bigint; readonly l1Block: bigint }>;
}
