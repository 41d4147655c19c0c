/**
 * The poller's trigger on LocalStack. The stack runs the poller from an EventBridge *Scheduler* schedule
 * (lib/infra/chain-poller.ts). LocalStack 4.14's free Scheduler validates and stores schedules but never
 * invokes their targets (its provider is API-only), so:
 *   - the synthesized schedule is created through the Scheduler API (target swapped for an SQS queue) to check
 *     that its expression, input and retry policy are accepted as synthesized;
 *   - delivery is shown with an EventBridge rule carrying the same Input to an SQS queue (SQS stands in for the
 *     poller Lambda: running Lambdas needs Docker in LocalStack), and the delivered body parses as a PollEvent.
 */
import { DeleteRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollEventSchema } from '../../lib/pipeline/workflow-contract.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { resolveIntrinsics, type CfnTemplate } from '../../lib/local/template.ts';
import { ACCOUNT, localstack } from './aws-clients.ts';

const ls = localstack();
const events = ls.events();
const sqs = ls.sqs();
const scheduler = ls.scheduler();
const rules: string[] = [];

/** The stack's poll schedule, as synthesized (intrinsics resolved to local fakes). */
let schedule: {
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  State?: string;
  Target: { Input: string; RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number } };
};

beforeAll(async () => {
  const template = synthesizeProverTemplate({ config: { proverImage: 'public.ecr.aws/example/prover:test' } }) as unknown as CfnTemplate;
  const schedules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
  expect(schedules).toHaveLength(1);
  schedule = resolveIntrinsics(template, schedules[0]!.Properties) as typeof schedule;
}, 120_000);

async function queue(): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: `poller-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attrs.Attributes!['QueueArn']! };
}

/** Long-polls until a message arrives or the deadline passes; deletes what it reads. */
async function receive(url: string, timeoutMs: number): Promise<Message[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const waitSeconds = Math.max(1, Math.min(10, Math.floor((deadline - Date.now()) / 1000)));
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10 }));
    const messages = res.Messages ?? [];
    for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    if (messages.length > 0) return messages;
  }
  return [];
}

async function rule(name: string, spec: { EventPattern: string }, target: { arn: string; input: unknown }): Promise<void> {
  await events.send(new PutRuleCommand({ Name: name, State: 'ENABLED', ...spec }));
  rules.push(name);
  const put = await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'poller', Arn: target.arn, Input: JSON.stringify(target.input) }] }));
  expect(put.FailedEntryCount).toBe(0);
}

afterAll(async () => {
  for (const name of rules) {
    await events.send(new RemoveTargetsCommand({ Rule: name, Ids: ['poller'] }));
    await events.send(new DeleteRuleCommand({ Name: name }));
  }
});

describe('poller trigger on LocalStack', () => {
  it('the synthesized poll schedule is accepted by the EventBridge Scheduler API as is', async () => {
    const target = await queue();
    const name = `poller-${randomUUID().slice(0, 8)}`;
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: schedule.ScheduleExpression,
        ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
        FlexibleTimeWindow: schedule.FlexibleTimeWindow as never,
        State: schedule.State as never,
        Target: { Arn: target.arn, RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`, Input: schedule.Target.Input, RetryPolicy: schedule.Target.RetryPolicy },
      }),
    );
    const stored = await scheduler.send(new GetScheduleCommand({ Name: name }));
    expect(stored.ScheduleExpression).toBe(schedule.ScheduleExpression);
    expect(stored.Target?.Input).toBe(schedule.Target.Input);
    expect(stored.Target?.RetryPolicy).toEqual(schedule.Target.RetryPolicy);
    // What the poller receives must parse with its own schema.
    expect(pollEventSchema.safeParse(JSON.parse(schedule.Target.Input)).success).toBe(true);
  });

  it('the Scheduler API rejects a malformed expression (so the check above is a real validation)', async () => {
    const target = await queue();
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: `bad-${randomUUID().slice(0, 8)}`,
          ScheduleExpression: 'every minute',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: target.arn, RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler` },
        }),
      ),
    ).rejects.toThrow(/ValidationException|Invalid/i);
  });

  it('an EventBridge rule delivers the poll input to its target; non-matching events are not delivered', async () => {
    const target = await queue();
    const source = `aztec-prover.${randomUUID().slice(0, 8)}`;
    await rule(`poll-on-demand-${randomUUID().slice(0, 8)}`, { EventPattern: JSON.stringify({ source: [source], 'detail-type': ['PollRequested'] }) }, {
      arn: target.arn,
      input: JSON.parse(schedule.Target.Input),
    });

    const other = await events.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'SomethingElse', Detail: '{}' }] }));
    expect(other.FailedEntryCount).toBe(0);
    const sent = await events.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'PollRequested', Detail: JSON.stringify({ reason: 'test' }) }] }));
    expect(sent.FailedEntryCount).toBe(0);

    const messages = await receive(target.url, 10_000);
    expect(messages.map((m) => JSON.parse(m.Body!) as unknown)).toEqual([JSON.parse(schedule.Target.Input)]);
    expect(pollEventSchema.parse(JSON.parse(messages[0]!.Body!))).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    // The non-matching event was not delivered late either.
    expect(await receive(target.url, 1_500)).toEqual([]);
  });
});
