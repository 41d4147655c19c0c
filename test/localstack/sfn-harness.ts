/**
 * Runs state machines in LocalStack with mocked Task responses (see sfn-mock-config.ts) and collects what the
 * free build lets us observe: the parent's history, and per Distributed Map run its status and item counts.
 * Child executions of a Distributed Map are not observable in LocalStack 4.14 (ListExecutions with a
 * mapRunArn fails with InternalError), so per-item behaviour is asserted through item counts and an exact
 * budget of mocked responses: a Task invoked more often than its responses allow fails its item.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  type HistoryEvent,
  type MapRunItemCounts,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { ACCOUNT } from './aws-clients.ts';

interface MapRunSummary {
  readonly status: string;
  readonly items: MapRunItemCounts;
}

export interface ExecutionResult {
  readonly executionArn: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: HistoryEvent[];
  /** Distributed Map runs in start order. */
  readonly mapRuns: MapRunSummary[];
  /** How often each state was entered in the parent execution (not in Distributed Map children). */
  entered(state: string): number;
  /** Every state input and output of the parent execution, as JSON text. */
  payloads(): string[];
}

/**
 * LocalStack's free build runs a Distributed Map with a thread per MaxConcurrency slot: the stack's 10,000 (AWS's
 * maximum) exhausts the container's threads ("can't start new thread", then MemoryError; measured in CI), 1,000 ran.
 * So a Distributed Map's MaxConcurrency is capped at LOCALSTACK_MAP_CONCURRENCY here — LocalStack only; the template
 * tests assert the stack's own value.
 */
export const LOCALSTACK_MAP_CONCURRENCY = 1000;

function capDistributedMaps(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(capDistributedMaps);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = capDistributedMaps(v);
  const processor = out['ItemProcessor'] as { ProcessorConfig?: { Mode?: string } } | undefined;
  if (out['Type'] === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED' && typeof out['MaxConcurrency'] === 'number') {
    out['MaxConcurrency'] = Math.min(out['MaxConcurrency'], LOCALSTACK_MAP_CONCURRENCY);
  }
  return out;
}

export async function createStateMachine(sfn: SFNClient, name: string, definition: unknown): Promise<string> {
  const parsed: unknown = typeof definition === 'string' ? JSON.parse(definition) : definition;
  const res = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: JSON.stringify(capDistributedMaps(parsed)),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/state-machine`,
    }),
  );
  return res.stateMachineArn!;
}

export interface RunOptions {
  /** Execution name (our run id). @default `<testCase>-<random>` */
  readonly name?: string;
  /** @default 45 s */
  readonly timeoutMs?: number;
}

/** Starts `<arn>#<testCase>` and waits for the execution to finish. */
export async function runMocked(sfn: SFNClient, stateMachineArn: string, testCase: string, input: unknown, options: RunOptions = {}): Promise<ExecutionResult> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: `${stateMachineArn}#${testCase}`,
      name: options.name ?? `${testCase}-${randomUUID().slice(0, 8)}`,
      input: JSON.stringify(input),
    }),
  );
  const executionArn = started.executionArn!;
  const deadline = Date.now() + timeoutMs;
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (described.status === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const history: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    history.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const runs = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [];
  runs.sort((a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0));
  const mapRuns: MapRunSummary[] = [];
  for (const run of runs) {
    const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }));
    mapRuns.push({ status: d.status!, items: d.itemCounts! });
  }
  return {
    executionArn,
    status: described.status!,
    ...(described.output !== undefined ? { output: JSON.parse(described.output) as unknown } : {}),
    ...(described.error !== undefined ? { error: described.error } : {}),
    ...(described.cause !== undefined ? { cause: described.cause } : {}),
    history,
    mapRuns,
    entered: (state) => history.filter((e) => e.stateEnteredEventDetails?.name === state).length,
    payloads: () =>
      history.flatMap((e) =>
        [e.stateEnteredEventDetails?.input, e.stateExitedEventDetails?.output, e.taskSucceededEventDetails?.output, e.lambdaFunctionSucceededEventDetails?.output].filter(
          (p): p is string => p !== undefined,
        ),
      ),
  };
}
