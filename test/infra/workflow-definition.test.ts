import { Duration } from 'aws-cdk-lib';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, describe, expect, it } from 'vitest';
import { PROOF_GAP_ERROR, RETRYABLE_HANDLER_ERRORS } from '../../lib/pipeline/workflow-contract.ts';
import { TRANSIENT_BATCH_ERRORS } from '../../lib/infra/prover-job-task.ts';
import { STATE, TRANSIENT_LAMBDA_ERRORS, deriveRunTimeout } from '../../lib/infra/workflow-definition.ts';
import { getProfile } from '../../lib/protocols/registry.ts';
import { type AslMachine, type AslState, attOf, cleanupOutdirs, definitionOf, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

const { stack, template } = synthProver({ proofWindowMinutes: 20 });
const asl = definitionOf(template);
const profile = getProfile('devnet');
const classes = Object.keys(profile.resourceClasses);

const PARTITION = '<AWS::Partition>';
const state = (machine: AslMachine, name: string): AslState => {
  const found = machine.States[name];
  if (!found) throw new Error(`no state "${name}" (has: ${Object.keys(machine.States).join(', ')})`);
  return found;
};
const processorOf = (map: AslState) => map['ItemProcessor'] as AslMachine & { ProcessorConfig: Record<string, string> };
const proveLevel = state(asl, STATE.proveLevel);
const child = processorOf(proveLevel);
const step = processorOf(state(child, STATE.proveChain));

/** Every machine in the definition: the top level, Map processors, Parallel branches. */
function machinesOf(machine: AslMachine, path = 'top'): [string, AslMachine][] {
  const nested = Object.entries(machine.States).flatMap(([name, s]) => [
    ...(s['ItemProcessor'] ? machinesOf(s['ItemProcessor'] as AslMachine, `${path}/${name}`) : []),
    ...((s['Branches'] as AslMachine[] | undefined) ?? []).flatMap((b, i) => machinesOf(b, `${path}/${name}[${i}]`)),
  ]);
  return [[path, machine], ...nested];
}

/** Transitions out of a state: Next, Choice targets, Catch targets. */
function targetsOf(s: AslState): string[] {
  return [
    ...(typeof s['Next'] === 'string' ? [s['Next']] : []),
    ...(typeof s['Default'] === 'string' ? [s['Default']] : []),
    ...((s['Choices'] as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
    ...((s['Catch'] as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
  ];
}

describe('workflow definition: shape', () => {
  it('Plan → StartLevels → MoreLevels; the loop runs SelectLevel → CurrentLevel → ProveLevel → NextLevel; then Submit → Proven', () => {
    expect(asl.StartAt).toBe(STATE.plan);
    expect(state(asl, STATE.plan)['Next']).toBe(STATE.startLevels);
    expect(state(asl, STATE.startLevels)).toMatchObject({
      Type: 'Pass',
      Parameters: { index: 0, 'count.$': 'States.ArrayLength($.plan.levels)' },
      ResultPath: '$.cursor',
      Next: STATE.moreLevels,
    });
    expect(state(asl, STATE.moreLevels)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.cursor.index', NumericLessThanPath: '$.cursor.count', Next: STATE.selectLevel }],
      Default: STATE.submit,
    });
    expect(state(asl, STATE.selectLevel)).toMatchObject({
      Parameters: { 'level.$': 'States.ArrayGetItem($.plan.levels, $.cursor.index)' },
      ResultPath: '$.current',
      Next: STATE.currentLevel,
    });
    expect(state(asl, STATE.currentLevel)).toMatchObject({ Type: 'Pass', InputPath: '$.current.level', ResultPath: '$.current', Next: STATE.proveLevel });
    expect(proveLevel['Next']).toBe(STATE.nextLevel);
    expect(state(asl, STATE.nextLevel)).toMatchObject({
      Parameters: { 'index.$': 'States.MathAdd($.cursor.index, 1)', 'count.$': '$.cursor.count' },
      ResultPath: '$.cursor',
      Next: STATE.moreLevels,
    });
    expect(state(asl, STATE.submit)['Next']).toBe(STATE.proven);
    expect(state(asl, STATE.proven)['Type']).toBe('Succeed');
  });

  it('Plan: the Plan Lambda with the execution name as run id and the input as request; result at $.plan', () => {
    expect(state(asl, STATE.plan)).toMatchObject({
      Type: 'Task',
      Resource: attOf(stack.planner.function, 'Arn'),
      Parameters: { 'runId.$': '$$.Execution.Name', 'request.$': '$' },
      ResultPath: '$.plan',
    });
  });

  it('ProveLevel: a Distributed Map of STANDARD child executions reading the level file from S3', () => {
    expect(proveLevel).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: `arn:${PARTITION}:states:::s3:getObject`,
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: refOf(stack.artifacts.bucket), 'Key.$': '$.current.key' },
      },
      ItemSelector: { 'steps.$': '$$.Map.Item.Value.steps', 'runId.$': '$.plan.runId' },
      ResultPath: null,
      // The Map's maximum: an epoch's level 0 (~2,400–3,600 items) runs at once (issue 14).
      MaxConcurrency: 10_000,
    });
    expect(child.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  });

  it('each child proves its chain in order: an inline Map over steps with MaxConcurrency 1, then a tiny output', () => {
    expect(child.StartAt).toBe(STATE.proveChain);
    expect(state(child, STATE.proveChain)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.steps',
      MaxConcurrency: 1,
      ItemSelector: { 'job.$': '$$.Map.Item.Value.job', 'class.$': '$$.Map.Item.Value.class', 'runId.$': '$.runId' },
      ResultPath: null,
      Next: STATE.chainProven,
    });
    expect(step.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(state(child, STATE.chainProven)).toMatchObject({ Type: 'Pass', Parameters: { 'steps.$': 'States.ArrayLength($.steps)' }, End: true });
  });

  it('RouteByClass: one choice per resource class of the profile, unknown classes fail', () => {
    const route = state(step, STATE.routeByClass);
    expect(step.StartAt).toBe(STATE.routeByClass);
    expect(route['Choices']).toEqual(classes.map((c) => ({ Variable: '$.class', StringEquals: c, Next: STATE.prove(c) })));
    expect(route['Default']).toBe(STATE.unknownClass);
    expect(state(step, STATE.unknownClass)).toMatchObject({ Type: 'Fail', Error: 'UnknownResourceClass' });
  });

  it.each(classes)("Prove %s: batch:submitJob.sync on the class's job definition with JOB_ID and RUN_ID", (resourceClass) => {
    const task = state(step, STATE.prove(resourceClass));
    expect(task).toMatchObject({
      Type: 'Task',
      Resource: `arn:${PARTITION}:states:::batch:submitJob.sync`,
      Parameters: {
        JobDefinition: refOf(stack.jobs.definitions[resourceClass]!),
        JobQueue: attOf(stack.compute.jobQueue, 'JobQueueArn'),
        'JobName.$': `States.Format('${resourceClass}-{}', $.job)`,
        ContainerOverrides: {
          Environment: [
            { Name: 'JOB_ID', 'Value.$': '$.job' },
            { Name: 'RUN_ID', 'Value.$': '$.runId' },
          ],
        },
      },
      ResultPath: '$.result',
      End: true,
    });
    // Batch API hiccups are retried; a failed job (States.TaskFailed) is not: the job definition already retried it.
    const retry = task['Retry'] as { ErrorEquals: string[] }[];
    expect(retry.flatMap((r) => r.ErrorEquals)).toEqual([...TRANSIENT_BATCH_ERRORS]);
    // Throttled SubmitJob calls (50/s per account) keep retrying for minutes, so a 10,000-item level never fails on them.
    expect(retry[0]).toMatchObject({ IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 30, MaxAttempts: 30, JitterStrategy: 'FULL' });
  });

  it('Submit: the Submit Lambda with the plan\'s run id; waits out proof gaps once a minute for the proof window', () => {
    const submit = state(asl, STATE.submit);
    expect(submit).toMatchObject({
      Resource: attOf(stack.submitter.function, 'Arn'),
      Parameters: { 'runId.$': '$.plan.runId' },
      ResultPath: '$.submission',
    });
    expect(submit['Retry']).toContainEqual({ ErrorEquals: [PROOF_GAP_ERROR], IntervalSeconds: 60, MaxAttempts: 20, BackoffRate: 1 });
  });

  it.each([STATE.plan, STATE.submit, STATE.describeFailedJobs])('%s retries a Lambda invoke that timed out on the client side (the function may not have run)', (name) => {
    const retried = (state(asl, name)['Retry'] as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
    expect(retried).toContain('Lambda.ClientExecutionTimeoutException');
  });

  it.each(classes)('Prove %s waits at most its job definition\'s attempt timeout × attempts + 15 min in the queue', (resourceClass) => {
    const c = profile.resourceClasses[resourceClass]!;
    const prove = state(step, STATE.prove(resourceClass));
    expect(prove['TimeoutSeconds']).toBe(c.timeoutSeconds * 3 + 15 * 60);
    // The job keeps its definition's per-attempt timeout (no Timeout override in the SubmitJob parameters).
    expect(prove['Parameters']).not.toHaveProperty('Timeout');
  });

  it.each([STATE.plan, STATE.submit])('%s retries Lambda service errors and retryable handler errors, nothing else', (name) => {
    const retried = (state(asl, name)['Retry'] as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining([...TRANSIENT_LAMBDA_ERRORS, ...RETRYABLE_HANDLER_ERRORS]));
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.TaskFailed');
  });

  it.each([
    [STATE.plan, STATE.noFailedJobs],
    [STATE.proveLevel, STATE.describeFailedJobs],
    [STATE.submit, STATE.noFailedJobs],
  ])('%s: Catch States.ALL → note the state → %s → RecordFailure → RunFailed', (name, then) => {
    expect(state(asl, name)['Catch']).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: STATE.failed(name) }]);
    expect(state(asl, STATE.failed(name))).toEqual({
      Type: 'Pass',
      Result: name,
      ResultPath: '$.failure.state',
      Next: then,
    });
  });

  it('NoFailedJobs sets an empty job list without reading the failure; DescribeFailedJobs restates it (its own failure → NoFailedJobs)', () => {
    expect(state(asl, STATE.noFailedJobs)).toEqual({ Type: 'Pass', Result: [], ResultPath: '$.failure.jobs', Next: STATE.hasCause });
    expect(state(asl, STATE.describeFailedJobs)).toMatchObject({
      Type: 'Task',
      Resource: attOf(stack.failedJobs.function, 'Arn'),
      Parameters: { 'runId.$': '$$.Execution.Name', 'failure.$': '$.failure' },
      ResultPath: '$.failure',
      Next: STATE.hasCause,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.describeFailedJobsError', Next: STATE.noFailedJobs }],
    });
  });

  it('a failed proving job (any class) is recorded under runs/<run>/failed-jobs/<job>.json with its Catch output, then its child fails', () => {
    for (const resourceClass of classes) {
      expect(state(step, STATE.prove(resourceClass))['Catch']).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.jobFailure', Next: STATE.recordJobFailure }]);
    }
    expect(state(step, STATE.recordJobFailure)).toMatchObject({
      Type: 'Task',
      Resource: `arn:${PARTITION}:states:::aws-sdk:s3:putObject`,
      Parameters: {
        Bucket: refOf(stack.artifacts.bucket),
        'Key.$': "States.Format('runs/{}/failed-jobs/{}.json', $.runId, $.job)",
        Body: { 'job.$': '$.job', 'class.$': '$.class', 'failure.$': '$.jobFailure' },
      },
      ResultPath: null,
      Next: STATE.jobFailed,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: STATE.jobFailed }],
    });
    expect(state(step, STATE.jobFailed)).toMatchObject({ Type: 'Fail', Error: 'ProverJobFailed' });
  });

  it('RecordFailure writes runs/<execution name>/failure.json with error, cause, state and the failed jobs, then the run fails with the error', () => {
    expect(state(asl, STATE.recordFailure)).toMatchObject({
      Type: 'Task',
      Resource: `arn:${PARTITION}:states:::aws-sdk:s3:putObject`,
      Parameters: {
        Bucket: refOf(stack.artifacts.bucket),
        'Key.$': "States.Format('runs/{}/failure.json', $$.Execution.Name)",
        Body: { 'error.$': '$.failure.Error', 'cause.$': '$.failure.Cause', 'state.$': '$.failure.state', 'jobs.$': '$.failure.jobs' },
      },
      ResultPath: null,
      Next: STATE.runFailed,
    });
    expect(state(asl, STATE.runFailed)).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  it('JSONPath only: no JSONata, no Assign variables, no JSONata-only fields', () => {
    const text = JSON.stringify(asl);
    expect(text).not.toMatch(/JSONata/i);
    for (const field of ['"Assign"', '"Arguments"', '"Output"', '"QueryLanguage"']) expect(text).not.toContain(field);
    // Every dynamic value is a JSONPath or an intrinsic function.
    const dynamic = [...text.matchAll(/"[^"]+\.\$":"([^"]*)"/g)].map((m) => m[1]!);
    expect(dynamic.length).toBeGreaterThan(10);
    for (const value of dynamic) expect(value).toMatch(/^(\$|States\.)/);
  });

  it('every state is reachable and every transition lands on a state of the same machine', () => {
    for (const [path, machine] of machinesOf(asl)) {
      const names = Object.keys(machine.States);
      const seen = new Set<string>();
      const queue = [machine.StartAt];
      while (queue.length > 0) {
        const name = queue.pop()!;
        if (seen.has(name)) continue;
        expect(names, `${path}: transition to unknown state "${name}"`).toContain(name);
        seen.add(name);
        queue.push(...targetsOf(state(machine, name)));
      }
      expect([...seen].sort(), `${path}: unreachable states`).toEqual([...names].sort());
    }
  });

  it('the timeout is derived from the job timeouts × attempts × the tree depth bound', () => {
    const expected = deriveRunTimeout({
      resourceClasses: profile.resourceClasses,
      retryAttempts: 3,
      treeDepthBound: 24,
      overhead: Duration.minutes(30 + 20),
    });
    expect(asl.TimeoutSeconds).toBe(expected.toSeconds());
  });
});

describe('deriveRunTimeout', () => {
  const classes = {
    a: { name: 'a', vcpus: 1, memoryMiB: 1024, timeoutSeconds: 600 },
    b: { name: 'b', vcpus: 1, memoryMiB: 1024, timeoutSeconds: 1800 },
  };

  it('depth × (longest timeout × attempts + queue slack) + overhead', () => {
    const timeout = deriveRunTimeout({
      resourceClasses: classes,
      retryAttempts: 2,
      treeDepthBound: 10,
      queueSlack: Duration.minutes(5),
      overhead: Duration.minutes(10),
    });
    expect(timeout.toSeconds()).toBe(10 * (1800 * 2 + 300) + 600);
  });

  it('grows with attempts and depth', () => {
    const base = { resourceClasses: classes, retryAttempts: 1, treeDepthBound: 4 };
    const t = (o: Partial<typeof base>) => deriveRunTimeout({ ...base, ...o }).toSeconds();
    expect(t({ retryAttempts: 3 })).toBeGreaterThan(t({}));
    expect(t({ treeDepthBound: 8 })).toBeGreaterThan(t({}));
  });

  it('needs at least one class', () => {
    expect(() => deriveRunTimeout({ resourceClasses: {}, retryAttempts: 1, treeDepthBound: 1 })).toThrow('no resource classes');
  });
});

// ---- running the definition: data flows through the states as the handlers expect ---------------------------

const READ_LEVEL = 'ReadLevel (test)';

/**
 * aws-local-stepfunctions does not run ItemReader; put a Task in front of the Distributed Map that performs the
 * same s3:getObject (same Parameters) and point the Map at its result — nothing else changes.
 */
function runnable(definition: AslMachine): AslMachine {
  const copy = structuredClone(definition) as { StartAt: string; States: Record<string, Record<string, unknown>> };
  const map = copy.States[STATE.proveLevel]!;
  const reader = map['ItemReader'] as { Parameters: unknown };
  delete map['ItemReader'];
  map['ItemsPath'] = '$.levelItems';
  copy.States[READ_LEVEL] = { Type: 'Task', Resource: 'arn:aws:states:::s3:getObject', Parameters: reader.Parameters, ResultPath: '$.levelItems', Next: STATE.proveLevel };
  copy.States[STATE.currentLevel]!['Next'] = READ_LEVEL;
  return copy as unknown as AslMachine;
}

interface Submitted {
  readonly state: string;
  readonly jobDefinition: string;
  readonly env: Record<string, string>;
}

function harness(levels: Record<string, unknown[]>, options: { failJob?: string; failPlan?: Error; failDescribe?: boolean } = {}) {
  const calls = {
    plan: [] as unknown[],
    submit: [] as unknown[],
    jobs: [] as Submitted[],
    reads: [] as unknown[],
    failures: [] as Record<string, unknown>[],
    jobFailures: [] as Record<string, unknown>[],
    described: [] as Record<string, unknown>[],
  };
  const runId = 'devnet-0000000003-0000000004-0a1b2c3d';
  const levelRefs = Object.entries(levels).map(([key, items], level) => ({ level, key, count: items.length }));
  const handlers: Record<string, (input: never) => unknown> = {
    [STATE.plan]: (input) => {
      calls.plan.push(input);
      if (options.failPlan) throw options.failPlan;
      return { runId, fromBlock: 3, toBlock: 4, root: 'ffffffffffffffffffffffff', jobs: 5, levels: levelRefs };
    },
    [READ_LEVEL]: (input: { Bucket: string; Key: string }) => {
      calls.reads.push(input);
      return levels[input.Key] as never;
    },
    [STATE.submit]: (input) => {
      calls.submit.push(input);
      return { runId, status: 'confirmed' };
    },
    [STATE.recordFailure]: (input: Record<string, unknown>) => {
      calls.failures.push(input);
      return {};
    },
    [STATE.recordJobFailure]: (input: Record<string, unknown>) => {
      calls.jobFailures.push(input);
      return {};
    },
    [STATE.describeFailedJobs]: (input: { failure: Record<string, unknown> }) => {
      calls.described.push(input);
      if (options.failDescribe) throw Object.assign(new Error('S3 is down'), { name: 'Error' });
      return { ...input.failure, Error: 'ProverJobFailed', Cause: 'job bbbbbbbbbbbbbbbbbbbbbbb0 (TUBE) failed: bb exited 1', jobs: [{ job: 'bbbbbbbbbbbbbbbbbbbbbbb0' }] };
    },
  };
  for (const resourceClass of classes) {
    handlers[STATE.prove(resourceClass)] = (input: { JobDefinition: string; ContainerOverrides: { Environment: { Name: string; Value: string }[] } }) => {
      const env = Object.fromEntries(input.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
      calls.jobs.push({ state: STATE.prove(resourceClass), jobDefinition: input.JobDefinition, env });
      if (env['JOB_ID'] === options.failJob) throw Object.assign(new Error(`job ${env['JOB_ID']} exited 1`), { name: 'States.TaskFailed' });
      return { JobId: `batch-${env['JOB_ID']}`, Status: 'SUCCEEDED' };
    };
  }
  const machine = new StateMachine(runnable(asl) as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const run = (input: Record<string, unknown>, executionName = runId) =>
    machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: {} },
      context: { Execution: { Name: executionName, Id: `arn:aws:states:us-east-1:000000000000:execution:prover:${executionName}` } } as never,
    }).result;
  return { calls, run, runId };
}

const LEVELS = {
  'runs/r/levels/0.json': [
    { steps: [{ job: 'aaaaaaaaaaaaaaaaaaaaaaa0', class: 'small' }, { job: 'aaaaaaaaaaaaaaaaaaaaaaa1', class: 'medium' }] },
    { steps: [{ job: 'bbbbbbbbbbbbbbbbbbbbbbb0', class: 'small' }, { job: 'bbbbbbbbbbbbbbbbbbbbbbb1', class: 'medium' }] },
  ],
  'runs/r/levels/1.json': [{ steps: [{ job: 'cccccccccccccccccccccccc', class: 'medium' }] }],
};

describe('workflow definition: running it (aws-local-stepfunctions)', () => {
  it('a run: Plan, every level in order, each chain in order with JOB_ID/RUN_ID on the class definition, then Submit', async () => {
    const { calls, run, runId } = harness(LEVELS);
    const output = (await run({ fromBlock: 3, toBlock: 4 })) as Record<string, unknown>;

    expect(calls.plan).toEqual([{ runId, request: { fromBlock: 3, toBlock: 4 } }]);
    expect(calls.reads).toEqual([
      { Bucket: refOf(stack.artifacts.bucket), Key: 'runs/r/levels/0.json' },
      { Bucket: refOf(stack.artifacts.bucket), Key: 'runs/r/levels/1.json' },
    ]);
    const order = calls.jobs.map((j) => j.env['JOB_ID']);
    expect(order).toHaveLength(5);
    expect(order.at(-1)).toBe('cccccccccccccccccccccccc');
    expect(order.indexOf('aaaaaaaaaaaaaaaaaaaaaaa0')).toBeLessThan(order.indexOf('aaaaaaaaaaaaaaaaaaaaaaa1'));
    expect(order.indexOf('bbbbbbbbbbbbbbbbbbbbbbb0')).toBeLessThan(order.indexOf('bbbbbbbbbbbbbbbbbbbbbbb1'));
    for (const job of calls.jobs) {
      expect(job.env).toEqual({ JOB_ID: expect.stringMatching(/^[a-c0-9]{24}$/), RUN_ID: runId });
      const resourceClass = job.state.replace(STATE.prove(''), '');
      expect(job.jobDefinition).toBe(refOf(stack.jobs.definitions[resourceClass]!));
    }
    expect(calls.jobs.find((j) => j.env['JOB_ID'] === 'aaaaaaaaaaaaaaaaaaaaaaa1')!.state).toBe(STATE.prove('medium'));
    expect(calls.submit).toEqual([{ runId }]);
    expect(calls.failures).toEqual([]);
    expect(output).toMatchObject({ plan: { runId }, submission: { status: 'confirmed' } });
    // Only keys and small ids travel: the whole final state stays tiny.
    expect(JSON.stringify(output).length).toBeLessThan(2048);
  });

  it('a single-block input reaches Plan as is', async () => {
    const { calls, run } = harness(LEVELS);
    await run({ blockNumber: 7 });
    expect(calls.plan).toEqual([expect.objectContaining({ request: { blockNumber: 7 } })]);
  });

  it('a failed proving job: its record, no Submit; failure.json names ProveLevel and the job, the run fails with it', async () => {
    const { calls, run } = harness(LEVELS, { failJob: 'bbbbbbbbbbbbbbbbbbbbbbb0' });
    await expect(run({ fromBlock: 3, toBlock: 4 }, 'devnet-attempt-r2')).rejects.toThrow(/ProverJobFailed|bbbbbbbbbbbbbbbbbbbbbbb0/);
    expect(calls.jobs.map((j) => j.env['JOB_ID'])).not.toContain('bbbbbbbbbbbbbbbbbbbbbbb1');
    expect(calls.jobs.map((j) => j.env['JOB_ID'])).not.toContain('cccccccccccccccccccccccc');
    expect(calls.submit).toEqual([]);
    expect(calls.jobFailures).toEqual([
      {
        Bucket: refOf(stack.artifacts.bucket),
        Key: 'runs/devnet-0000000003-0000000004-0a1b2c3d/failed-jobs/bbbbbbbbbbbbbbbbbbbbbbb0.json',
        ContentType: 'application/json',
        Body: { job: 'bbbbbbbbbbbbbbbbbbbbbbb0', class: 'small', failure: { Error: 'States.TaskFailed', Cause: expect.stringContaining('exited 1') } },
      },
    ]);
    expect(calls.described).toEqual([{ runId: 'devnet-attempt-r2', failure: expect.objectContaining({ state: STATE.proveLevel, Error: expect.any(String) }) }]);
    expect(calls.failures).toHaveLength(1);
    expect(calls.failures[0]).toMatchObject({
      Key: 'runs/devnet-attempt-r2/failure.json',
      ContentType: 'application/json',
      Body: { state: STATE.proveLevel, error: 'ProverJobFailed', cause: expect.stringContaining('bbbbbbbbbbbbbbbbbbbbbbb0'), jobs: [{ job: 'bbbbbbbbbbbbbbbbbbbbbbb0' }] },
    });
  });

  it('a failure without a Cause is still recorded (with a placeholder cause) and fails the run with its error, not States.Runtime', async () => {
    const failures: Record<string, unknown>[] = [];
    const machine = runnable(asl) as unknown as { StartAt: string };
    machine.StartAt = STATE.noFailedJobs;
    // Entered at the failure path (the states before it are unreachable then, which the validator would refuse).
    const engine = new StateMachine(machine as never, { validationOptions: { noValidate: true } });
    const handlers = { [STATE.recordFailure]: (input: Record<string, unknown>) => (failures.push(input), {}) };
    const run = engine.run({ failure: { Error: 'Boom', state: STATE.plan } } as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: { Execution: { Name: 'devnet-nocause', Id: 'arn:aws:states:us-east-1:000000000000:execution:prover:devnet-nocause' } } as never,
    });
    await expect(run.result).rejects.toMatchObject({ cause: { name: 'Boom' } });
    expect(failures).toEqual([expect.objectContaining({ Body: expect.objectContaining({ error: 'Boom', cause: 'no cause given', state: STATE.plan, jobs: [] }) })]);
  });

  it('DescribeFailedJobs failing still records the failure (without jobs) and fails the run', async () => {
    const { calls, run } = harness(LEVELS, { failJob: 'bbbbbbbbbbbbbbbbbbbbbbb0', failDescribe: true });
    await expect(run({ fromBlock: 3, toBlock: 4 })).rejects.toThrow();
    expect(calls.described.length).toBeGreaterThan(0);
    expect(calls.failures).toEqual([expect.objectContaining({ Body: expect.objectContaining({ state: STATE.proveLevel, jobs: [] }) })]);
  });

  it('a failed Plan: failure.json names Plan, nothing is proven', async () => {
    const { calls, run, runId } = harness(LEVELS, {
      failPlan: Object.assign(new Error('block 3 is not proposed on L1'), { name: 'BlockNotProposedError' }),
    });
    await expect(run({ fromBlock: 3, toBlock: 4 })).rejects.toThrow();
    expect(calls.jobs).toEqual([]);
    expect(calls.failures).toEqual([
      expect.objectContaining({
        Key: `runs/${runId}/failure.json`,
        Body: expect.objectContaining({ state: STATE.plan, error: 'BlockNotProposedError', cause: expect.stringContaining('not proposed'), jobs: [] }),
      }),
    ]);
    expect(calls.described).toEqual([]);
  });

  it('a level item naming an unknown class fails the run through the same path', async () => {
    const { calls, run } = harness({ 'runs/r/levels/0.json': [{ steps: [{ job: 'dddddddddddddddddddddddd', class: 'gpu' }] }] });
    await expect(run({ fromBlock: 3, toBlock: 4 })).rejects.toThrow();
    expect(calls.jobs).toEqual([]);
    expect(calls.failures[0]).toMatchObject({ Body: { state: STATE.proveLevel } });
  });
});
