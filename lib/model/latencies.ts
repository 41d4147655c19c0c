import { SUBMIT_JOB_RETRY } from './fixes.ts';

/**
 * The latencies and rates the model charges between proving jobs, as named constants with their sources.
 * "estimate" marks a figure no AWS document states; change it here (or pass a modified copy) when a deployed
 * run measures it. Seconds unless the name says otherwise.
 */

/** Step Functions' Retry policy on a throttled SubmitJob (interval × backoff^(n−1), full jitter). */
export interface RetryPolicy {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  /** Attempts in total, the first one included (Step Functions' MaxAttempts + 1). */
  readonly maxAttempts: number;
  /** Cap on one retry's delay (Step Functions' MaxDelaySeconds); Infinity for none. */
  readonly maxDelaySeconds: number;
}

export interface Latencies {
  // ---- levels design: poller → Plan → Distributed Map per level ---------------------------------------------
  /** Range end → the poller's next tick (the schedule's mean wait). */
  readonly pollDelaySeconds: number;
  /** StartExecution → the first state runs. */
  readonly startExecutionSeconds: number;
  /** A Lambda task's cold start (Plan; the Submit Lambda is after the root proof, outside the makespan). */
  readonly lambdaColdStartSeconds: number;
  /** Plan's L1 checks and block-record reads before it writes anything. */
  readonly planFixedSeconds: number;
  /** One S3 PUT from Plan (job spec, level list, plan.json). */
  readonly s3PutSeconds: number;
  /** Fixed cost of one Distributed Map level: ItemReader, Map Run start and close, the loop's Pass/Choice states. */
  readonly distributedMapFixedSeconds: number;
  /** One child execution's own overhead: start, ProveChain's inline Map, ChainProven, close. */
  readonly childExecutionSeconds: number;
  /** Between two steps of one chain (the inline Map's next iteration and RouteByClass). */
  readonly stateTransitionSeconds: number;
  // ---- AWS Batch -------------------------------------------------------------------------------------------
  /** SubmitJob calls per second the account may make, and the bucket's burst. */
  readonly submitJobRate: number;
  readonly submitJobBurst: number;
  /** The task's Retry on Batch.TooManyRequestsException. */
  readonly submitRetry: RetryPolicy;
  /** SubmitJob accepted → the job is placed on idle, ready capacity (SUBMITTED → RUNNABLE → STARTING). */
  readonly batchSchedulingSeconds: number;
  /** STARTING → RUNNING on an instance that already holds the image. */
  readonly containerStartSeconds: number;
  /** A new instance: Batch's scale-up decision, EC2 launch, ECS registration and the image pull. */
  readonly instanceColdStartSeconds: number;
  /** An idle instance is terminated this long after its last job (Batch's scale-down; minScaleDownDelayMinutes). */
  readonly scaleDownSeconds: number;
  /** The job's container stopped → the `.sync` task completes (EventBridge). */
  readonly syncCompletionSeconds: number;
  // ---- broker (dataflow) design ------------------------------------------------------------------------------
  /** The node enqueues a job → the broker stored it and its per-job execution reached SubmitJob. */
  readonly brokerDispatchSeconds: number;
  /** The job's `.sync` completion → RecordFulfilled wrote the outcome. */
  readonly brokerRecordSeconds: number;
  /** The outcome recorded → the node's facade sees it (it polls completed jobs every second). */
  readonly facadePollSeconds: number;
  /** The node sees a job's last child finished → it enqueued the parent (inputs built and uploaded). */
  readonly orchestratorEnqueueSeconds: number;
  /** A failed round (e.g. SubmitJob retries exhausted) waits this long before the next one. */
  readonly brokerRoundBackoffSeconds: number;
  readonly brokerMaxRounds: number;
}

/** c7a.16xlarge-class agent of a fixed fleet: the job is handed out by the broker the agent polls. */
export const FLEET_DISPATCH_SECONDS = 1; // Aztec's ProvingAgent polls its broker about every second (estimate).

/** The deployed stack on AWS, as configured today (lib/infra). */
export const AWS_LATENCIES: Latencies = {
  // cdk.json pollSchedule rate(1 minute): a range ends, on average, half a minute before the next poll.
  pollDelaySeconds: 30,
  startExecutionSeconds: 0.2, // estimate
  lambdaColdStartSeconds: 1, // estimate: Node.js 22 Lambda with the AWS SDK and viem bundled
  planFixedSeconds: 1, // estimate: a few L1 RPC round trips and block-record reads
  s3PutSeconds: 0.025, // issue 14: ~25 ms per sequential PUT from Lambda
  distributedMapFixedSeconds: 7, // ARCHITECTURE §6: ~7 s fixed per Distributed Map level (estimate)
  childExecutionSeconds: 1, // estimate: a Standard child execution's start, Map and Pass states, close
  stateTransitionSeconds: 0.05, // estimate: one Standard state transition
  submitJobRate: 50, // AWS Batch service quotas: 50 SubmitJob TPS per account and Region, fixed
  submitJobBurst: 50, // estimate: AWS does not publish the bucket size
  submitRetry: SUBMIT_JOB_RETRY, // lib/infra/prover-job-task.ts reads the same constant
  batchSchedulingSeconds: 15, // estimate: Batch evaluates its queues periodically; ~10–30 s reported warm
  containerStartSeconds: 2, // estimate: image already on the instance (ECS_IMAGE_PULL_BEHAVIOR=once)
  instanceColdStartSeconds: 180, // ARCHITECTURE §5/§6: 2–5 min incl. the multi-GB image pull (low end)
  scaleDownSeconds: 300, // estimate: Batch scales idle instances in after a few minutes by default
  syncCompletionSeconds: 2, // estimate: `.sync` is event-driven through a managed EventBridge rule
  brokerDispatchSeconds: 0.5, // estimate: JSON-RPC enqueue, DynamoDB put, StartExecution, MarkInProgress
  brokerRecordSeconds: 0.2, // estimate: one conditional DynamoDB update
  facadePollSeconds: 0.5, // ARCHITECTURE §3: BrokerCircuitProverFacade polls getCompletedJobs every 1 s
  orchestratorEnqueueSeconds: 0.5, // estimate: the node builds the parent's inputs and PUTs them to S3
  brokerRoundBackoffSeconds: 20, // lib/infra/broker-job-definition.ts: roundBackoff 20 s
  brokerMaxRounds: 3, // lib/infra/broker-job-definition.ts: maxRounds 3
};

/**
 * The embedded local runtime (lib/local): no poll wait (`prover local` polls once, at once), in-process
 * Lambdas, a local S3 server, and the local Batch executor (a process per job under a concurrency limit, no
 * scheduler, no instances). Measured with `npm run bench` on the 2-vCPU VM (docs/benchmarks.md: Plan 0.2 s,
 * container start/stop 0.4 s per job, < 0.1 % idle between jobs); the job durations the model replays are the
 * executor's walls, so container start is inside them.
 */
export const LOCAL_LATENCIES: Latencies = {
  pollDelaySeconds: 0,
  startExecutionSeconds: 0.05,
  lambdaColdStartSeconds: 0,
  planFixedSeconds: 0.15,
  s3PutSeconds: 0.005,
  distributedMapFixedSeconds: 0.05,
  childExecutionSeconds: 0.02,
  stateTransitionSeconds: 0.01,
  submitJobRate: Infinity,
  submitJobBurst: Infinity,
  submitRetry: { intervalSeconds: 0, backoffRate: 1, maxAttempts: 1, maxDelaySeconds: 0 },
  batchSchedulingSeconds: 0,
  containerStartSeconds: 0,
  instanceColdStartSeconds: 0,
  scaleDownSeconds: 0,
  syncCompletionSeconds: 0.01,
  brokerDispatchSeconds: 0.05,
  brokerRecordSeconds: 0.01,
  facadePollSeconds: 0.5,
  orchestratorEnqueueSeconds: 0.1,
  brokerRoundBackoffSeconds: 20,
  brokerMaxRounds: 3,
};

/** Mainnet's epoch: 32 slots × 72 s (ARCHITECTURE §3); also its proof window. A fixed fleet is paid per epoch. */
export const MAINNET_EPOCH_SECONDS = 32 * 72;

/** cdk.json proofWindowMinutes default: the deadline `prover capacity` sizes for. */
export const PROOF_WINDOW_SECONDS = 38 * 60;
