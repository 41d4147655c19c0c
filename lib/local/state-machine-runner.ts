/**
 * Runs the synthesized state machine locally with aws-local-stepfunctions. Task states are bound by what
 * their Resource says, never by a hand-written copy of the workflow:
 *   - batch:submitJob.sync  → the local Batch executor (same parameters, same job definitions)
 *   - lambda:invoke / a Lambda ARN → the same handler module in-process (keyed by the state's name)
 *   - s3:getObject (emulated ItemReader) / aws-sdk:s3:getObject / aws-sdk:s3:putObject → the artifact store
 *   - dynamodb:updateItem (the broker's job table) → a real DynamoDB API (dynalite locally), same parameters
 * Errors are named as Step Functions names them (`DynamoDB.ConditionalCheckFailedException`,
 * `S3.NoSuchKeyException`), so the definition's Catch and Retry rules apply locally as on AWS.
 */
import { type DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import { ProverError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import type { LocalBatchExecutor, SubmitJobParameters } from './batch-executor.ts';
import { ITEMS_FIELD, emulateItemReaders } from './item-reader.ts';

export type LocalLambdaHandler = (payload: unknown) => Promise<unknown>;

export interface LocalStateMachineOptions {
  /** The resolved ASL (see template.ts); copied before the ItemReader emulation rewrites it. */
  readonly definition: Record<string, unknown>;
  readonly executor: LocalBatchExecutor;
  readonly store: ArtifactStore;
  /** Lambda task handlers by state name (e.g. Plan, Submit). */
  readonly lambdas: Readonly<Record<string, LocalLambdaHandler>>;
  /** DynamoDB tasks go here (the broker's per-job state machine). */
  readonly dynamodb?: DynamoDBClient;
  /**
   * Pause before a retry, in ms, by state name (one number, or one per Retry rule), instead of the
   * definition's IntervalSeconds/backoff/jitter: tests that exercise a Retry without waiting for it.
   */
  readonly retryIntervalOverrides?: Readonly<Record<string, number | readonly number[]>>;
}

export interface LocalExecutionStats {
  /** Events as Step Functions would count them per execution (parent + each child execution). */
  readonly historyEvents: { readonly parent: number; readonly maxChild: number; readonly children: number };
  /** Largest state input/output seen, in bytes (the 256 KB limit applies to each). */
  readonly maxPayloadBytes: number;
}

type TaskHandler = (input: unknown) => Promise<unknown>;

/** Step Functions' default Task timeout is 99999999 s; Node timers cap at 2^31 ms (~24.8 days), so use that. */
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 2_147_483;

export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly definition: Record<string, unknown>;
  private readonly handlers: Record<string, TaskHandler> = {};

  constructor(private readonly options: LocalStateMachineOptions) {
    const definition = structuredClone(options.definition);
    emulateItemReaders(definition);
    this.bindTasks(definition);
    this.definition = definition;
    this.machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
  }

  /** Runs one execution; resolves with its output or rejects with the execution's error. */
  async run(input: Record<string, unknown>, executionName: string, signal?: AbortSignal): Promise<{ output: unknown; stats: LocalExecutionStats }> {
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.handlers as never, retryIntervalOverrides: (this.options.retryIntervalOverrides ?? {}) as never },
      context: {
        Execution: { Name: executionName, Id: `arn:aws:states:us-east-1:000000000000:execution:local:${executionName}`, Input: input, StartTime: new Date().toISOString() },
        // The engine has no $$.State; read when a state's parameters are evaluated, i.e. as the state is entered.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      } as never,
    });
    signal?.addEventListener('abort', () => execution.abort(), { once: true });
    const statsPromise = collectStats(execution.eventLogs as AsyncIterable<Record<string, unknown>>, this.definition);
    const output = await execution.result;
    return { output, stats: await statsPromise };
  }

  private bindTasks(machine: Record<string, unknown>): void {
    const states = (machine['States'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, state] of Object.entries(states)) {
      for (const branch of (state['Branches'] as Record<string, unknown>[] | undefined) ?? []) this.bindTasks(branch);
      const processor = (state['ItemProcessor'] ?? state['Iterator']) as Record<string, unknown> | undefined;
      if (processor) this.bindTasks(processor);
      if (state['Type'] !== 'Task') continue;
      // The local engine's default task timeout is 60 s (AWS: effectively none), shorter than a proof.
      if (state['TimeoutSeconds'] === undefined && state['TimeoutSecondsPath'] === undefined) state['TimeoutSeconds'] = AWS_DEFAULT_TASK_TIMEOUT_SECONDS;
      if (name in this.handlers) throw new ProverError(`two Task states are named "${name}": local handlers are keyed by state name`);
      this.handlers[name] = this.handlerFor(name, String(state['Resource']));
    }
  }

  private handlerFor(name: string, resource: string): TaskHandler {
    if (resource.startsWith('arn:aws:states:::batch:submitJob')) {
      return (input) => this.options.executor.submitJobSync(input as SubmitJobParameters);
    }
    if (resource === 'arn:aws:states:::lambda:invoke' || resource.startsWith('arn:aws:lambda:')) {
      const handler = this.options.lambdas[name];
      if (!handler) throw new ProverError(`no local handler for Lambda task "${name}"`, { metaMessages: [`known: ${Object.keys(this.options.lambdas).join(', ')}`] });
      // lambda:invoke wraps the payload ({ FunctionName, Payload }) and returns { Payload, StatusCode }.
      if (resource === 'arn:aws:states:::lambda:invoke') {
        return async (input) => ({ StatusCode: 200, Payload: await handler((input as { Payload?: unknown }).Payload) });
      }
      return handler;
    }
    if (resource === 'arn:aws:states:::s3:getObject') {
      return async (input) => {
        const { Key } = input as { Bucket: string; Key: string };
        const bytes = await this.options.store.get(Key);
        if (bytes === undefined) throw Object.assign(new Error(`The specified key does not exist: ${Key}`), { name: 'S3.NoSuchKey' });
        return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
      };
    }
    if (resource === 'arn:aws:states:::aws-sdk:s3:getObject') {
      return async (input) => {
        const { Key } = input as { Bucket: string; Key: string };
        const bytes = await this.options.store.get(Key);
        if (bytes === undefined) throw Object.assign(new Error(`The specified key does not exist: ${Key}`), { name: 'S3.NoSuchKeyException' });
        return { Body: Buffer.from(bytes).toString('utf8'), ContentLength: bytes.length };
      };
    }
    if (resource === 'arn:aws:states:::dynamodb:updateItem') {
      const client = this.options.dynamodb;
      if (!client) throw new ProverError(`Task state "${name}" updates DynamoDB, but the local runtime was given no DynamoDB endpoint`);
      return async (input) => {
        try {
          return (await client.send(new UpdateItemCommand(input as UpdateItemCommandInput))).Attributes ?? {};
        } catch (err) {
          // Step Functions' optimized DynamoDB integration names errors `DynamoDB.<exception>`.
          if (err instanceof Error && !err.name.startsWith('DynamoDB.')) throw Object.assign(new Error(err.message), { name: `DynamoDB.${err.name}` });
          throw err;
        }
      };
    }
    if (resource === 'arn:aws:states:::aws-sdk:s3:putObject') {
      return async (input) => {
        const { Key, Body } = input as { Bucket: string; Key: string; Body: unknown };
        await this.options.store.put(Key, Buffer.from(typeof Body === 'string' ? Body : JSON.stringify(Body)));
        return { ETag: '"local"' };
      };
    }
    throw new ProverError(`Task state "${name}" uses ${resource}, which the local runtime cannot run`);
  }
}

/**
 * Estimates Step Functions history events per execution from the local engine's event log. Iterations of a
 * DISTRIBUTED Map are child executions with their own history, so they are counted apart from the parent
 * (inline Maps count in the execution that runs them). Local logs have one event per state entry/exit; AWS
 * also records a Task's Scheduled/Started/Submitted/Succeeded and a Map's Started/Succeeded (and MapRun
 * events), so those are added by state type to stay on the conservative side.
 */
async function collectStats(events: AsyncIterable<Record<string, unknown>>, definition: Record<string, unknown>): Promise<LocalExecutionStats> {
  const types = new Map<string, string>();
  const distributed = new Set<string>();
  const inInlineMap = new Set<string>();
  indexStates(definition, types, distributed, inInlineMap, false);
  // An inline Map's iteration events carry the inner index, which cannot say which child they belong to:
  // count them with the iteration's first state instead (StartAt of the iterator: +2 for Started/Succeeded).
  const extra = (name: string) =>
    (types.get(name) === 'Task' ? 4 : types.get(name) === 'Map' ? (distributed.has(name) ? 4 : 2) : 0) + (inInlineMap.has(name) ? 2 : 0);

  let parent = 0;
  const children = new Map<string, number>();
  // Levels run one after another, so a child is (how many times its Distributed Map was entered, index).
  const entries = new Map<string, number>();
  let maxPayloadBytes = 0;
  for await (const event of events) {
    const state = event['state'] as { name?: string; input?: unknown; output?: unknown } | undefined;
    const weight = 1 + (event['type'] === 'StateEntered' && state?.name ? extra(state.name) : 0);
    const index = event['index'];
    const parentState = (event['parentState'] as { name?: string } | undefined)?.name;
    if (String(event['type']).startsWith('MapIteration') && parentState !== undefined && !distributed.has(parentState)) continue;
    if (typeof index !== 'number') {
      parent += weight;
      if (event['type'] === 'StateEntered' && state?.name && distributed.has(state.name)) entries.set(state.name, (entries.get(state.name) ?? 0) + 1);
    } else {
      const map = parentState && distributed.has(parentState) ? parentState : [...distributed][0];
      const key = `${map}#${entries.get(map ?? '') ?? 0}#${index}`;
      children.set(key, (children.get(key) ?? 0) + weight);
    }
    for (const payload of [state?.input, state?.output]) {
      if (payload !== undefined) maxPayloadBytes = Math.max(maxPayloadBytes, payloadBytes(payload));
    }
  }
  return { historyEvents: { parent, maxChild: Math.max(0, ...children.values()), children: children.size }, maxPayloadBytes };
}

/** Size as on AWS: the emulated ItemReader's items are not part of the state's data there. */
function payloadBytes(payload: unknown): number {
  if (payload && typeof payload === 'object' && ITEMS_FIELD in payload) {
    const { [ITEMS_FIELD]: _items, ...rest } = payload as Record<string, unknown>;
    return Buffer.byteLength(JSON.stringify(rest));
  }
  return Buffer.byteLength(JSON.stringify(payload));
}

/** State types by name, the Distributed Maps, and the first state of every inline Map's iterator. */
function indexStates(machine: Record<string, unknown>, types: Map<string, string>, distributed: Set<string>, inlineStarts: Set<string>, inline: boolean): void {
  if (inline && typeof machine['StartAt'] === 'string') inlineStarts.add(machine['StartAt']);
  for (const [name, state] of Object.entries((machine['States'] ?? {}) as Record<string, Record<string, unknown>>)) {
    types.set(name, String(state['Type']));
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as Record<string, unknown> | undefined;
    const isDistributed = (processor?.['ProcessorConfig'] as { Mode?: string } | undefined)?.Mode === 'DISTRIBUTED';
    if (isDistributed) distributed.add(name);
    if (processor) indexStates(processor, types, distributed, inlineStarts, !isDistributed);
    for (const branch of (state['Branches'] as Record<string, unknown>[] | undefined) ?? []) indexStates(branch, types, distributed, inlineStarts, false);
  }
}
