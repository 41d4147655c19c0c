/**
 * bb-remote for the real Aztec 4.1.2 prover agent, with real parts and Aztec's code as the client:
 *
 *   agent (Debian 13 container, glibc 2.41: what bb 4.1.2 needs)
 *     Aztec's BBNativeRollupProver (@aztec/bb-prover 4.1.2), bbBinaryPath = bin/bb-remote (AWS mode),
 *     BB_REMOTE_REAL_BB = bb 4.1.2 — nothing else says which bb; witnesses from Aztec's WASM ACVM behind the
 *     native acvm's command line (test/bb-remote/aztec-agent/acvm)
 *       └─ prove → S3 (s3rver) + the real @aws-sdk/client-batch → Batch stand-in on loopback
 *            └─ `docker run` of the prover image (the job runner picks /opt/bb/4.1.2/bb by the job's version)
 *       └─ verify → passed through to the agent's bb 4.1.2: Aztec's own verify step
 *
 * Checkpoint padding (3,918 gates) and base parity (2^22) are proven that way and again with the agent's bb
 * itself (bbBinaryPath = bb 4.1.2): same circuit outputs, same public inputs, both accepted by Aztec's verify
 * step, which rejects a changed proof or public input. The CRS is the devnet's insecure test CRS, so: the keys
 * Aztec's prover hands bb are the ones bb 4.1.2 computes with it (the keys depend on the CRS), and the agent's
 * bb 4.1.2 carries the test CRS's G2 point in place of Aztec's (bb's verifier has [τ]₂ compiled in; proving
 * never reads it; see aztec-agent/verifier-g2.ts). The prover image's own bb 4.1.2 is stock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageProverContext } from '../../containers/prover/stage-context.ts';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { createS3Client } from '../../lib/aws/s3-client.ts';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../lib/local/s3-server.ts';
import { jobErrorSchema, jobResultSchema, jobSpecSchema, type BbJobSpec } from '../../lib/proving/job-spec.ts';
import { blobKey, jobErrorKey, jobResultKey, jobSpecKey } from '../../lib/proving/keys.ts';
import { loadDevnetManifest } from '../../lib/protocols/devnet/artifacts.ts';
import { aztecTestCrs } from '../protocols/fixtures/aztec-crs.ts';
import type { AgentRequest, AgentRun } from '../bb-remote/aztec-agent/agent.ts';
import { bbWithVerifierG2 } from '../bb-remote/aztec-agent/verifier-g2.ts';
import { startBatchStandIn, type BatchStandIn, type StandInJob } from '../bb-remote/batch-stand-in.ts';
import { BLAKE3_CHAIN_CRS_POINTS } from './blake3-chain-circuit.ts';
import { BASE_IMAGE_TAG, docker, dockerOk, requireDockerEngine, requireLocalImage, tailLines, type DockerEngine, type DockerResult } from './docker-engine.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const IMAGE = 'aztec-aws-prover/prover:bb-remote-test';
/** The prover image test's CRS size: the same build args share Docker's layer cache (the CRS layer is the slow one). */
const IMAGE_CRS_POINTS = Math.max(loadDevnetManifest().crsPoints, BLAKE3_CHAIN_CRS_POINTS) + 1;
/** Base parity is 2^22: the image's CRS is smaller, so parity jobs get this one mounted (a job definition's CRS_PATH). */
const PARITY_POINTS = 2 ** 22 + 1;
const BUCKET = 'bb-remote-aztec';
const QUEUE = 'bb-remote-aztec-queue';
const BB_4 = join(REPO_ROOT, 'node_modules/aztec-bb.js-v4/build/amd64-linux/bb');
const SHIM = join(REPO_ROOT, 'bin/bb-remote');
const NODE = join(REPO_ROOT, 'node_modules/node/bin/node');
const AGENT = join(REPO_ROOT, 'test/bb-remote/aztec-agent/agent.ts');
const ACVM = join(REPO_ROOT, 'test/bb-remote/aztec-agent/acvm');
/** Aztec 4.1.2's bb flags per circuit (@aztec/bb-prover src/bb/execute.ts getArgs + --disable_zk). */
const FLAGS = {
  padding: ['--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--ipa_accumulation', '--disable_zk'],
  parity: ['--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--disable_zk'],
} as const;
const ARTIFACT_FILES = { padding: 'rollup_checkpoint_padding.json', parity: 'parity_base.json' } as const;

let engine: DockerEngine;
let work: string;
/** The cached test CRS (2^22 + 1 points), mounted read-only at SHARED_CRS in every container (the private CRS links there). */
let sharedCrsDir: string;
/** Not the host path: that is under /root, which the image's job user (uid 10001) cannot enter. */
const SHARED_CRS = '/shared-test-crs';
/** bb 4.1.2's CRS dir: the test CRS's BN254 files and bb 4.1.2's own Grumpkin SRS. */
let crsDir: string;
/** The agent's bb: bb 4.1.2 with the test CRS's G2 point. */
let agentBb: string;
let s3: LocalS3;
let store: S3ArtifactStore;
let batch: BatchStandIn;
const timings: Record<string, number> = {};

/** Bind mounts every container here needs: the repo (read-only), the work dir, the shared CRS (read-only). */
function mounts(): string[] {
  return ['-v', `${REPO_ROOT}:${REPO_ROOT}:ro`, '-v', `${work}:${work}`, '-v', `${sharedCrsDir}:${SHARED_CRS}:ro`];
}

/** The Batch stand-in starts each job as Batch would: the prover image's entrypoint, config in the environment. */
function launchInImage(job: StandInJob): ChildProcess {
  const env = Object.entries(job.environment).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return spawn(engine.cli, ['run', '--rm', '--network', 'host', '-v', `${crsDir}:${crsDir}`, '-v', `${sharedCrsDir}:${SHARED_CRS}:ro`, ...env, IMAGE], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Runs a command in the Debian 13 base (glibc 2.41), loopback shared with this host. */
function inTrixie(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<DockerResult> {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return docker(engine, ['run', '--rm', '--network', 'host', ...mounts(), '-w', work, ...envArgs, BASE_IMAGE_TAG, ...args], { timeoutMs: 20 * 60_000 });
}

const describeRun = (r: DockerResult): string => `exit ${r.code}\nstdout:\n${tailLines(r.stdout, 40)}\nstderr:\n${tailLines(r.stderr, 40)}`;

beforeAll(async () => {
  engine = await requireDockerEngine();
  await requireLocalImage(engine, BASE_IMAGE_TAG);
  work = await mkdtemp(join(tmpdir(), 'bb-remote-aztec-'));
  await chmod(work, 0o755);

  let started = Date.now();
  const staged = await stageProverContext({ outDir: join(work, 'context') });
  await dockerOk(
    engine,
    ['build', '--tag', IMAGE, '--build-arg', `BASE_IMAGE=${BASE_IMAGE_TAG}`, '--build-arg', 'CRS_SOURCE=devnet-insecure', '--build-arg', `CRS_POINTS=${IMAGE_CRS_POINTS}`, staged.dir],
    { timeoutMs: 15 * 60_000 },
  );
  timings['stage + image build'] = Date.now() - started;

  started = Date.now();
  const crs = await aztecTestCrs(PARITY_POINTS);
  sharedCrsDir = crs.dir;
  crsDir = join(work, 'crs');
  await mkdir(crsDir);
  // bb takes a lock file in the CRS dir, whoever runs it: root here, uid 10001 in the image.
  await chmod(crsDir, 0o777);
  await writeFile(join(crsDir, 'crs.lock'), '');
  await chmod(join(crsDir, 'crs.lock'), 0o666);
  // Resolved in the containers only (2^22 points: 256 MiB not copied).
  await symlink(join(SHARED_CRS, 'bn254_g1.dat'), join(crsDir, 'bn254_g1.dat'));
  await copyFile(join(sharedCrsDir, 'bn254_g2.dat'), join(crsDir, 'bn254_g2.dat'));
  // No Grumpkin file: bb 4.1.2 derives its own into the dir on first use (the first key computed below), as the
  // image's bb 4.1.2 does in /crs.
  agentBb = join(work, 'bb-4.1.2-test-g2');
  await bbWithVerifierG2(BB_4, join(sharedCrsDir, 'bn254_g2.dat'), agentBb);
  timings['test CRS'] = Date.now() - started;

  s3 = await startLocalS3({ directory: join(work, 's3'), bucket: BUCKET });
  store = new S3ArtifactStore({
    client: createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS }),
    bucket: BUCKET,
    conditionalWrites: 'check-then-put',
  });
  // What the stack's job definitions set (the image sets CRS_PATH, BB_BINARY and BB_VERSIONS_DIR itself).
  const definition = {
    ARTIFACT_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  };
  batch = await startBatchStandIn({
    definitions: { 'prover-small': definition, 'prover-medium': { ...definition, CRS_PATH: crsDir } },
    launch: launchInImage,
  });
}, 40 * 60_000);

afterAll(async () => {
  console.log(`[bb-remote-aztec] timings (ms): ${JSON.stringify(timings)}`);
  await batch?.stop();
  await s3?.stop();
  // Containers ran as root and as uid 10001 in here; this process is the one that cleans up.
  if (work) await rm(work, { recursive: true, force: true });
});

/** The circuit's key under the test CRS, as bb 4.1.2 computes it (`write_vk` with Aztec's flags for it). */
async function testCrsKey(circuit: 'padding' | 'parity'): Promise<string> {
  const artifact = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/@aztec/noir-protocol-circuits-types/artifacts', ARTIFACT_FILES[circuit]), 'utf8')) as { bytecode: string };
  const dir = join(work, `${circuit}-key`);
  await mkdir(dir);
  await writeFile(join(dir, 'bytecode'), Buffer.from(artifact.bytecode, 'base64'));
  const r = await inTrixie([agentBb, 'write_vk', ...FLAGS[circuit], '-b', join(dir, 'bytecode'), '-o', dir, '-c', crsDir]);
  expect(r.code, describeRun(r)).toBe(0);
  return join(dir, 'vk');
}

/** Aztec's agent code in the Debian 13 container: one run through bb-remote, one with bb 4.1.2 itself. */
async function runAgent(circuit: 'padding' | 'parity'): Promise<{ runs: AgentRun[]; log: string }> {
  const request: AgentRequest = {
    circuit,
    runs: [
      { name: 'bb-remote', bbBinaryPath: SHIM },
      { name: 'bb', bbBinaryPath: agentBb },
    ],
    acvmBinaryPath: ACVM,
    workDir: join(work, `${circuit}-agent`),
    vkPath: await testCrsKey(circuit),
  };
  await mkdir(request.workDir);
  const requestPath = join(request.workDir, 'request.json');
  const resultPath = join(request.workDir, 'result.json');
  await writeFile(requestPath, JSON.stringify(request));
  const started = Date.now();
  const r = await inTrixie([NODE, '--import', `file://${REPO_ROOT}/node_modules/tsx/dist/loader.mjs`, AGENT, requestPath, resultPath], {
    HOME: work,
    // The agent's bb finds the CRS here (bb-remote drops -c anyway: the image has its own).
    CRS_PATH: crsDir,
    // Everything bb-remote is told: where the stack is, and which bb the agent has.
    BB_REMOTE_REAL_BB: agentBb,
    BB_REMOTE_BUCKET: BUCKET,
    BB_REMOTE_JOB_QUEUE: QUEUE,
    BB_REMOTE_JOB_DEFINITIONS: JSON.stringify({ small: 'prover-small', medium: 'prover-medium' }),
    BB_REMOTE_POLL_SECONDS: '1',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_BATCH: batch.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    LOG_LEVEL: 'info',
  });
  timings[`${circuit}: agent (both runs)`] = Date.now() - started;
  const result = JSON.parse(await readFile(resultPath, 'utf8').catch(() => '{"error":"no result.json"}')) as { runs?: AgentRun[]; error?: string };
  expect(result.error, `${result.error}\n${describeRun(r)}`).toBeUndefined();
  expect(r.code, describeRun(r)).toBe(0);
  for (const run of result.runs!) timings[`${circuit}: ${run.name} prove+verify`] = run.ms;
  return { runs: result.runs!, log: `${r.stdout}\n${r.stderr}` };
}

/** The one Batch job bb-remote submitted since `before`, with its spec and result from S3. */
async function submittedJob(before: number): Promise<{ job: StandInJob; spec: BbJobSpec; result: ReturnType<typeof jobResultSchema.parse> }> {
  const jobs = batch.jobs.slice(before);
  expect(jobs.map((j) => j.jobName)).toHaveLength(1);
  const job = jobs[0]!;
  const jobId = job.environment['JOB_ID']!;
  const spec = jobSpecSchema.parse(JSON.parse(Buffer.from((await store.get(jobSpecKey(jobId)))!).toString()));
  if (spec.kind !== 'bb') throw new Error(`job ${jobId} is a ${spec.kind} job`);
  const result = jobResultSchema.parse(JSON.parse(Buffer.from((await store.get(jobResultKey(jobId)))!).toString()));
  return { job, spec, result };
}

describe.each([
  ['padding', 'CheckpointPaddingRollupArtifact', 'prover-small', 149, 519] as const,
  ['parity', 'ParityBaseArtifact', 'prover-medium', 3, 449] as const,
])("Aztec's BBNativeRollupProver proves %s through bb-remote (prover image, bb 4.1.2)", (circuit, artifact, definition, numPublicInputs, proofFields) => {
  let runs: AgentRun[];
  let log: string;
  let submitted: Awaited<ReturnType<typeof submittedJob>>;

  beforeAll(async () => {
    const before = batch.jobs.length;
    ({ runs, log } = await runAgent(circuit));
    submitted = await submittedJob(before);
  }, 30 * 60_000);

  it("gives the same outputs and public inputs as the agent's bb 4.1.2, and Aztec's verify step accepts both proofs", () => {
    const [remote, local] = runs;
    expect(remote!.name).toBe('bb-remote');
    expect(local!.name).toBe('bb');
    expect(remote!.outputs).toBe(local!.outputs);
    expect(remote!.numPublicInputs).toBe(numPublicInputs);
    expect(remote!.publicInputs).toBe(local!.publicInputs);
    for (const run of runs) {
      expect(run.proofFields).toBe(proofFields);
      // Aztec's verify ran inside the prove call (it threw otherwise); here it also has to refuse tampering.
      expect(run.tamperedProofRejected, `${run.name}: a changed proof byte`).toBe(true);
      expect(run.tamperedInputRejected, `${run.name}: a changed public input`).toBe(true);
    }
  });

  it('proved remotely: one Batch job on the circuit\'s job definition, in the image, by the bb the agent has', async () => {
    const { job, spec, result } = submitted;
    expect(job.jobDefinition).toBe(definition);
    expect(job.status, job.stderr).toBe('SUCCEEDED');
    expect(spec.bbVersion).toBe('4.1.2');
    expect(spec.args).toEqual(['prove', ...FLAGS[circuit], '-o', '{out}', '-b', '{in:bytecode}', '-k', '{in:vk}', '-w', '{in:witness.gz}', '-v']);
    expect(result.metrics.backendVersion).toBe('4.1.2');
    // The proof Aztec's code read back and verified is the one the image's job wrote.
    const proof = await store.get(result.outputs['proof']!.key);
    expect(Buffer.from(proof!).toString('hex')).toBe(runs[0]!.proof);
    expect(log).toContain(`bb-remote: prove (bb 4.1.2) → job ${spec.id}`);
    expect(log).toContain(`${artifact}-bytecode`);
  });
});

describe('the prover image runs only the bb a raw job names', () => {
  /** A copy of a finished bb-remote job's spec under another bb version (another id), run as Batch would. */
  async function rerunAs(bbVersion: string, id: string): Promise<{ run: DockerResult; error: string }> {
    const padding = batch.jobs.find((j) => j.jobDefinition === 'prover-small');
    if (padding === undefined) throw new Error('no padding job ran');
    const spec = jobSpecSchema.parse(JSON.parse(Buffer.from((await store.get(jobSpecKey(padding.environment['JOB_ID']!)))!).toString()));
    await store.put(jobSpecKey(id), Buffer.from(JSON.stringify({ ...spec, id, bbVersion })));
    const env = Object.entries({ ...padding.environment, JOB_ID: id }).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const run = await docker(engine, ['run', '--rm', '--network', 'host', ...env, IMAGE], { timeoutMs: 5 * 60_000 });
    const error = jobErrorSchema.parse(JSON.parse(Buffer.from((await store.get(jobErrorKey(id)))!).toString())).message;
    expect(await store.exists(jobResultKey(id))).toBe(false);
    return { run, error };
  }

  it('a version it lacks fails at once (exit 1, not retried), listing the bbs it has', async () => {
    const { run, error } = await rerunAs('4.0.0', 'dddddddddddddddddddddddd');
    expect(run.code, describeRun(run)).toBe(1);
    expect(error).toMatch(/this job runner has no bb 4\.0\.0[^]*it has: 4\.1\.2 \(\/opt\/bb\/4\.1\.2\/bb\), 5\.\d+\.\d+[^ ]* \(\/opt\/bb\/5[^)]*\)/);
  });

  it("the same Aztec 4.1.2 job under the image's bb 5 fails the way the issue saw (why the version must travel)", async () => {
    const { run, error } = await rerunAs((await dockerOk(engine, ['run', '--rm', '--entrypoint', '/app/bb', IMAGE, '--version'])).trim(), 'eeeeeeeeeeeeeeeeeeeeeeee');
    expect(run.code, describeRun(run)).toBe(1);
    expect(error).toContain('Circuit::opcodes');
  });

  it('inputs travel content-addressed: the circuit bytecode the agent sent is one blob', async () => {
    const padding = batch.jobs.find((j) => j.jobDefinition === 'prover-small')!;
    const spec = jobSpecSchema.parse(JSON.parse(Buffer.from((await store.get(jobSpecKey(padding.environment['JOB_ID']!)))!).toString()));
    if (spec.kind !== 'bb') throw new Error('not a bb job');
    const artifact = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/@aztec/noir-protocol-circuits-types/artifacts', ARTIFACT_FILES.padding), 'utf8')) as { bytecode: string };
    const { createHash } = await import('node:crypto');
    expect(spec.inputs['bytecode']).toBe(blobKey(createHash('sha256').update(Buffer.from(artifact.bytecode, 'base64')).digest('hex')));
  });
});
