/**
 * runBbRemote in-process with the real S3 store (s3rver) and the real local job runner: content-addressed
 * uploads counted at the store, and the retry / timeout policy around an executor. Executors that fail on
 * purpose are test doubles wrapping the real one, named as such.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBbRemote, type Delegation } from '../../lib/bb-remote/bb-remote.ts';
import { LocalRemote } from '../../lib/bb-remote/local-remote.ts';
import type { RemoteExecutor, RemoteJobRequest, RemoteOutcome, RemoteRunOptions } from '../../lib/bb-remote/remote.ts';
import { LOCAL_S3_CREDENTIALS } from '../../lib/local/s3-server.ts';
import type { ArtifactBody, ArtifactStore, PutOptions } from '../../lib/proving/artifact-store.ts';
import { bbVersion } from '../../lib/proving/bb.ts';
import { BUCKET, REAL_BB, startBbRemoteFixture, type BbRemoteFixture } from './fixtures.ts';

let f: BbRemoteFixture;
let local: LocalRemote;

beforeAll(async () => {
  f = await startBbRemoteFixture();
  local = new LocalRemote({
    node: process.execPath,
    bundle: f.runnerBundle,
    env: {
      ARTIFACT_BUCKET: BUCKET,
      S3_ENDPOINT: f.s3.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      CRS_PATH: f.crs.dir,
      BB_BINARY: REAL_BB,
      DEVNET_ARTIFACTS_DIR: f.localEnv()['DEVNET_ARTIFACTS_DIR']!,
    },
  });
});

afterAll(async () => {
  await f?.stop();
});

/** The real store, counting writes per key. */
class CountingStore implements ArtifactStore {
  readonly writes = new Map<string, number>();
  constructor(private readonly inner: ArtifactStore) {}
  private count(key: string): void {
    this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  exists(key: string) {
    return this.inner.exists(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  async put(key: string, body: ArtifactBody, options?: PutOptions) {
    this.count(key);
    return this.inner.put(key, body, options);
  }
  async putIfAbsent(key: string, body: Uint8Array, options?: PutOptions) {
    const wrote = await this.inner.putIfAbsent(key, body, options);
    if (wrote) this.count(key);
    return wrote;
  }
}

/** Test double: fails the first `failures` runs the given way without running anything, then runs the real executor. */
class FailingFirst implements RemoteExecutor {
  readonly description = 'test double failing first';
  runs = 0;
  constructor(
    private readonly failures: number,
    private readonly failure: RemoteOutcome,
    private readonly inner: RemoteExecutor,
  ) {}
  run(request: RemoteJobRequest, options: RemoteRunOptions): Promise<RemoteOutcome> {
    return ++this.runs <= this.failures ? Promise.resolve(this.failure) : this.inner.run(request, options);
  }
}

/** Test double: a job that never ends until it is aborted. */
const hangingExecutor: RemoteExecutor = {
  description: 'test double that never finishes',
  run: ({ jobId }, { signal }) =>
    new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, retryable: false, aborted: true, reason: `job ${jobId} stopped` }))),
};

async function call(argv: string[], cwd: string, delegation: Omit<Delegation, 'timeoutMs' | 'attempts'> & Partial<Delegation>): Promise<{ code: number; log: string }> {
  const lines: string[] = [];
  const code = await runBbRemote(argv, {
    delegate: ['prove', 'avm_prove'],
    cwd,
    // The local runner's bb (BB_BINARY) runs jobs that name its own version.
    bbVersion: () => bbVersion(REAL_BB),
    passThrough: async () => {
      throw new Error('nothing here should run the local bb');
    },
    delegation: async () => ({ timeoutMs: 120_000, attempts: 1, retryDelayMs: 0, ...delegation }),
    log: (line) => lines.push(line),
  });
  return { code, log: lines.join('\n') };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** `extra` flags change the job id: a fresh job that no earlier test has finished. */
const prove = (witness: string, extra: string[] = []) => ['prove', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', witness, '-o', 'out', '--write_vk', ...extra];

describe('content-addressed uploads', () => {
  it('proving two witnesses of one circuit (and one of them again) uploads the bytecode once, each witness once', async () => {
    const store = new CountingStore(f.store);
    const runs = [f.witnessPath, f.otherWitnessPath, f.witnessPath];
    for (const witness of runs) {
      const { code, log } = await call(prove(witness), await f.dir('ca'), { store, remote: local });
      expect(code, log).toBe(0);
    }
    const bytecode = `blobs/${sha256(await readFile(f.programPath))}`;
    const witnessA = `blobs/${sha256(await readFile(f.witnessPath))}`;
    const witnessB = `blobs/${sha256(await readFile(f.otherWitnessPath))}`;
    const blobWrites = Object.fromEntries([...store.writes].filter(([k]) => k.startsWith('blobs/')));
    expect(blobWrites).toEqual({ [bytecode]: 1, [witnessA]: 1, [witnessB]: 1 });
    // Two distinct jobs, each spec written once and proven once (the third call reused the first job).
    const specs = [...store.writes.keys()].filter((k) => k.endsWith('/spec.json'));
    expect(specs).toHaveLength(2);
    expect(specs.every((k) => store.writes.get(k) === 1)).toBe(true);
  });
});

describe('retry and timeout', () => {
  const lost: RemoteOutcome = { ok: false, retryable: true, reason: 'Host EC2 (instance i-0double) terminated. (test double)' };

  it('a retryable failure is submitted again, up to the attempt limit', async () => {
    const flaky = new FailingFirst(1, lost, local);
    const ok = await call(prove(f.witnessPath, ['-v']), await f.dir('retry-ok'), { store: f.store, remote: flaky, attempts: 2 });
    expect(ok.code, ok.log).toBe(0);
    expect(flaky.runs).toBe(2);
    expect(ok.log).toContain('attempt 1 of 2 failed (Host EC2 (instance i-0double) terminated.');

    const tooFew = new FailingFirst(2, lost, local);
    const failed = await call(prove(f.otherWitnessPath, ['-d']), await f.dir('retry-fail'), { store: f.store, remote: tooFew, attempts: 2 });
    expect(failed.code).toBe(1);
    expect(tooFew.runs).toBe(2);
    expect(failed.log).toContain('Host EC2 (instance i-0double) terminated.');
  });

  it('a deterministic failure is not retried', async () => {
    const broken = new FailingFirst(5, { ok: false, retryable: false, reason: 'exit 1 (test double)' }, local);
    const r = await call(prove(f.badWitnessPath), await f.dir('no-retry'), { store: f.store, remote: broken, attempts: 3 });
    expect(r.code).toBe(1);
    expect(broken.runs).toBe(1);
  });

  it('the call times out: the executor is told to stop, bb-remote exits 1 saying so', async () => {
    const dir = await f.dir('timeout');
    const started = Date.now();
    const r = await call(['prove', '-t', 'noir-recursive-no-zk', '-b', f.programPath, '-w', f.badWitnessPath, '-o', join(dir, 'o'), '--write_vk', '-v'], dir, {
      store: f.store,
      remote: hangingExecutor,
      timeoutMs: 300,
      attempts: 3,
    });
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/timed out after 0 s/);
    expect(r.log).toMatch(/job [0-9a-f]{24} stopped/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
