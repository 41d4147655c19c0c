/**
 * The prover image, built and run by a real Docker engine (CI: .ci/docker-setup.sh).
 *
 * Builds containers/prover/Dockerfile from a freshly staged context with the debootstrapped base image and the
 * devnet-insecure CRS (the aztec CRS stage has its own test, aztec-crs-stage.test.ts), then runs real jobs in
 * it against a local S3 server (s3rver on loopback, reached with --network host):
 *   - a raw bb prove job: exit 0, proof + public inputs + vk + result.json with metrics in S3;
 *   - the same circuit with a witness that does not satisfy it: exit 1 with bb's complaint, no result.json;
 *   - an Aztec job (Aztec 4.1.2's checkpoint padding circuit from its serialized inputs), proven by the image's
 *     native bb 4.1.2 — the base is Debian 13, whose glibc it needs — and verified here by bb.js in WASM;
 *   - an Aztec job whose inputs are not what its type reads: exit 1, the reason, no output;
 *   - a devnet block proven end to end by the local runtime with every job in the image (docker run per job,
 *     as Batch runs it), the root proof verified on anvil.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageProverContext, type StagedProverContext } from '../../containers/prover/stage-context.ts';
import { createS3Client } from '../../lib/aws/s3-client.ts';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { jobResultSchema, type BbJobSpec } from '../../lib/proving/job-spec.ts';
import { jobInputKey, jobOutputKey, jobResultKey, jobSpecKey } from '../../lib/proving/keys.ts';
import { jsonParseWithSchema } from '@aztec/foundation/json-rpc';
import { ProvingJobResult } from '@aztec/stdlib/interfaces/server';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { loadBn254Crs, loadGrumpkinCrs, openAztecBarretenberg } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import { aztecJobSpec } from '../../lib/protocols/aztec/prover/proof-store-job.ts';
import { aztecTestCrs } from '../protocols/fixtures/aztec-crs.ts';
import { ensureGrumpkinCrs } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { loadDevnetCircuit } from '../../lib/protocols/devnet/artifacts.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import type { ContainerLauncher } from '../../lib/local/batch-executor.ts';
import { startDevnetEnv } from '../../lib/local/devnet-env.ts';
import { dockerLauncher } from '../../lib/local/docker-launcher.ts';
import { LocalProver } from '../../lib/local/local-prover.ts';
import { readPlan } from '../../lib/pipeline/plan-run.ts';
import { findFinishedResult } from '../../lib/proving/job-runner.ts';
import { loadDevnetManifest } from '../../lib/protocols/devnet/artifacts.ts';
import { BASE_IMAGE_TAG, docker, dockerOk, requireDockerEngine, requireLocalImage, tailLines, type DockerEngine, type DockerResult } from './docker-engine.ts';
import { BLAKE3_CHAIN_CRS_POINTS, compileBlake3Chain, type Blake3ChainCircuit } from './blake3-chain-circuit.ts';

const IMAGE = 'aztec-aws-prover/prover:container-test';
/**
 * What the devnet's largest circuits read (2^21; the test circuit needs 2^16), + 1 like Aztec's 2^k + 1 CRS
 * files: "enough", not "exactly what one circuit needs".
 */
const CRS_POINTS = Math.max(loadDevnetManifest().crsPoints, BLAKE3_CHAIN_CRS_POINTS) + 1;
const BUCKET = 'prover-image-test';
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let engine: DockerEngine;
let staged: StagedProverContext;
let workDir: string;
let s3: S3rver;
let s3Endpoint: string;
let store: S3ArtifactStore;
let circuit: Blake3ChainCircuit;
const timings: Record<string, number> = {};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[label] = Date.now() - started;
  }
}

beforeAll(async () => {
  engine = await requireDockerEngine();
  await requireLocalImage(engine, BASE_IMAGE_TAG);
  workDir = await mkdtemp(join(tmpdir(), 'prover-image-test-'));

  staged = await timed('stage context', () => stageProverContext({ outDir: join(workDir, 'context') }));
  await timed('docker build', () =>
    dockerOk(
      engine,
      [
        'build',
        '--tag', IMAGE,
        '--build-arg', `BASE_IMAGE=${BASE_IMAGE_TAG}`,
        '--build-arg', 'CRS_SOURCE=devnet-insecure',
        '--build-arg', `CRS_POINTS=${CRS_POINTS}`,
        staged.dir,
      ],
      { timeoutMs: 15 * 60_000 },
    ),
  );

  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(workDir, 's3') });
  const address = (await s3.run()) as unknown as AddressInfo;
  s3Endpoint = `http://127.0.0.1:${address.port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint: s3Endpoint, credentials: S3RVER_CREDENTIALS });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  store = new S3ArtifactStore({ client, bucket: BUCKET, conditionalWrites: 'check-then-put' });

  circuit = await timed('compile circuit', () => compileBlake3Chain());
}, 20 * 60_000);

afterAll(async () => {
  console.log(`[prover-image] engine ${engine?.serverVersion} via ${engine?.cli}; timings (ms): ${JSON.stringify(timings)}`);
  await s3?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  // Earlier builds of the tag, now untagged; the label keeps other projects' dangling images out of it.
  if (engine) await docker(engine, ['image', 'prune', '--force', '--filter', 'label=aztec-aws-prover.crs.source']);
});

/** A bb prove job for the test circuit, written to S3 the way Plan/bb-remote write one. */
async function putProveJob(witness: Uint8Array): Promise<string> {
  const id = randomBytes(12).toString('hex'); // a job id: 24 lowercase hex
  const spec: BbJobSpec = {
    kind: 'bb',
    id,
    args: ['prove', '--scheme', 'ultra_honk', '-b', '{in:program.json}', '-w', '{in:witness.gz}', '-o', '{out}', '--write_vk'],
    inputs: { 'program.json': jobInputKey(id, 'program.json'), 'witness.gz': jobInputKey(id, 'witness.gz') },
    outputs: ['proof', 'public_inputs', 'vk'],
  };
  await store.put(jobInputKey(id, 'program.json'), circuit.programJson);
  await store.put(jobInputKey(id, 'witness.gz'), witness);
  await store.put(jobSpecKey(id), Buffer.from(JSON.stringify(spec)));
  return id;
}

/** The container exactly as a Batch job runs it: image entrypoint + default command, config in env. */
function runJobContainer(jobId: string): Promise<DockerResult> {
  const env = {
    JOB_ID: jobId,
    RUN_ID: 'container-test',
    ARTIFACT_BUCKET: BUCKET,
    S3_ENDPOINT: s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return docker(engine, ['run', '--rm', '--network', 'host', ...envArgs, IMAGE], { timeoutMs: 5 * 60_000 });
}

function describeRun(result: DockerResult): string {
  return `exit ${result.code}\nstdout:\n${tailLines(result.stdout, 20)}\nstderr:\n${tailLines(result.stderr, 20)}`;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('prover image (real Docker engine)', () => {
  it('bakes a CRS of exactly CRS_POINTS G1 points and one G2 point into /crs, starting at the generator', async () => {
    const out = await dockerOk(engine, [
      'run', '--rm', '--entrypoint', '/bin/sh', IMAGE, '-c',
      'stat -c "%n %s" /crs/bn254_g1.dat /crs/bn254_g2.dat; od -An -v -tx1 -N64 /crs/bn254_g1.dat | tr -d " \\n"; echo; cat /crs/SOURCE.txt',
    ]);
    const [g1, g2, firstPoint, source] = out.trim().split('\n');
    const grumpkin = await dockerOk(engine, [
      'run', '--rm', '--entrypoint', '/bin/sh', IMAGE, '-c',
      'stat -c "%n %s" /crs/grumpkin_g1.flat.dat /crs/grumpkin_g1_v2.flat.dat; cmp -s /crs/grumpkin_g1.flat.dat /crs/grumpkin_g1_v2.flat.dat && echo same || echo differ; ls /crs',
    ]);
    // Derived at build time (2^15 points, what IPA needs), so no job derives or downloads them: bb 4.1.2's
    // (Aztec's jobs) and bb 5's (devnet jobs), which are other points.
    expect(grumpkin.trim().split('\n').slice(0, 3)).toEqual([`/crs/grumpkin_g1.flat.dat ${2 ** 15 * 64}`, `/crs/grumpkin_g1_v2.flat.dat ${2 ** 15 * 64}`, 'differ']);
    expect(grumpkin).toContain('INSECURE-TEST-CRS.txt');
    expect(g1).toBe(`/crs/bn254_g1.dat ${CRS_POINTS * 64}`);
    expect(g2).toBe('/crs/bn254_g2.dat 128');
    // bb's flat format: x ‖ y, 32-byte big-endian each; the first point is the generator (1, 2).
    expect(firstPoint).toBe(`${'0'.repeat(63)}1${'0'.repeat(63)}2`);
    // The image says which CRS it carries: a known-tau CRS must be impossible to mistake for the ceremony's.
    expect(source).toMatch(/^INSECURE TEST CRS/);
  });

  it('runs the job runner as a non-root user with CRS_PATH and BB_BINARY set', async () => {
    const config = JSON.parse(await dockerOk(engine, ['image', 'inspect', '--format', '{{json .Config}}', IMAGE])) as {
      User: string;
      Env: string[];
      Entrypoint: string[];
      Cmd: string[];
      Labels: Record<string, string>;
    };
    expect(config.User).toBe('prover');
    expect(config.Env).toEqual(expect.arrayContaining(['CRS_PATH=/crs', 'BB_BINARY=/app/bb']));
    expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/job-runner.mjs']);
    expect(config.Cmd).toEqual(['run']);
    expect(config.Labels).toMatchObject({ 'aztec-aws-prover.crs.source': 'devnet-insecure', 'aztec-aws-prover.crs.points': String(CRS_POINTS) });
    // bb takes a lock and may derive the Grumpkin CRS in /crs; the BN254 files stay read-only.
    const access = await dockerOk(engine, [
      'run', '--rm', '--entrypoint', '/bin/sh', IMAGE, '-c',
      'id -u; test -w /crs && echo crs-dir-writable; test -w /crs/bn254_g1.dat || echo g1-read-only; node --version',
    ]);
    expect(access.trim().split('\n')).toEqual(['10001', 'crs-dir-writable', 'g1-read-only', staged.nodeVersion]);
  });

  it('ships the bb of @aztec/bb.js', async () => {
    const version = await dockerOk(engine, ['run', '--rm', '--entrypoint', '/app/bb', IMAGE, '--version']);
    expect(version.trim()).toBe(staged.bbVersion);
    expect(staged.bbVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('proves a bb job from S3 and writes proof, public inputs, vk and result.json with metrics', async () => {
    const { witness, digest } = await circuit.execute(7n);
    const id = await putProveJob(witness);
    const run = await timed('job run (ok)', () => runJobContainer(id));
    expect(run.code, describeRun(run)).toBe(0);

    const resultBytes = await store.get(jobResultKey(id));
    expect(resultBytes, `no ${jobResultKey(id)} after a successful run\n${describeRun(run)}`).toBeDefined();
    const result = jobResultSchema.parse(JSON.parse(Buffer.from(resultBytes!).toString('utf8')));
    expect(result.id).toBe(id);
    expect(Object.keys(result.outputs).sort()).toEqual(['proof', 'public_inputs', 'vk']);
    for (const [name, output] of Object.entries(result.outputs)) {
      expect(output.key).toBe(jobOutputKey(id, name));
      const bytes = await store.get(output.key);
      expect(bytes, `missing output ${output.key}`).toBeDefined();
      expect(sha256(bytes!)).toBe(output.sha256);
      expect(bytes!.length).toBe(output.bytes);
    }
    // The public inputs are the circuit's output as noir_js computed it: one 32-byte big-endian field per byte.
    const publicInputs = Buffer.from((await store.get(jobOutputKey(id, 'public_inputs')))!);
    const fields = Array.from({ length: publicInputs.length / 32 }, (_, i) => Number(BigInt(`0x${publicInputs.subarray(i * 32, i * 32 + 32).toString('hex')}`)));
    expect(fields).toEqual(digest);
    expect((await store.get(jobOutputKey(id, 'proof')))!.length).toBeGreaterThan(1000);

    expect(result.metrics.backendVersion).toContain(staged.bbVersion);
    expect(result.metrics.proveMs).toBeGreaterThan(0);
    expect(result.metrics.wallMs).toBeGreaterThanOrEqual(result.metrics.proveMs);
    expect(result.metrics.peakRssKiB, 'peak RSS of bb should be measured inside the container').toBeGreaterThan(0);
  });

  it('fails a job whose witness does not satisfy the circuit: exit 1, the reason in its output, no result.json', async () => {
    const id = await putProveJob(await circuit.unsatisfyingWitness(5n));
    const run = await timed('job run (bad witness)', () => runJobContainer(id));
    // 1 = deterministic failure: Batch must not retry it (75 would).
    expect(run.code, describeRun(run)).toBe(1);
    // bb exits 0 here; the runner must have caught bb's own complaint and passed it on.
    expect(`${run.stdout}\n${run.stderr}`).toContain('Builder failure when we have real witnesses');
    expect(await store.exists(jobResultKey(id))).toBe(false);
    expect(await store.exists(jobOutputKey(id, 'proof'))).toBe(false);
  });

  it("proves an Aztec job from Aztec's serialized inputs with the image's native bb 4.1.2", async () => {
    const inputs = new CheckpointPaddingRollupPrivateInputs().toBuffer();
    const spec = aztecJobSpec({ type: 'CHECKPOINT_PADDING_ROLLUP', aztecJobId: '1:CHECKPOINT_PADDING_ROLLUP:image', prefix: '' }, inputs);
    await store.put(spec.inputs, inputs);
    await store.put(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec)));
    const run = await timed('aztec job run', () => runJobContainer(spec.id));
    expect(run.code, describeRun(run)).toBe(0);

    const result = jobResultSchema.parse(JSON.parse(Buffer.from((await store.get(jobResultKey(spec.id)))!).toString('utf8')));
    // The production path: bb.js picked its native bb, which runs on the image's Debian 13 (not on this host).
    expect(result.metrics.backend).toBe('bb.js 4.1.2 native');
    const json = Buffer.from((await store.get(spec.output))!).toString('utf8');
    const parsed = jsonParseWithSchema(json, ProvingJobResult);
    if (parsed.type !== ProvingRequestType.CHECKPOINT_PADDING_ROLLUP) throw new Error(`result type ${parsed.type}`);
    const { proof, verificationKey } = parsed.result;
    expect(proof.proof).toHaveLength(519);

    // Checked outside the image, by bb.js in WASM on the same (test) CRS and the image's Grumpkin points (bb
    // 4.1.2's, which this Debian 12 host cannot derive): the native proof verifies, a changed public input does
    // not, and neither does the proof against bb 5's Grumpkin points — the IPA part depends on them.
    const crs = await aztecTestCrs(4097);
    const aztecGrumpkin = join(workDir, 'grumpkin_g1.flat.dat');
    await writeFile(aztecGrumpkin, Buffer.from(await dockerOk(engine, ['run', '--rm', '--entrypoint', '/bin/sh', IMAGE, '-c', 'base64 -w0 /crs/grumpkin_g1.flat.dat']), 'base64'));
    const bb = await openAztecBarretenberg({ backend: 'wasm', threads: 2 });
    try {
      await loadGrumpkinCrs(bb.api, { ...crs, grumpkinFile: aztecGrumpkin });
      await loadBn254Crs(bb.api, crs, 4097);
      const n = proof.binaryProof.numPublicInputs;
      const pis = Array.from({ length: n }, (_, i) => new Uint8Array(proof.binaryProof.buffer.subarray(i * 32, (i + 1) * 32)));
      const fields = proof.proof.map((f) => new Uint8Array(f.toBuffer()));
      const settings = { ipaAccumulation: true, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false } as const;
      const verify = (p: Uint8Array[]): Promise<boolean> =>
        bb.api.circuitVerify({ verificationKey: verificationKey.keyAsBytes, publicInputs: p, proof: fields, settings }).then((r) => r.verified, () => false);
      expect(await verify(pis)).toBe(true);
      expect(await verify(pis.map((p, i) => (i === 0 ? Uint8Array.from(p, (b, j) => (j === 31 ? b ^ 1 : b)) : p)))).toBe(false);
    } finally {
      await bb.close();
    }
    // bb 5's points, derived by bb 5 into a dir of their own (the test CRS dir may hold bb 4.1.2's already).
    const bb5Dir = join(workDir, 'bb5-grumpkin');
    await mkdir(bb5Dir, { recursive: true });
    for (const file of ['bn254_g1.dat', 'bn254_g2.dat']) await symlink(join(crs.dir, file), join(bb5Dir, file));
    const bb5Crs = await ensureGrumpkinCrs(bb5Dir, Buffer.from(loadDevnetCircuit('client').program.bytecode, 'base64'));
    expect(bb5Crs.grumpkinFile).toBe(join(bb5Dir, 'grumpkin_g1_v2.flat.dat'));
    const bb5Points = await openAztecBarretenberg({ backend: 'wasm', threads: 2 });
    try {
      await loadGrumpkinCrs(bb5Points.api, bb5Crs);
      await loadBn254Crs(bb5Points.api, crs, 4097);
      const n = proof.binaryProof.numPublicInputs;
      const pis = Array.from({ length: n }, (_, i) => new Uint8Array(proof.binaryProof.buffer.subarray(i * 32, (i + 1) * 32)));
      const settings = { ipaAccumulation: true, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false } as const;
      const verified = await bb5Points.api
        .circuitVerify({ verificationKey: verificationKey.keyAsBytes, publicInputs: pis, proof: proof.proof.map((f) => new Uint8Array(f.toBuffer())), settings })
        .then((r) => r.verified, () => false);
      expect(verified).toBe(false);
    } finally {
      await bb5Points.close();
    }
  });

  it('fails an Aztec job whose inputs are not what its type reads: exit 1, the reason, no output', async () => {
    const inputs = Buffer.from('these are not base parity inputs');
    const spec = aztecJobSpec({ type: 'PARITY_BASE', aztecJobId: 'bad', prefix: '' }, inputs);
    await store.put(spec.inputs, inputs);
    await store.put(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec)));
    const run = await timed('aztec job run (bad inputs)', () => runJobContainer(spec.id));
    expect(run.code, describeRun(run)).toBe(1);
    expect(`${run.stdout}\n${run.stderr}`).toContain('not a serialized ParityBasePrivateInputs');
    expect(await store.exists(spec.output)).toBe(false);
    expect(await store.exists(jobResultKey(spec.id))).toBe(false);
  });

  it('proves a devnet block end to end with every job in the image, and the proof lands on L1', async () => {
    const env = await startDevnetEnv({ dataDir: join(workDir, 'devnet') });
    try {
      await env.proposeBlock(1);
      // The docker launcher, counted: every job of the run must be a `docker run` of the image.
      const launched: string[] = [];
      const docker = dockerLauncher({ image: IMAGE, dockerCli: engine.cli });
      const launcher: ContainerLauncher = async (command, jobEnv) => {
        const res = await docker(command, jobEnv);
        launched.push(`${jobEnv['JOB_ID']}:${res.exitCode}`);
        return res;
      };
      const prover = await LocalProver.create({ env, concurrency: 1, maxBlocksPerRun: 1, launcher });
      const poll = await prover.poll();
      expect(poll.started).toHaveLength(1);
      const run = await timed('devnet run in image', () => prover.wait(poll.started[0]!));
      expect(run.error, JSON.stringify(run)).toBeUndefined();
      expect(run.status).toBe('SUCCEEDED');

      const plan = (await readPlan(env.store, poll.started[0]!))!;
      expect(launched.sort()).toEqual(plan.graph.jobs.map((j) => `${j.id}:0`).sort());
      for (const job of plan.graph.jobs) {
        const result = await findFinishedResult(env.store, job.id);
        expect(result, `${job.type} has a verified result`).toBeDefined();
        expect(result!.metrics.backendVersion).toContain(staged.bbVersion);
      }
      expect((await readTips(env.prover, { address: env.rollup })).proven).toBe(1n);
    } finally {
      await env.stop();
    }
  }, 900_000);
});
