/**
 * The broker's semantics against Aztec's own client: Aztec's `createProvingJobBrokerClient` (the node's client,
 * real JSON-RPC over HTTP, batching, gzip) → our server → ProvingBroker → the job table on dynalite (a real
 * DynamoDB API). Executions are a recording test double here — proving is exercised with real bb in
 * local-broker.test.ts; the double settles jobs the way the per-job state machine records them (through the same
 * table adapter's conditional `settle`).
 */
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoBrokerTable } from '../../lib/aws/dynamo-broker-table.ts';
import { aztecJobIdFor, ProvingBroker } from '../../lib/broker/broker.ts';
import { ABORTED_REASON, INLINE_PREFIX, PROOF_STORE_PREFIX, type BrokerExecutionInput } from '../../lib/broker/contract.ts';
import { startBrokerServer, type RunningBrokerServer } from '../../lib/broker/json-rpc-server.ts';
import type { CapacityWarmer, ExecutionState, JobExecutions } from '../../lib/broker/ports.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { createTableFromTemplate, startLocalDynamo, type LocalDynamo } from '../../lib/local/dynamo-server.ts';
import { onlyResource, type CfnTemplate } from '../../lib/local/template.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { jobSpecSchema } from '../../lib/proving/job-spec.ts';
import { jobSpecKey } from '../../lib/proving/keys.ts';
import { AZTEC_JOB_TYPES } from '../../lib/protocols/aztec/job-types.ts';
import { loadAztecBrokerPieces, type AztecBrokerClient } from './aztec-client.ts';

const BUCKET = 'stack-bucket';
const PARITY_BASE = AZTEC_JOB_TYPES.indexOf('PARITY_BASE');
const PADDING = AZTEC_JOB_TYPES.indexOf('CHECKPOINT_PADDING_ROLLUP');

/** Test double of the per-job executions: records starts/stops; `finish` settles a job as its state machine would. */
class RecordingExecutions implements JobExecutions {
  readonly started: { name: string; input: BrokerExecutionInput }[] = [];
  readonly stopped: string[] = [];
  readonly states = new Map<string, ExecutionState>();
  async start(name: string, input: BrokerExecutionInput): Promise<'started' | 'exists'> {
    if (this.states.has(name)) return 'exists';
    this.states.set(name, 'RUNNING');
    this.started.push({ name, input });
    return 'started';
  }
  async stop(name: string): Promise<void> {
    if (this.states.get(name) !== 'RUNNING') return;
    this.states.set(name, 'ABORTED');
    this.stopped.push(name);
  }
  async describe(name: string) {
    const status = this.states.get(name);
    return status && { status, ...(status === 'FAILED' ? { error: 'States.Runtime', cause: 'boom' } : {}) };
  }
}

let dynamo: LocalDynamo;
let template: CfnTemplate;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  template = synthesizeProverTemplate({ config: { profile: 'aztec', proverImage: 'local/prover' } }) as unknown as CfnTemplate;
}, 120_000);
afterAll(async () => {
  await dynamo?.stop();
});

interface Harness {
  readonly broker: ProvingBroker;
  readonly table: DynamoBrokerTable;
  readonly store: MemoryArtifactStore;
  readonly executions: RecordingExecutions;
  readonly server: RunningBrokerServer;
  readonly client: AztecBrokerClient;
}
let h: Harness;

async function harness(options: { maxEpochsToKeep?: number; warmer?: CapacityWarmer; log?: (message: string, fields?: Record<string, unknown>) => void } = {}): Promise<Harness> {
  const tableName = `broker-test-${++tableCount}`;
  await createTableFromTemplate(dynamo.client, template, onlyResource(template, 'AWS::DynamoDB::GlobalTable'), tableName);
  const table = new DynamoBrokerTable({ client: dynamo.client, tableName });
  const store = new MemoryArtifactStore();
  const executions = new RecordingExecutions();
  const broker = new ProvingBroker({ table, executions, store, scope: { bucket: BUCKET, prefix: PROOF_STORE_PREFIX, inlinePrefix: INLINE_PREFIX }, ...options });
  const server = await startBrokerServer({ broker });
  const client = (await loadAztecBrokerPieces()).createClient(server.url);
  return { broker, table, store, executions, server, client };
}

beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.server.close();
});

/** A job as Aztec's facade enqueues it, its inputs already in the proof store. */
async function stagedJob(epoch: number, type = PARITY_BASE, inputs: Uint8Array = Buffer.from(`inputs of epoch ${epoch} ${type}`)) {
  const typeName = AZTEC_JOB_TYPES[type]!;
  const id = aztecJobIdFor(epoch, typeName, inputs);
  const key = `${PROOF_STORE_PREFIX}inputs/${typeName}/${id}`;
  await h.store.put(key, inputs);
  return { id, type, epochNumber: epoch, inputsUri: `s3://${BUCKET}/${key}` };
}

describe('enqueueProvingJob', () => {
  it('records a new job, writes its job-runner spec and starts one execution named from its id', async () => {
    const job = await stagedJob(5);
    expect(await h.client.enqueueProvingJob(job)).toEqual({ status: 'not-found' });
    expect(await h.client.getProvingJobStatus(job.id)).toEqual({ status: 'in-queue' });
    expect(h.executions.started).toHaveLength(1);
    const { name, input } = h.executions.started[0]!;
    expect(name).toMatch(/^e5-PARITY_BASE-[0-9a-f]{24}$/);
    expect(input).toMatchObject({ aztecJobId: job.id, class: 'medium' });
    const spec = jobSpecSchema.parse(JSON.parse(Buffer.from((await h.store.get(jobSpecKey(input.job)))!).toString('utf8')));
    expect(spec).toMatchObject({
      kind: 'aztec',
      type: 'PARITY_BASE',
      inputs: `${PROOF_STORE_PREFIX}inputs/PARITY_BASE/${job.id}`,
      output: `${PROOF_STORE_PREFIX}outputs/PARITY_BASE/${job.id}.json`,
      inputsSha256: job.id.split(':')[2],
    });
  });

  it('is idempotent: the same job again answers its current status and starts nothing', async () => {
    const job = await stagedJob(5);
    await h.client.enqueueProvingJob(job);
    expect(await h.client.enqueueProvingJob(job)).toEqual({ status: 'in-queue' });
    await h.table.settle(job.id, { status: 'fulfilled' });
    expect(await h.client.enqueueProvingJob(job)).toEqual({ status: 'fulfilled', value: `s3://${BUCKET}/${PROOF_STORE_PREFIX}outputs/PARITY_BASE/${job.id}.json` });
    expect(h.executions.started).toHaveLength(1);
  });

  it('refuses another body under an existing id (like Aztec\'s broker) and keeps the first', async () => {
    const job = await stagedJob(5);
    await h.client.enqueueProvingJob(job);
    await expect(h.client.enqueueProvingJob({ ...job, inputsUri: `${job.inputsUri}-other` })).rejects.toThrow(/Duplicate proving job ID/);
    await expect(h.client.enqueueProvingJob({ ...job, epochNumber: 6 })).rejects.toThrow(/Duplicate proving job ID/);
    expect((await h.table.get(job.id))?.inputsUri).toBe(job.inputsUri);
    expect(h.executions.started).toHaveLength(1);
  });

  it('refuses a job of an epoch older than the ones kept ("Epoch too old"), accepts the kept ones', async () => {
    await h.client.enqueueProvingJob(await stagedJob(10));
    await expect(h.client.enqueueProvingJob(await stagedJob(8))).rejects.toThrow(/Epoch too old: job epoch 8, current epoch: 10/);
    expect(await h.client.enqueueProvingJob(await stagedJob(9))).toEqual({ status: 'not-found' });
    expect(h.executions.started.map((s) => s.name.split('-')[0])).toEqual(['e10', 'e9']);
  });

  it('refuses, recording nothing, inputs the stack cannot read: another bucket, another store, missing, outside the prefix', async () => {
    const job = await stagedJob(3);
    const cases: [string, RegExp][] = [
      [job.inputsUri.replace(BUCKET, 'someone-elses'), /not in the stack's bucket "stack-bucket"[\s\S]*PROVER_PROOF_STORE=s3:\/\/stack-bucket\/proofs\//],
      [`gs://bucket/proofs/inputs/PARITY_BASE/${job.id}`, /cannot be read by the stack's jobs[\s\S]*PROVER_PROOF_STORE/],
      [`file:///tmp/proofs/inputs/PARITY_BASE/${job.id}`, /cannot be read by the stack's jobs/],
      [`s3://${BUCKET}/other/inputs/PARITY_BASE/${job.id}`, /outside the prefix the stack's jobs may write to/],
      [`s3://${BUCKET}/proofs/inputs/PARITY_ROOT/${job.id}`, /not where Aztec's proof store keeps a PARITY_BASE job/],
    ];
    for (const [inputsUri, message] of cases) await expect(h.client.enqueueProvingJob({ ...job, inputsUri })).rejects.toThrow(message);
    await h.store.put(`${PROOF_STORE_PREFIX}inputs/PARITY_BASE/4:PARITY_BASE:${'0'.repeat(64)}`, Buffer.from('x'));
    await expect(h.client.enqueueProvingJob({ ...job, id: `4:PARITY_BASE:${'1'.repeat(64)}`, epochNumber: 4, inputsUri: `s3://${BUCKET}/proofs/inputs/PARITY_BASE/4:PARITY_BASE:${'1'.repeat(64)}` })).rejects.toThrow(
      /no inputs at s3:\/\/stack-bucket\/proofs\/inputs\/PARITY_BASE/,
    );
    await expect(h.client.enqueueProvingJob({ ...job, type: AZTEC_JOB_TYPES.indexOf('PUBLIC_VM'), inputsUri: job.inputsUri.replace('PARITY_BASE', 'PUBLIC_VM') })).rejects.toThrow(/PUBLIC_VM \(AVM\)/);
    expect(await h.client.getProvingJobStatus(job.id)).toEqual({ status: 'not-found' });
    expect(h.executions.started).toHaveLength(0);
  });

  it("takes inline (data:) jobs from a node without PROVER_PROOF_STORE and answers inline, as Aztec's InlineProofStore reads it", async () => {
    const stores = await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.resolve('@aztec/prover-client/broker/config'))), 'proof_store', 'inline_proof_store.js')).href);
    const { CheckpointPaddingRollupPrivateInputs } = await import('@aztec/stdlib/rollup');
    const inline = new stores.InlineProofStore();
    const inputs = new CheckpointPaddingRollupPrivateInputs();
    const id = aztecJobIdFor(2, 'CHECKPOINT_PADDING_ROLLUP', inputs.toBuffer());
    const inputsUri: string = await inline.saveProofInput(id, PADDING, inputs);
    expect(await h.client.enqueueProvingJob({ id, type: PADDING, epochNumber: 2, inputsUri })).toEqual({ status: 'not-found' });
    const record = (await h.table.get(id))!;
    expect(record.inputsKey).toBe(`${INLINE_PREFIX}inputs/CHECKPOINT_PADDING_ROLLUP/${id}`);
    expect(Buffer.from((await h.store.get(record.inputsKey))!)).toEqual(inputs.toBuffer());
    // What the job runner would write: Aztec's result JSON (here a stand-in body with the right shape).
    const resultJson = JSON.stringify({ type: PADDING, result: { marker: 'proof, public inputs, vk' } });
    await h.store.put(record.outputKey, Buffer.from(resultJson));
    await h.table.settle(id, { status: 'fulfilled' });
    const status = await h.client.getProvingJobStatus(id);
    expect(status.status).toBe('fulfilled');
    expect(status.value).toMatch(/^data:application\/json;charset=utf-8,/);
    expect(decodeURIComponent(status.value!.split(',')[1]!)).toBe(resultJson);
    // A data: URI of another job type is refused.
    await expect(h.client.enqueueProvingJob({ id: `${id}x`, type: PARITY_BASE, epochNumber: 2, inputsUri })).rejects.toThrow(/not a PARITY_BASE job/);
  });
});

/** Test double of the broker's pre-warm port: records each warm call; `fail` makes it reject. */
class RecordingWarmer implements CapacityWarmer {
  readonly epochs: number[] = [];
  fail?: Error;
  async warm(epoch: number): Promise<void> {
    this.epochs.push(epoch);
    if (this.fail) throw this.fail;
  }
}

describe('pre-warm at the first job of a new epoch', () => {
  it('warms once per new epoch (epoch 0 included), not for further jobs of the same or an older kept epoch', async () => {
    await h.server.close();
    const warmer = new RecordingWarmer();
    h = await harness({ warmer, maxEpochsToKeep: 2 });
    await h.client.enqueueProvingJob(await stagedJob(0));
    await h.client.enqueueProvingJob(await stagedJob(0, PADDING));
    await h.client.enqueueProvingJob(await stagedJob(5));
    await h.client.enqueueProvingJob(await stagedJob(5, PADDING));
    await h.client.enqueueProvingJob(await stagedJob(4));
    await h.client.enqueueProvingJob(await stagedJob(6));
    expect(warmer.epochs).toEqual([0, 5, 6]);
    expect(h.executions.started).toHaveLength(6);
  });

  it('a failing pre-warm is logged and never fails the enqueue', async () => {
    await h.server.close();
    const warmer = new RecordingWarmer();
    warmer.fail = new Error('TooManyRequestsException: Too Many Requests');
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    h = await harness({ warmer, log: (message, fields) => lines.push({ message, ...(fields ? { fields } : {}) }) });
    const job = await stagedJob(3);
    expect(await h.client.enqueueProvingJob(job)).toEqual({ status: 'not-found' });
    expect(await h.client.getProvingJobStatus(job.id)).toEqual({ status: 'in-queue' });
    expect(h.executions.started).toHaveLength(1);
    expect(lines).toContainEqual({ message: 'pre-warm failed (capacity scales on demand instead)', fields: { epoch: 3, error: 'TooManyRequestsException: Too Many Requests' } });
  });
});

describe('getCompletedJobs', () => {
  it('reports each settled job once since the last call (a durable feed), and the settled ones among the ids asked', async () => {
    const a = await stagedJob(7, PARITY_BASE, Buffer.from('a'));
    const b = await stagedJob(7, PARITY_BASE, Buffer.from('b'));
    const c = await stagedJob(7, PARITY_BASE, Buffer.from('c'));
    for (const job of [a, b, c]) await h.client.enqueueProvingJob(job);
    expect(await h.client.getCompletedJobs([])).toEqual([]);
    await h.table.settle(a.id, { status: 'fulfilled' });
    await h.table.settle(b.id, { status: 'rejected', reason: 'bad inputs' });
    expect((await h.client.getCompletedJobs([])).sort()).toEqual([a.id, b.id].sort());
    expect(await h.client.getCompletedJobs([])).toEqual([]);
    // A restarted broker (new process, same table) reports nothing twice and forgets nothing.
    const again = new ProvingBroker({ table: h.table, executions: h.executions, store: h.store, scope: { bucket: BUCKET, prefix: PROOF_STORE_PREFIX, inlinePrefix: INLINE_PREFIX } });
    expect(await again.getCompletedJobs([])).toEqual([]);
    expect((await again.getCompletedJobs([a.id, b.id, c.id, 'unknown'])).sort()).toEqual([a.id, b.id].sort());
    expect(await again.getProvingJobStatus(b.id)).toEqual({ status: 'rejected', reason: 'bad inputs' });
    expect(await again.getProvingJobStatus(c.id)).toEqual({ status: 'in-queue' });
  });
});

describe('cancelProvingJob', () => {
  it("rejects an unsettled job with Aztec's 'Aborted' and stops its execution; a settled or unknown job is left alone", async () => {
    const running = await stagedJob(4, PARITY_BASE, Buffer.from('r'));
    const done = await stagedJob(4, PARITY_BASE, Buffer.from('d'));
    await h.client.enqueueProvingJob(running);
    await h.client.enqueueProvingJob(done);
    await h.table.settle(done.id, { status: 'fulfilled' });
    await h.client.cancelProvingJob(running.id);
    await h.client.cancelProvingJob(done.id);
    await h.client.cancelProvingJob('4:PARITY_BASE:unknown');
    expect(await h.client.getProvingJobStatus(running.id)).toEqual({ status: 'rejected', reason: ABORTED_REASON });
    expect((await h.client.getProvingJobStatus(done.id)).status).toBe('fulfilled');
    expect(h.executions.stopped).toEqual([h.executions.started[0]!.name]);
    // The state machine finishing after the cancel cannot overwrite it.
    expect(await h.table.settle(running.id, { status: 'fulfilled' })).toBe(false);
    expect((await h.client.getCompletedJobs([])).sort()).toEqual([running.id, done.id].sort());
  });
});

describe('reconcile and old epochs', () => {
  it('starts executions a crash left unstarted and rejects jobs whose execution ended without an outcome', async () => {
    const lost = await stagedJob(5, PARITY_BASE, Buffer.from('lost'));
    const died = await stagedJob(5, PARITY_BASE, Buffer.from('died'));
    await h.client.enqueueProvingJob(lost);
    await h.client.enqueueProvingJob(died);
    const [first, second] = h.executions.started;
    h.executions.states.delete(first!.name); // as if the broker crashed before StartExecution
    h.executions.states.set(second!.name, 'FAILED');
    expect(await h.broker.reconcile()).toEqual({ started: 1, settled: 1 });
    expect(h.executions.states.get(first!.name)).toBe('RUNNING');
    const status = await h.client.getProvingJobStatus(died.id);
    expect(status.status).toBe('rejected');
    expect(status.reason).toMatch(/ended FAILED: States.Runtime: boom/);
    expect(await h.broker.reconcile()).toEqual({ started: 0, settled: 0 });
  });

  it("drops jobs of epochs older than the ones kept, like Aztec's broker, stopping the ones still running", async () => {
    const old = await stagedJob(3, PARITY_BASE, Buffer.from('old'));
    const kept = await stagedJob(4, PARITY_BASE, Buffer.from('kept'));
    await h.client.enqueueProvingJob(old);
    await h.client.enqueueProvingJob(kept);
    expect(await h.broker.dropOldEpochs()).toBe(0);
    await h.client.enqueueProvingJob(await stagedJob(5));
    expect(await h.broker.dropOldEpochs()).toBe(1);
    expect(await h.client.getProvingJobStatus(old.id)).toEqual({ status: 'not-found' });
    expect(await h.client.getProvingJobStatus(kept.id)).toEqual({ status: 'in-queue' });
    expect(h.executions.stopped).toEqual([h.executions.started[0]!.name]);
  });
});

describe('the wire', () => {
  it('answers Aztec\'s batched calls in order, gzip bodies, GET /status, and JSON-RPC errors per item', async () => {
    const jobs = await Promise.all([1, 2, 3].map((i) => stagedJob(6, PARITY_BASE, Buffer.from(`batch ${i}`))));
    // One sync burst of calls: Aztec's client sends them as one batch request.
    const statuses = await Promise.all([...jobs.map((job) => h.client.enqueueProvingJob(job)), h.client.getProvingJobStatus('6:PARITY_BASE:none')]);
    expect(statuses).toEqual([{ status: 'not-found' }, { status: 'not-found' }, { status: 'not-found' }, { status: 'not-found' }]);

    expect((await fetch(`${h.server.url}/status`)).status).toBe(200);
    const post = (body: unknown, gzip = false) =>
      fetch(h.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: gzip ? gzipSync(JSON.stringify(body)) : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown>[] }));
    const reply = await post(
      [
        { jsonrpc: '2.0', id: 1, method: 'proverBroker_getProvingJobStatus', params: [jobs[0]!.id] },
        { jsonrpc: '2.0', id: 2, method: 'proverBroker_noSuchMethod', params: [] },
        { jsonrpc: '2.0', id: 3, method: 'proverBroker_enqueueProvingJob', params: [{ id: 'x' }] },
        { jsonrpc: '2.0', id: 4, method: 'provingJobProducer_cancelProvingJob', params: ['6:PARITY_BASE:none'] },
        { jsonrpc: '2.0', id: 5, method: 'proverBroker_getProvingJob', params: [] },
      ],
      true,
    );
    expect(reply.status).toBe(200);
    expect(reply.body[0]).toEqual({ jsonrpc: '2.0', id: 1, result: { status: 'in-queue' } });
    expect(reply.body[1]).toMatchObject({ id: 2, error: { code: -32601 } });
    expect(reply.body[2]).toMatchObject({ id: 3, error: { code: -32701 } });
    expect(reply.body[3]).toEqual({ jsonrpc: '2.0', id: 4 });
    expect(reply.body[4]).toEqual({ jsonrpc: '2.0', id: 5 });
    expect((await fetch(h.server.url, { method: 'POST', body: '{not json' })).status).toBe(400);
    // Agents get no work here: every job runs on Batch.
    expect(await h.client.getProvingJob()).toBeUndefined();
  });
});
