/**
 * The bb version, end to end at unit cost: bb-remote names the fronted bb's version in the job (and in its id),
 * and the real job runner runs exactly that bb — from its versions directory, or its default bb when that one
 * reports the version — or fails, not retryably, listing what it has. The bbs here are stand-ins (shell scripts
 * that report a version and write a proof naming it), so which bb ran is visible in the proof bytes.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBbRemote, type Delegation } from '../../lib/bb-remote/bb-remote.ts';
import { frontedBbVersion } from '../../lib/bb-remote/bb-version.ts';
import type { RemoteExecutor, RemoteJobRequest, RemoteOutcome } from '../../lib/bb-remote/remote.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { NativeBbBackend } from '../../lib/proving/bb.ts';
import { exitCodeFor, runJob, type JobRunnerDeps } from '../../lib/proving/job-runner.ts';
import { bbJobSpecSchema, jobErrorSchema, jobResultSchema, type BbJobSpec } from '../../lib/proving/job-spec.ts';
import { blobKey, jobErrorKey, jobResultKey, jobSpecKey } from '../../lib/proving/keys.ts';

let work: string;
let versionsDir: string;
let defaultBb: string;

/** A stand-in for bb `version`: `--version` prints it; `prove … -o DIR` writes DIR/proof = "proof by bb <version>". */
async function standInBb(path: string, version: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(
    path,
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "${version}"; exit 0; fi
out=""; prev=""
for a in "$@"; do if [ "$prev" = "-o" ]; then out="$a"; fi; prev="$a"; done
mkdir -p "$out" && printf 'proof by bb ${version}' > "$out/proof" && printf 'inputs' > "$out/public_inputs"
`,
  );
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bb-version-test-'));
  versionsDir = join(work, 'versions');
  await standInBb(join(versionsDir, '4.1.2', 'bb'), '4.1.2');
  await standInBb(join(versionsDir, '5.0.0-nightly.20260710', 'bb'), '5.0.0-nightly.20260710');
  defaultBb = await standInBb(join(work, 'default', 'bb'), '6.0.0');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const deps = (store: MemoryArtifactStore): JobRunnerDeps => ({ store, backend: new NativeBbBackend({ bbPath: defaultBb }), bbVersionsDir: versionsDir, adapters: {} });

async function stageRawJob(store: MemoryArtifactStore, id: string, bbVersion: string | undefined): Promise<void> {
  const input = blobKey('1'.repeat(64));
  await store.put(input, Buffer.from('bytecode'));
  const spec: BbJobSpec = {
    kind: 'bb',
    id,
    ...(bbVersion === undefined ? {} : { bbVersion }),
    args: ['prove', '-b', '{in:bytecode}', '-o', '{out}'],
    inputs: { bytecode: input },
    outputs: ['proof', 'public_inputs'],
  };
  await store.put(jobSpecKey(id), Buffer.from(JSON.stringify(bbJobSpecSchema.parse(spec))));
}

async function provedBy(store: MemoryArtifactStore, id: string): Promise<{ proof: string; backendVersion: string }> {
  const result = jobResultSchema.parse(JSON.parse(Buffer.from((await store.get(jobResultKey(id)))!).toString()));
  return { proof: Buffer.from((await store.get(result.outputs['proof']!.key))!).toString(), backendVersion: result.metrics.backendVersion };
}

describe('the job runner runs the bb a raw job names', () => {
  it.each([
    ['4.1.2', 'from the versions directory', '4.1.2'],
    ['5.0.0-nightly.20260710', 'from the versions directory', '5.0.0-nightly.20260710'],
    ['6.0.0', 'the default bb, which reports that version', '6.0.0'],
    [undefined, 'the default bb (a spec without a version, as before)', '6.0.0'],
  ])('bbVersion %s: %s', async (bbVersion, _how, ranVersion) => {
    const store = new MemoryArtifactStore();
    const id = 'a0a0a0a0a0a0a0a0a0a0a0a0';
    await stageRawJob(store, id, bbVersion);
    const outcome = await runJob(id, deps(store));
    expect(outcome.status, JSON.stringify(outcome)).toBe('proved');
    expect(await provedBy(store, id)).toEqual({ proof: `proof by bb ${ranVersion}`, backendVersion: ranVersion });
  });

  it('a version it does not have fails the job, not retryably, with the versions it has (exit 1, error.json)', async () => {
    const store = new MemoryArtifactStore();
    const id = 'b0b0b0b0b0b0b0b0b0b0b0b0';
    await stageRawJob(store, id, '9.9.9');
    const outcome = await runJob(id, deps(store));
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(exitCodeFor(outcome)).toBe(1);
    if (outcome.status !== 'failed') return;
    expect(outcome.message).toContain('this job runner has no bb 9.9.9, the version the job was made for');
    expect(outcome.message).toContain(
      `it has: 4.1.2 (${versionsDir}/4.1.2/bb), 5.0.0-nightly.20260710 (${versionsDir}/5.0.0-nightly.20260710/bb), 6.0.0 (the default bb, ${defaultBb})`,
    );
    expect(jobErrorSchema.parse(JSON.parse(Buffer.from((await store.get(jobErrorKey(id)))!).toString())).message).toBe(outcome.message);
    expect(await store.exists(jobResultKey(id))).toBe(false);
  });

  it('a spec whose bbVersion is not a version (e.g. a path) is refused before any bb runs', async () => {
    const store = new MemoryArtifactStore();
    const id = 'c0c0c0c0c0c0c0c0c0c0c0c0';
    await store.put(jobSpecKey(id), Buffer.from(JSON.stringify({ kind: 'bb', id, bbVersion: '../default', args: ['prove'], inputs: {}, outputs: ['proof'] })));
    const outcome = await runJob(id, deps(store));
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    if (outcome.status === 'failed') expect(outcome.message).toMatch(/bbVersion: bbVersion must be a version/);
  });
});

/** Test double of the executor: runs the job in-process with the real job runner (as the container would). */
class InProcessRunner implements RemoteExecutor {
  readonly description = 'in-process job runner (test double of Batch)';
  readonly jobs: string[] = [];
  constructor(private readonly store: MemoryArtifactStore) {}
  async run(request: RemoteJobRequest): Promise<RemoteOutcome> {
    this.jobs.push(request.jobId);
    const outcome = await runJob(request.jobId, deps(this.store));
    return outcome.status === 'failed' ? { ok: false, retryable: outcome.retryable, reason: outcome.message } : { ok: true, detail: outcome.status };
  }
}

describe('bb-remote: the bb version is part of the job', () => {
  it('the same call under another bb is another job (never the other bb\'s proof); under the same bb it is reused', async () => {
    const store = new MemoryArtifactStore();
    const runner = new InProcessRunner(store);
    const agent = join(work, 'agent');
    await mkdir(agent, { recursive: true });
    await writeFile(join(agent, 'TxMergeRollupArtifact-bytecode'), 'bytecode');
    await writeFile(join(agent, 'TxMergeRollupArtifact-vk'), 'vk');
    await writeFile(join(agent, 'partial-witness.gz'), 'witness');
    const argv = ['prove', '--scheme', 'ultra_honk', '--disable_zk', '-o', agent, '-b', join(agent, 'TxMergeRollupArtifact-bytecode'), '-k', join(agent, 'TxMergeRollupArtifact-vk'), '-w', join(agent, 'partial-witness.gz')];
    const delegation: Delegation = { store, remote: runner, timeoutMs: 60_000, attempts: 1, retryDelayMs: 0 };
    const call = async (bbVersion: string): Promise<{ code: number; log: string; proof: string }> => {
      const lines: string[] = [];
      const code = await runBbRemote(argv, {
        delegate: ['prove'],
        cwd: agent,
        bbVersion: async () => bbVersion,
        passThrough: async () => {
          throw new Error('nothing here runs the local bb');
        },
        delegation: async () => delegation,
        log: (line) => lines.push(line),
      });
      return { code, log: lines.join('\n'), proof: await readFile(join(agent, 'proof'), 'utf8') };
    };

    const first = await call('4.1.2');
    expect(first.code, first.log).toBe(0);
    expect(first.proof).toBe('proof by bb 4.1.2');
    const other = await call('5.0.0-nightly.20260710');
    expect(other.code, other.log).toBe(0);
    expect(other.proof).toBe('proof by bb 5.0.0-nightly.20260710');
    expect(runner.jobs).toHaveLength(2);
    expect(runner.jobs[0]).not.toBe(runner.jobs[1]);
    const spec = bbJobSpecSchema.parse(JSON.parse(Buffer.from((await store.get(jobSpecKey(runner.jobs[0]!)))!).toString()));
    expect(spec.bbVersion).toBe('4.1.2');
    expect(first.log).toContain(`prove (bb 4.1.2) → job ${runner.jobs[0]!}`);

    const again = await call('4.1.2');
    expect(again.code, again.log).toBe(0);
    expect(runner.jobs).toHaveLength(2);
    expect(again.log).toContain(`job ${runner.jobs[0]!} already finished: reusing its outputs`);
    expect(again.proof).toBe('proof by bb 4.1.2');
  });

  it('a version the runner lacks: bb-remote exits 1 with the runner\'s list of versions', async () => {
    const store = new MemoryArtifactStore();
    const agent = join(work, 'agent-missing');
    await mkdir(agent, { recursive: true });
    await writeFile(join(agent, 'program.json'), '{}');
    await writeFile(join(agent, 'witness.gz'), 'w');
    const lines: string[] = [];
    const code = await runBbRemote(['prove', '-b', 'program.json', '-w', 'witness.gz', '--write_vk', '-o', 'out'], {
      delegate: ['prove'],
      cwd: agent,
      bbVersion: async () => '4.0.0',
      passThrough: async () => {
        throw new Error('nothing here runs the local bb');
      },
      delegation: async () => ({ store, remote: new InProcessRunner(store), timeoutMs: 60_000, attempts: 2, retryDelayMs: 0 }),
      log: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/prove failed remotely[^]*this job runner has no bb 4\.0\.0[^]*it has: 4\.1\.2/);
  });
});

describe('which bb bb-remote fronts', () => {
  it('BB_REMOTE_BB_VERSION names it without running any bb', async () => {
    expect(await frontedBbVersion({ realBb: join(work, 'no-such-bb'), bbVersion: '4.1.2' })).toBe('4.1.2');
  });

  it('else BB_REMOTE_REAL_BB --version says it', async () => {
    expect(await frontedBbVersion({ realBb: join(versionsDir, '4.1.2', 'bb'), bbVersion: undefined })).toBe('4.1.2');
  });

  it('a real bb that cannot run, or prints no version, is an error saying what to set', async () => {
    await expect(frontedBbVersion({ realBb: join(work, 'no-such-bb'), bbVersion: undefined })).rejects.toThrow(/cannot tell which bb[^]*BB_REMOTE_BB_VERSION[^]*glibc >= 2\.39/);
    const chatty = join(work, 'chatty-bb');
    await writeFile(chatty, '#!/bin/sh\necho "Barretenberg, a perfectly good library"\n');
    await chmod(chatty, 0o755);
    await expect(frontedBbVersion({ realBb: chatty, bbVersion: undefined })).rejects.toThrow(/printed "Barretenberg, a perfectly good library", not a bb version/);
  });
});
