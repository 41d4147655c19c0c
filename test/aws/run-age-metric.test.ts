import { describe, expect, it } from 'vitest';
import { RUN_AGE_METRIC, publishRunAge, runAgeDocument } from '../../lib/aws/run-age-metric.ts';
import { type Executions, type RunningExecution, pollOnce } from '../../lib/pipeline/poll.ts';
import type { RollupView } from '../../lib/pipeline/rollup-view.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Prover';

/** Running executions as given; nothing to start (L1's pending tip is proven). */
function poll(running: RunningExecution[]) {
  const executions: Executions = {
    listRunning: async () => running,
    status: async () => undefined,
    start: async () => {
      throw new Error('nothing should start');
    },
  };
  const rollup: RollupView = {
    readTips: async () => ({ pending: 7n, proven: 7n }),
    blockProposal: async () => {
      throw new Error('not read');
    },
  };
  return pollOnce({ profile: 'devnet', rollup, executions, maxBlocksPerRun: 4, maxRunsPerPoll: 4 });
}

describe('the poller reports the oldest running run', () => {
  it('the oldest start among running executions (any profile), even when nothing is left to start', async () => {
    const oldest = new Date('2026-01-01T10:00:00Z');
    const result = await poll([
      { name: 'devnet-0000000005-0000000006-aaaaaaaa', startedAt: new Date('2026-01-01T11:00:00Z') },
      { name: 'someone-elses-run', startedAt: oldest },
      { name: 'devnet-0000000007-0000000007-bbbbbbbb', startedAt: new Date('2026-01-01T10:30:00Z') },
    ]);
    expect(result.started).toEqual([]);
    expect(result.oldestRunStartedAt).toEqual(oldest);
  });

  it('none when nothing runs', async () => {
    expect((await poll([])).oldestRunStartedAt).toBeUndefined();
  });
});

describe('run age metric (CloudWatch embedded metric format)', () => {
  const now = new Date('2026-01-01T12:00:00Z');

  it('one JSON line on the stream: the age in seconds under the namespace, metric and dimension the alarm reads', () => {
    const lines: string[] = [];
    publishRunAge({ stateMachineArn: ARN, oldestRunStartedAt: new Date('2026-01-01T11:20:00.500Z'), now }, { write: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.trim()).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      _aws: {
        Timestamp: now.getTime(),
        CloudWatchMetrics: [{ Namespace: 'AztecAwsProver', Dimensions: [['StateMachineArn']], Metrics: [{ Name: 'OldestRunAgeSeconds', Unit: 'Seconds' }] }],
      },
      StateMachineArn: ARN,
      OldestRunAgeSeconds: 2399,
    });
  });

  it('0 when no run is running (the alarm gets a datapoint every poll)', () => {
    expect(runAgeDocument({ stateMachineArn: ARN, oldestRunStartedAt: undefined, now })[RUN_AGE_METRIC.name]).toBe(0);
  });

  it('a start in the future (clock skew) counts as 0, not negative', () => {
    expect(runAgeDocument({ stateMachineArn: ARN, oldestRunStartedAt: new Date(now.getTime() + 5000), now })[RUN_AGE_METRIC.name]).toBe(0);
  });
});
