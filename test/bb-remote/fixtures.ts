/**
 * Shared setup for the bb-remote tests: a real circuit (the devnet's `client`, 247 gates, committed artifact),
 * real witnesses from noir_js (one satisfying, one that does not satisfy the circuit), a devnet test CRS, a
 * local S3 server (s3rver) and the job runner bundled once. Processes are run with a clean environment so a
 * developer's AWS variables cannot leak into a test.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressWitnessStack, decompressWitnessStack } from '@noir-lang/acvm_js';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { createS3Client } from '../../lib/aws/s3-client.ts';
import { bundleLocalJobRunner } from '../../lib/local/job-runner-bundle.ts';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../lib/local/s3-server.ts';
import { bbBinaryPath } from '../../lib/proving/bb.ts';
import { loadDevnetCircuit } from '../../lib/protocols/devnet/artifacts.ts';
import { ensureDevnetCrs, type DevnetCrs } from '../../lib/protocols/devnet/crs.ts';
import { fieldToHex } from '../../lib/protocols/devnet/fields.ts';
import { loadDevnetRules } from '../../lib/protocols/devnet/state.ts';
import { generateDevnetWitness } from '../../lib/protocols/devnet/witness.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The shim the Aztec agent's BB_BINARY_PATH points at. */
export const SHIM = join(REPO_ROOT, 'bin', 'bb-remote');
export const REAL_BB = bbBinaryPath();
export const BUCKET = 'bb-remote-test';

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>> },
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

/** PATH and HOME only: what any process needs, nothing from the developer's AWS setup. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
}

export interface BbRemoteFixture {
  readonly work: string;
  readonly s3: LocalS3;
  readonly store: S3ArtifactStore;
  readonly crs: DevnetCrs;
  /** The job runner bundle (BB_REMOTE_LOCAL_RUNNER), built once for all calls. */
  readonly runnerBundle: string;
  /** The client circuit: Noir program JSON and its committed vk (target noir-recursive). */
  readonly programPath: string;
  readonly vkPath: string;
  /** A satisfying witness, and one of the same shape whose note does not match (bb: "Builder failure"). */
  readonly witnessPath: string;
  readonly badWitnessPath: string;
  /** Another satisfying witness (a second, different job on the same bytecode). */
  readonly otherWitnessPath: string;
  /** Environment of bb-remote in local mode against this fixture's S3 and CRS. */
  localEnv(extra?: Readonly<Record<string, string>>): Record<string, string>;
  /** A fresh directory under `work`. */
  dir(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startBbRemoteFixture(): Promise<BbRemoteFixture> {
  const work = await mkdtemp(join(tmpdir(), 'bb-remote-test-'));
  const s3 = await startLocalS3({ directory: join(work, 's3'), bucket: BUCKET });
  const store = new S3ArtifactStore({
    client: createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS }),
    bucket: BUCKET,
    conditionalWrites: 'check-then-put',
  });
  // The client circuit is 247 gates (dyadic 512); the evm target adds a few hundred more. 4097 points is
  // cached by other suites and generated in a second otherwise.
  const crs = await ensureDevnetCrs({ profile: 'devnet', points: 4097 });
  const runner = await bundleLocalJobRunner(join(REPO_ROOT, '.cache', 'bb-remote-test', `runner-${process.pid}`));

  const client = loadDevnetCircuit('client');
  const rules = await loadDevnetRules();
  const witness = async (secret: bigint, value: bigint) =>
    (await generateDevnetWitness(client, { note: fieldToHex(rules.noteCommitment(secret, value)), secret: String(secret), value: String(value), new_secret: '8' })).witness;
  const good = await witness(7n, 9n);
  const other = await witness(11n, 13n);
  const stack = decompressWitnessStack(good);
  const main = stack[0];
  if (!main) throw new Error('noir_js returned an empty witness stack');
  // Witness 0 is the `note` parameter: any other value breaks the note-commitment constraint.
  main.witness.set(0, fieldToHex(rules.noteCommitment(7n, 10n)));
  const bad = compressWitnessStack(stack);

  const inputs = join(work, 'inputs');
  await mkdir(inputs);
  const witnessPath = join(inputs, 'witness.gz');
  const otherWitnessPath = join(inputs, 'other-witness.gz');
  const badWitnessPath = join(inputs, 'bad-witness.gz');
  await writeFile(witnessPath, good);
  await writeFile(otherWitnessPath, other);
  await writeFile(badWitnessPath, bad);

  let dirs = 0;
  return {
    work,
    s3,
    store,
    crs,
    runnerBundle: runner.bundle,
    programPath: client.programPath,
    vkPath: client.vkPath,
    witnessPath,
    badWitnessPath,
    otherWitnessPath,
    localEnv: (extra = {}) => ({
      ...baseEnv(),
      BB_REMOTE_MODE: 'local',
      BB_REMOTE_BUCKET: BUCKET,
      BB_REMOTE_CRS_PATH: crs.dir,
      BB_REMOTE_LOCAL_RUNNER: runner.bundle,
      DEVNET_ARTIFACTS_DIR: runner.env['DEVNET_ARTIFACTS_DIR']!,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ...extra,
    }),
    dir: async (name) => {
      const path = join(work, `${String(++dirs).padStart(2, '0')}-${name}`);
      await mkdir(path, { recursive: true });
      return path;
    },
    stop: async () => {
      await s3.stop();
      await rm(dirname(runner.bundle), { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** bb prints memory use and milliseconds in its log lines, which differ from run to run of the same bb. */
export function withoutRunFigures(text: string): string {
  return text.replace(/\(mem: [\d.]+ MiB\)/g, '(mem: _ MiB)').replace(/ in \d+ ms/g, ' in _ ms');
}
