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

export interface RollupView {
  readTips(): Promise<RollupTips>;
  blockProposal(blockNumber: bigint): Promise<BlockProposalView>;
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
