/**
 * A protocol profile: everything the pipeline needs to know about one rollup's proving tree.
 * The orchestration (planner, state machine, job runner) depends only on this interface, so the devnet
 * and Aztec share one implementation of each piece of logic. No AWS imports here or anywhere in lib/proving.
 */

/** Compute a job needs; becomes one AWS Batch job definition per class (lib/infra). */
export interface ResourceClass {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Batch `attemptDurationSeconds`: a stuck prover is killed and retried rather than blocking a run. */
  readonly timeoutSeconds: number;
}

/** How one job type is proven. */
export interface CircuitSpec {
  readonly type: string;
  /** Key into `ProtocolProfile.resourceClasses`. */
  readonly resourceClass: string;
  /** log2 of the circuit size: decides the CRS size the prover image must carry. */
  readonly log2Size: number;
}

/** One tx of a block as the planner sees it. `kind` selects the profile's leaf chain. */
export interface TxShape {
  /** Stable identity of the tx (its hash); feeds the content-addressed job ids. */
  readonly hash: string;
  readonly kind: string;
}

export interface BlockShape {
  readonly number: number;
  readonly txs: readonly TxShape[];
  /** Aztec: blocks are grouped into checkpoints; devnet: one block per checkpoint. */
  readonly checkpoint?: number;
}

/** One node of the proving DAG. Ids are content-addressed (type + identity of inputs), like Aztec's broker. */
export interface PlannedJob {
  readonly id: string;
  readonly type: string;
  readonly children: readonly string[];
  readonly block: number;
  /** Index of the tx within its block, for leaf-chain jobs. */
  readonly tx?: number;
}

export interface JobGraph {
  readonly jobs: readonly PlannedJob[];
  readonly root: string;
}

export interface PlanOptions {
  /**
   * Identity the root proof commits to (the submitter). Part of the root job's id, so two provers sharing a
   * bucket never share a root proof that credits the wrong one.
   */
  readonly proverId?: string;
}

export interface ProtocolProfile {
  readonly name: string;
  readonly jobTypes: readonly string[];
  readonly resourceClasses: Readonly<Record<string, ResourceClass>>;
  readonly circuits: Readonly<Record<string, CircuitSpec>>;
  /** Tx kinds this profile knows (devnet: `tx`; aztec: `private`, `public`). */
  readonly txKinds: readonly string[];
  /** The whole proving DAG for a range of blocks, following the profile's tree rules. */
  planRange(blocks: readonly BlockShape[], options?: PlanOptions): JobGraph;
}
