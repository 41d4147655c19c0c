/**
 * The job runner's own duties, for every job kind, in seconds: resume (a finished job is skipped), corrupted
 * outputs (a result whose outputs no longer hash to what it recorded is not a finished job: the job is proven
 * again), the spec check (a spec for another job id fails clearly) and the retry classification (only a
 * ProverError's `retryable` counts). Proving is the shared TEST DOUBLE backend (test/proving/fake-backend.ts),
 * a TEST DOUBLE adapter and a TEST DOUBLE Aztec prover; the store is the in-memory reference store.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProverError } from '../../lib/errors.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import type { JobAdapter } from '../../lib/proving/job-adapter.ts';
import { RETRYABLE_EXIT_CODE as EXIT_RETRYABLE } from '../../lib/job-retry.ts';
import { EXIT_FAILED, EXIT_OK, exitCodeFor, findFinishedResult, runJob, type AztecJobProver, type JobRunnerDeps } from '../../lib/proving/job-runner.ts';
import { jobErrorSchema, jobResultSchema, type JobSpec } from '../../lib/proving/job-spec.ts';
import { jobErrorKey, jobResultKey, jobSpecKey } from '../../lib/proving/keys.ts';
import { testDoubleBackend, type TestDoubleBackend } from './fake-backend.ts';

const BB = 'b0b0b0b0b0b0b0b0b0b0b0b0';
const CHILD = 'c1c1c1c1c1c1c1c1c1c1c1c1';
const PARENT = 'dadadadadadadadadadadada';
const AZTEC = 'a2a2a2a2a2a2a2a2a2a2a2a2';
const OTHER = 'eeeeeeeeeeeeeeeeeeeeeeee';

/** TEST DOUBLE adapter: reads each child's proof, asks the backend for a "proof" in <workDir>/out. */
const testDoubleAdapter: JobAdapter = {
  profile: 'devnet',
  async prepare(spec, io) {
    for (const child of spec.children) await io.readChildOutput(child, 'proof');
    const outDir = join(io.workDir, 'out');
    return { args: ['prove', '-o', outDir], outDir, outputs: ['proof', 'public_inputs', 'vk'] };
  },
};

/** TEST DOUBLE Aztec prover: "proves" by echoing the inputs into a JSON result; counts its calls. */
function testDoubleAztecProver(): AztecJobProver & { readonly calls: number } {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async prove({ type, inputs }) {
      calls++;
      return { output: Buffer.from(JSON.stringify({ type, inputs: Buffer.from(inputs).toString() })), proveMs: 1, backend: 'test-double-aztec', backendVersion: '0' };
    },
  };
}

const specs: Record<'bb' | 'protocol' | 'aztec', JobSpec> = {
  bb: { kind: 'bb', id: BB, args: ['prove', '-b', '{in:bytecode}', '-o', '{out}'], inputs: { bytecode: 'inputs/bytecode' }, outputs: ['proof', 'vk'] },
  protocol: { kind: 'protocol', id: PARENT, profile: 'devnet', type: 'MERGE', class: 'small', children: [CHILD], block: 1, inputs: {} },
  aztec: { kind: 'aztec', id: AZTEC, type: 'TX_MERGE_ROLLUP', inputs: 'inputs/TX_MERGE_ROLLUP/1', output: 'outputs/TX_MERGE_ROLLUP/1.json' },
};

interface Fixture {
  readonly store: MemoryArtifactStore;
  readonly backend: TestDoubleBackend;
  readonly aztecProver: ReturnType<typeof testDoubleAztecProver>;
  readonly deps: JobRunnerDeps;
  /** Times the job was proven (backend runs, or Aztec prover calls). */
  proofs(): number;
}

/** A store holding the specs of every kind (and the finished child of the protocol job). */
async function fixture(kind: keyof typeof specs = 'bb'): Promise<Fixture> {
  const store = new MemoryArtifactStore();
  const backend = testDoubleBackend();
  const aztecProver = testDoubleAztecProver();
  const deps: JobRunnerDeps = { store, backend, adapters: { devnet: testDoubleAdapter }, aztecProver };
  await store.put('inputs/bytecode', Buffer.from('bytecode'));
  await store.put('inputs/TX_MERGE_ROLLUP/1', Buffer.from('aztec inputs'));
  await putSpec(store, { kind: 'protocol', id: CHILD, profile: 'devnet', type: 'BASE', class: 'small', children: [], block: 1, tx: 0, inputs: {} });
  expect((await runJob(CHILD, deps)).status).toBe('proved');
  for (const spec of Object.values(specs)) await putSpec(store, spec);
  const childRuns = backend.runs.length;
  return {
    store,
    backend,
    aztecProver,
    deps,
    proofs: () => (kind === 'aztec' ? aztecProver.calls : backend.runs.length - childRuns),
  };
}

const putSpec = (store: MemoryArtifactStore, spec: JobSpec) => store.put(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec)));
const readJson = async (store: MemoryArtifactStore, key: string): Promise<unknown> => JSON.parse(Buffer.from((await store.get(key))!).toString('utf8'));

describe.each(['bb', 'protocol', 'aztec'] as const)('job runner, %s job', (kind) => {
  const id = specs[kind].id;

  it('proves the job once, writes result.json last, and a re-run skips it with the same result', async () => {
    const f = await fixture(kind);
    const first = await runJob(id, f.deps);
    expect(first.status).toBe('proved');
    expect(exitCodeFor(first)).toBe(EXIT_OK);
    if (first.status === 'failed') return;
    expect(jobResultSchema.parse(await readJson(f.store, jobResultKey(id)))).toEqual(first.result);
    expect(first.result.metrics.backend).toBe(kind === 'aztec' ? 'test-double-aztec' : 'test-double');

    const again = await runJob(id, f.deps);
    expect(again).toEqual({ status: 'skipped', result: first.result });
    expect(exitCodeFor(again)).toBe(EXIT_OK);
    expect(f.proofs()).toBe(1);
  });

  it('an output that no longer hashes to its record is detected: the job is proven again and the record matches', async () => {
    const f = await fixture(kind);
    const first = await runJob(id, f.deps);
    if (first.status === 'failed') throw new Error(first.message);
    const [name, output] = Object.entries(first.result.outputs)[0]!;
    await f.store.put(output.key, Buffer.from('corrupted bytes'));
    expect(await findFinishedResult(f.store, id)).toBeUndefined();

    const again = await runJob(id, f.deps);
    expect(again.status).toBe('proved');
    if (again.status === 'failed') return;
    expect(again.result.outputs[name]).toEqual(output);
    expect(await findFinishedResult(f.store, id)).toEqual(again.result);
    expect(f.proofs()).toBe(2);
  });
});

describe('job runner: resume and corrupted records', () => {
  it('a missing output is not a finished job either', async () => {
    const f = await fixture();
    const first = await runJob(BB, f.deps);
    if (first.status === 'failed') throw new Error(first.message);
    // The memory store has no delete: the same objects in a new store, but the vk.
    const store = new MemoryArtifactStore();
    for (const key of await f.store.list('')) if (key !== first.result.outputs['vk']!.key) await store.put(key, (await f.store.get(key))!);
    expect(await findFinishedResult(store, BB)).toBeUndefined();
    expect((await runJob(BB, { ...f.deps, store })).status).toBe('proved');
    expect(f.proofs()).toBe(2);
  });

  it('a result.json that does not match the schema is not a done-marker: the job is proven again', async () => {
    const f = await fixture();
    await f.store.put(jobResultKey(BB), Buffer.from(JSON.stringify({ id: BB, outputs: 'none' })));
    expect((await runJob(BB, f.deps)).status).toBe('proved');
    expect(f.proofs()).toBe(1);
  });

  it('a parent whose child output was corrupted fails (not retryable) instead of proving on bad bytes', async () => {
    const f = await fixture('protocol');
    const child = await findFinishedResult(f.store, CHILD);
    await f.store.put(child!.outputs['proof']!.key, Buffer.from('corrupted'));
    const outcome = await runJob(PARENT, f.deps);
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, message: `job ${PARENT}: child job ${CHILD} has no verified output yet\n  children must finish before their parent is submitted` });
    expect(f.proofs()).toBe(0);
  });
});

describe('job runner: the spec', () => {
  it('a spec for another job id fails clearly, proves nothing and records the failure under the requested id', async () => {
    const f = await fixture();
    await f.store.put(jobSpecKey(BB), Buffer.from(JSON.stringify({ ...specs.bb, id: OTHER })));
    const outcome = await runJob(BB, f.deps);
    expect(outcome).toEqual({ status: 'failed', retryable: false, message: `job ${BB}: job spec ${jobSpecKey(BB)} is for job ${OTHER}` });
    expect(exitCodeFor(outcome)).toBe(EXIT_FAILED);
    expect(f.proofs()).toBe(0);
    expect(await f.store.get(jobResultKey(BB))).toBeUndefined();
    expect(await f.store.get(jobResultKey(OTHER))).toBeUndefined();
    expect(jobErrorSchema.parse(await readJson(f.store, jobErrorKey(BB)))).toMatchObject({ id: BB, retryable: false, message: outcome.status === 'failed' ? outcome.message : '' });
  });

  it.each([
    ['missing', undefined, /no job spec at jobs\/.*\/spec\.json\n  Plan writes it/],
    ['not JSON', '{"kind":', /job spec jobs\/.*\/spec\.json is not JSON/],
    ['invalid', JSON.stringify({ kind: 'bb', id: BB, args: [] }), /job spec jobs\/.*\/spec\.json is invalid\n  args: /],
  ])('a %s spec fails, not retryable', async (_name, body, message) => {
    const store = new MemoryArtifactStore();
    if (body !== undefined) await store.put(jobSpecKey(BB), Buffer.from(body));
    const outcome = await runJob(BB, { store, backend: testDoubleBackend(), adapters: {} });
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, message: expect.stringMatching(message) });
  });

  it('keeps no scratch dir behind, unless asked to', async () => {
    const f = await fixture();
    const scratchRoot = join(tmpdir(), `job-runner-test-${process.pid}-${Date.now()}`);
    try {
      expect((await runJob(BB, { ...f.deps, scratchRoot })).status).toBe('proved');
      expect(await readdir(scratchRoot)).toEqual([]);
      await f.store.put(jobResultKey(BB), Buffer.from('{}'));
      expect((await runJob(BB, { ...f.deps, scratchRoot, keepScratch: true })).status).toBe('proved');
      const [kept] = await readdir(scratchRoot);
      expect(kept).toMatch(new RegExp(`^job-${BB}-`));
      expect((await readFile(join(scratchRoot, kept!, 'in', 'bytecode'))).toString()).toBe('bytecode');
    } finally {
      await rm(scratchRoot, { recursive: true, force: true });
    }
  });
});

describe('job runner: retryable or not (exit 75 or 1)', () => {
  const failingPut = (error: unknown) => async () => {
    const f = await fixture();
    const put = f.store.put.bind(f.store);
    f.store.put = async (key, body) => {
      if (key.endsWith('/proof')) throw error;
      return put(key, body);
    };
    return runJob(BB, f.deps);
  };

  it('a store failure the store calls retryable (a ProverError) exits 75', async () => {
    const outcome = await failingPut(new ProverError('S3 PutObject failed for s3://b/jobs/x/outputs/proof', { retryable: true }))();
    expect(outcome).toMatchObject({ status: 'failed', retryable: true });
    expect(exitCodeFor(outcome)).toBe(EXIT_RETRYABLE);
  });

  it('the runner reads no AWS error shapes: an unclassified error is not retryable, whatever it looks like', async () => {
    const awsShaped = Object.assign(new Error('SlowDown'), { name: 'SlowDown', $retryable: { throttling: true }, $metadata: { httpStatusCode: 503 }, code: 'ECONNRESET' });
    const outcome = await failingPut(awsShaped)();
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(exitCodeFor(outcome)).toBe(EXIT_FAILED);
  });

  it("bb killed by a signal is retryable, bb's own failure is not", async () => {
    for (const retry of [true, false]) {
      const f = await fixture();
      const outcome = await runJob(BB, { ...f.deps, backend: testDoubleBackend({ fail: { reason: retry ? 'killed by SIGKILL' : 'exit code 1', retry } }) });
      expect(outcome).toMatchObject({ status: 'failed', retryable: retry, message: expect.stringContaining('bb failed: ') });
    }
  });
});

describe('lib/proving', () => {
  it('imports nothing from AWS: stores classify their own errors', async () => {
    const root = new URL('../../lib/proving/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    expect(files).toContain('job-runner.ts');
    for (const file of files) {
      const source = await readFile(new URL(file, root), 'utf8');
      expect(source, file).not.toMatch(/from '@aws-sdk\/|from '\.\.\/aws\/|from '\.\.\/\.\.\/aws\//);
    }
  });
});
