/**
 * The age of the oldest running run, as a CloudWatch metric the poller publishes on every poll: a run stuck in
 * a queue (no capacity, a wedged job) then alarms once it is older than the proof window, not hours later when
 * the state machine times out. Published in CloudWatch's embedded metric format: one JSON line on stdout that
 * CloudWatch Logs turns into the metric — no PutMetricData call, so no permission beyond the function's own log
 * group (Lambda passes JSON lines through unchanged in its JSON log format).
 */

/** Where the metric lives; the alarm (lib/infra/prover-observability.ts) reads the same names. */
export const RUN_AGE_METRIC = {
  namespace: 'AztecAwsProver',
  name: 'OldestRunAgeSeconds',
  /** One series per state machine (the poller's STATE_MACHINE_ARN). */
  dimension: 'StateMachineArn',
} as const;

export interface RunAgeSample {
  readonly stateMachineArn: string;
  /** Start of the oldest running execution; undefined when none runs (the age is then 0). */
  readonly oldestRunStartedAt: Date | undefined;
  readonly now: Date;
}

/** The embedded-metric-format document of one sample. */
export function runAgeDocument(sample: RunAgeSample): Record<string, unknown> {
  const started = sample.oldestRunStartedAt;
  const ageSeconds = started ? Math.max(0, Math.floor((sample.now.getTime() - started.getTime()) / 1000)) : 0;
  return {
    _aws: {
      Timestamp: sample.now.getTime(),
      CloudWatchMetrics: [
        { Namespace: RUN_AGE_METRIC.namespace, Dimensions: [[RUN_AGE_METRIC.dimension]], Metrics: [{ Name: RUN_AGE_METRIC.name, Unit: 'Seconds' }] },
      ],
    },
    [RUN_AGE_METRIC.dimension]: sample.stateMachineArn,
    [RUN_AGE_METRIC.name]: ageSeconds,
  };
}

/** Writes the sample as one line, straight to the stream (not through console, which would prefix it). */
export function publishRunAge(sample: RunAgeSample, out: { write(line: string): unknown } = process.stdout): void {
  out.write(`${JSON.stringify(runAgeDocument(sample))}\n`);
}
