/**
 * lib/aws/batch-prewarm.ts against a test double of the Batch API (FakeBatchApi below): LocalStack's free line
 * (4.14) has no Batch service, so neither DescribeComputeEnvironments nor UpdateComputeEnvironment can run there.
 * The double answers the real SDK commands as Batch documents them: Describe returns the environments asked for,
 * Update refuses a desiredvCpus below the current one ("Manually scaling down compute environment is not
 * supported") or outside [minvCpus, maxvCpus].
 */
import {
  BatchServiceException,
  ClientException,
  DescribeComputeEnvironmentsCommand,
  UpdateComputeEnvironmentCommand,
  type ComputeEnvironmentDetail,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BatchCapacityWarmer, parsePrewarmOutput, prewarmComputeEnvironments, prewarmTargetFromEnv, type BatchSend } from '../../lib/aws/batch-prewarm.ts';

const SPOT = 'arn:aws:batch:us-east-1:123456789012:compute-environment/Spot';
const ON_DEMAND = 'arn:aws:batch:us-east-1:123456789012:compute-environment/OnDemand';

interface FakeEnvironment {
  desired: number;
  readonly min: number;
  readonly max: number;
  state?: 'ENABLED' | 'DISABLED';
  status?: 'VALID' | 'UPDATING';
}

/** Test double of the Batch API: the two calls pre-warm makes, with Batch's documented rules. */
class FakeBatchApi implements BatchSend {
  readonly calls: { name: string; input: unknown }[] = [];
  describeError?: Error;
  updateError?: Error;

  constructor(readonly environments: Record<string, FakeEnvironment>) {}

  send: BatchSend['send'] = (async (command: unknown) => {
    if (command instanceof DescribeComputeEnvironmentsCommand) {
      this.calls.push({ name: 'Describe', input: command.input });
      if (this.describeError) throw this.describeError;
      const asked = command.input.computeEnvironments ?? Object.keys(this.environments);
      const details: ComputeEnvironmentDetail[] = asked
        .filter((arn) => arn in this.environments)
        .map((arn) => {
          const e = this.environments[arn]!;
          return {
            computeEnvironmentArn: arn,
            computeEnvironmentName: arn.split('/').pop()!,
            type: 'MANAGED',
            state: e.state ?? 'ENABLED',
            status: e.status ?? 'VALID',
            computeResources: { type: 'SPOT', minvCpus: e.min, maxvCpus: e.max, desiredvCpus: e.desired, subnets: [], instanceRole: 'r' },
          } as ComputeEnvironmentDetail;
        });
      return { computeEnvironments: details, $metadata: {} };
    }
    if (command instanceof UpdateComputeEnvironmentCommand) {
      this.calls.push({ name: 'Update', input: command.input });
      if (this.updateError) throw this.updateError;
      const e = this.environments[command.input.computeEnvironment!];
      const desired = command.input.computeResources?.desiredvCpus;
      if (!e || desired === undefined) throw clientError('compute environment not found');
      if (desired < e.desired) throw clientError('Manually scaling down compute environment is not supported. Disconnecting job queues from compute environment will cause it to scale-down to minvCpus.');
      if (desired < e.min || desired > e.max) throw clientError(`desiredvCpus must be between minvCpus and maxvCpus`);
      e.desired = desired;
      e.status = 'UPDATING';
      return { computeEnvironmentArn: command.input.computeEnvironment, $metadata: {} };
    }
    throw new Error(`FakeBatchApi: unexpected command ${String(command)}`);
  }) as BatchSend['send'];

  updates(): { computeEnvironment?: string; desiredvCpus?: number }[] {
    return this.calls
      .filter((c) => c.name === 'Update')
      .map((c) => {
        const input = c.input as UpdateComputeEnvironmentCommand['input'];
        return { computeEnvironment: input.computeEnvironment, desiredvCpus: input.computeResources?.desiredvCpus };
      });
  }
}

function clientError(message: string): ClientException {
  return new ClientException({ message, $metadata: { httpStatusCode: 400 } });
}

function throttled(): BatchServiceException {
  return new BatchServiceException({ name: 'TooManyRequestsException', $fault: 'client', message: 'Too Many Requests', $metadata: { httpStatusCode: 429 } });
}

function logged() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  return { lines, log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => lines.push({ level, message, fields }) };
}

describe('prewarmComputeEnvironments (Batch test double)', () => {
  it('describes first, then raises desired vCPUs of the first environment to the target', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 }, [ON_DEMAND]: { desired: 0, min: 0, max: 14_336 } });
    const { lines, log } = logged();
    const outcomes = await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT, ON_DEMAND], vcpus: 288 }, log);
    expect(api.calls.map((c) => c.name)).toEqual(['Describe', 'Update']);
    expect(api.updates()).toEqual([{ computeEnvironment: SPOT, desiredvCpus: 288 }]);
    expect(outcomes).toEqual([
      { computeEnvironment: SPOT, action: 'raised', from: 0, to: 288 },
      { computeEnvironment: ON_DEMAND, action: 'skipped', reason: 'target met by earlier environments' },
    ]);
    expect(lines).toEqual([{ level: 'info', message: 'pre-warm: raised desired vCPUs', fields: outcomes[0] }]);
  });

  it("caps each environment at its maxvCpus and fills the next in queue order (as the capacity model)", async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 }, [ON_DEMAND]: { desired: 0, min: 0, max: 14_336 } });
    await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT, ON_DEMAND], vcpus: 20_000 });
    expect(api.updates()).toEqual([
      { computeEnvironment: SPOT, desiredvCpus: 14_336 },
      { computeEnvironment: ON_DEMAND, desiredvCpus: 20_000 - 14_336 },
    ]);
    const capped = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 256 } });
    await prewarmComputeEnvironments(capped, { computeEnvironments: [SPOT], vcpus: 28_672 });
    expect(capped.updates()).toEqual([{ computeEnvironment: SPOT, desiredvCpus: 256 }]);
  });

  it('never lowers a higher current desired count, and is idempotent', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 1_024, min: 0, max: 14_336 } });
    expect(await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT], vcpus: 288 })).toEqual([
      { computeEnvironment: SPOT, action: 'already', from: 1_024, to: 1_024 },
    ]);
    expect(api.updates()).toEqual([]);
    expect(api.environments[SPOT]!.desired).toBe(1_024);

    const fresh = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 } });
    await prewarmComputeEnvironments(fresh, { computeEnvironments: [SPOT], vcpus: 512 });
    fresh.environments[SPOT]!.status = 'VALID'; // the update finished
    expect(await prewarmComputeEnvironments(fresh, { computeEnvironments: [SPOT], vcpus: 512 })).toEqual([
      { computeEnvironment: SPOT, action: 'already', from: 512, to: 512 },
    ]);
    expect(fresh.updates()).toHaveLength(1);
  });

  it('disabled at 0 vCPUs (or with no environments): no Batch call at all', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 } });
    expect(await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT], vcpus: 0 })).toEqual([
      { computeEnvironment: SPOT, action: 'skipped', reason: 'pre-warm disabled' },
    ]);
    expect(await prewarmComputeEnvironments(api, { computeEnvironments: [], vcpus: 288 })).toEqual([]);
    expect(api.calls).toEqual([]);
  });

  it('leaves alone an environment being updated, disabled or unknown', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336, status: 'UPDATING' }, [ON_DEMAND]: { desired: 0, min: 0, max: 14_336, state: 'DISABLED' } });
    const outcomes = await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT, ON_DEMAND, `${SPOT}-gone`], vcpus: 30_000 });
    expect(outcomes.map((o) => [o.action, o.reason])).toEqual([
      ['skipped', 'state ENABLED, status UPDATING'],
      ['skipped', 'state DISABLED, status VALID'],
      ['skipped', 'no such compute environment'],
    ]);
    expect(api.updates()).toEqual([]);
  });

  it('errors are logged and returned, never thrown: a throttled update (after the SDK retries) fails only that environment', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 } });
    api.updateError = throttled();
    const { lines, log } = logged();
    const outcomes = await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT], vcpus: 288 }, log);
    expect(outcomes).toEqual([{ computeEnvironment: SPOT, action: 'failed', from: 0, to: 288, reason: 'TooManyRequestsException: Too Many Requests' }]);
    expect(lines.map((l) => [l.level, l.message])).toEqual([['warn', 'pre-warm failed (capacity scales on demand instead)']]);
  });

  it('Describe refused (e.g. no resource-level permission): requests shares of the configured maxVcpus unread; Batch refuses any decrease', async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 2_048, min: 0, max: 1_024 * 14 }, [ON_DEMAND]: { desired: 0, min: 0, max: 14_336 } });
    api.describeError = Object.assign(new Error('User is not authorized to perform: batch:DescribeComputeEnvironments'), { name: 'AccessDeniedException' });
    const { lines, log } = logged();
    const outcomes = await prewarmComputeEnvironments(api, { computeEnvironments: [SPOT, ON_DEMAND], vcpus: 300, maxVcpus: 14_336 }, log);
    // SPOT: 300 < its current 2,048 → Batch refuses ("already"), nothing lowered; the share is held there.
    expect(outcomes).toEqual([
      { computeEnvironment: SPOT, action: 'already', reason: 'desired vCPUs already higher' },
      { computeEnvironment: ON_DEMAND, action: 'skipped', reason: 'target met by earlier environments' },
    ]);
    expect(api.environments[SPOT]!.desired).toBe(2_048);
    expect(lines[0]).toMatchObject({ level: 'warn', message: 'pre-warm: DescribeComputeEnvironments failed' });
    expect(String(lines[0]!.fields['error'])).toMatch(/^AccessDeniedException: /);

    const none = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 } });
    none.describeError = throttled();
    expect(await prewarmComputeEnvironments(none, { computeEnvironments: [SPOT], vcpus: 288 })).toEqual([
      { computeEnvironment: SPOT, action: 'failed', reason: 'DescribeComputeEnvironments failed' },
    ]);
    expect(none.updates()).toEqual([]);
  });
});

describe('pre-warm wiring', () => {
  it('the poller reads its target from the environment the stack sets', () => {
    expect(prewarmTargetFromEnv({ PREWARM_VCPUS: 288, PREWARM_COMPUTE_ENVIRONMENTS: [SPOT, ON_DEMAND], PREWARM_MAX_VCPUS: 14_336 })).toEqual({
      vcpus: 288,
      computeEnvironments: [SPOT, ON_DEMAND],
      maxVcpus: 14_336,
    });
    expect(prewarmTargetFromEnv({})).toEqual({ vcpus: 0, computeEnvironments: [] });
  });

  it('the broker reads its target from the stack output BrokerPrewarm; off when absent or 0', () => {
    expect(parsePrewarmOutput(JSON.stringify({ vcpus: 28_672, computeEnvironments: [SPOT, ON_DEMAND], maxVcpus: 14_336 }))).toEqual({
      vcpus: 28_672,
      computeEnvironments: [SPOT, ON_DEMAND],
      maxVcpus: 14_336,
    });
    expect(parsePrewarmOutput(JSON.stringify({ vcpus: 0, computeEnvironments: [] }))).toBeUndefined();
    expect(parsePrewarmOutput(undefined)).toBeUndefined();
  });

  it("BatchCapacityWarmer (the broker's port on AWS) pre-warms and tags its log lines with the epoch", async () => {
    const api = new FakeBatchApi({ [SPOT]: { desired: 0, min: 0, max: 14_336 } });
    const { lines, log } = logged();
    await new BatchCapacityWarmer(api, { computeEnvironments: [SPOT], vcpus: 288 }, log).warm(7);
    expect(api.updates()).toEqual([{ computeEnvironment: SPOT, desiredvCpus: 288 }]);
    expect(lines[0]!.fields).toMatchObject({ epoch: 7, action: 'raised', to: 288 });
  });
});
