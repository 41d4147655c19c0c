/**
 * bb-remote in AWS mode with the real @aws-sdk/client-batch and S3 clients, against a loopback stand-in for the
 * Batch API (test double, batch-stand-in.ts) that runs each submitted job with the real job runner and bb, and
 * s3rver. Calls are made the way Aztec's bb-prover makes them (raw `<circuit>-bytecode`, -k vk, --disable_zk …).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../../lib/local/s3-server.ts';
import { startBatchStandIn, type BatchStandIn } from './batch-stand-in.ts';
import { BUCKET, REAL_BB, REPO_ROOT, SHIM, baseEnv, runProcess, startBbRemoteFixture, type BbRemoteFixture, type ProcessResult } from './fixtures.ts';

let f: BbRemoteFixture;
let batch: BatchStandIn;
let loseNextSubmission: string | undefined;
/** An Aztec agent's working directory: raw bytecode named after the circuit, its vk, the witness. */
let agentDir: string;

beforeAll(async () => {
  f = await startBbRemoteFixture();
  const containerEnv = {
    ...baseEnv(),
    ARTIFACT_BUCKET: 'bucket-of-the-definition',
    CRS_PATH: f.crs.dir,
    BB_BINARY: REAL_BB,
    S3_ENDPOINT: f.s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    DEVNET_ARTIFACTS_DIR: f.localEnv()['DEVNET_ARTIFACTS_DIR']!,
  };
  batch = await startBatchStandIn({
    definitions: { 'prover-default': containerEnv, 'prover-small': containerEnv },
    node: process.execPath,
    bundle: f.runnerBundle,
    hostLost: () => {
      const reason = loseNextSubmission;
      loseNextSubmission = undefined;
      return reason;
    },
  });

  agentDir = await f.dir('agent');
  // What @aztec/bb-prover writes: Buffer.from(compiledCircuit.bytecode, 'base64') as `<circuit>-bytecode`.
  const program = JSON.parse(await readFile(f.programPath, 'utf8')) as { bytecode: string };
  await writeFile(join(agentDir, 'rollup-tx-merge-bytecode'), Buffer.from(program.bytecode, 'base64'));
  const vk = await runProcess(REAL_BB, ['write_vk', '-t', 'noir-recursive-no-zk', '-b', 'rollup-tx-merge-bytecode', '-o', 'vk', '-c', f.crs.dir], { cwd: agentDir, env: baseEnv() });
  expect(vk.code).toBe(0);
});

afterAll(async () => {
  await batch?.stop();
  await f?.stop();
});

function awsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseEnv(),
    BB_REMOTE_MODE: 'aws',
    BB_REMOTE_BUCKET: BUCKET,
    BB_REMOTE_JOB_QUEUE: 'prover-queue',
    BB_REMOTE_JOB_DEFINITION: 'prover-default',
    BB_REMOTE_JOB_DEFINITIONS: JSON.stringify({ small: 'prover-small' }),
    BB_REMOTE_POLL_SECONDS: '1',
    BB_REMOTE_RETRY_DELAY_SECONDS: '0',
    AWS_ENDPOINT_URL_S3: f.s3.endpoint,
    AWS_ENDPOINT_URL_BATCH: batch.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}

const text = (r: ProcessResult): string => `exit ${r.code}\nstdout:\n${r.stdout.toString()}\nstderr:\n${r.stderr.toString()}`;

/** bb-prover's generateProof arguments (minus the rollup-only --ipa_accumulation: this circuit has no IPA claims). */
const aztecProveArgs = (out: string, witness: string): string[] => [
  'prove', '--scheme', 'ultra_honk', '--oracle_hash', 'poseidon2', '--disable_zk',
  '-o', out, '-b', join(agentDir, 'rollup-tx-merge-bytecode'), '-k', join(agentDir, 'vk', 'vk'), '-w', witness, '-v',
];

async function files(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('bb-remote on AWS Batch (stand-in) and S3 (s3rver)', () => {
  it("proves an Aztec-style call on the circuit's job definition; the files equal native bb's", async () => {
    const nativeOut = join(agentDir, 'native');
    const native = await runProcess(REAL_BB, [...aztecProveArgs(nativeOut, f.witnessPath), '-c', f.crs.dir], { cwd: agentDir, env: baseEnv() });
    expect(native.code, text(native)).toBe(0);

    const out = join(agentDir, 'job-1');
    await mkdir(out);
    const before = batch.jobs.length;
    const r = await runProcess(SHIM, aztecProveArgs(out, f.witnessPath), { cwd: agentDir, env: awsEnv() });
    expect(r.code, text(r)).toBe(0);
    expect(await files(out)).toEqual(await files(nativeOut));
    expect(Object.keys(await files(out))).toEqual(['proof', 'public_inputs']);

    const submitted = batch.jobs.slice(before);
    expect(submitted).toHaveLength(1);
    const job = submitted[0]!;
    // rollup-tx-merge is a `small` circuit in the Aztec table → its own job definition.
    expect(job).toMatchObject({ jobQueue: 'prover-queue', jobDefinition: 'prover-small', status: 'SUCCEEDED' });
    expect(job.environment['JOB_ID']).toMatch(/^[0-9a-f]{24}$/);
    expect(job.environment['RUN_ID']).toBe('bb-remote');
    expect(job.environment['ARTIFACT_BUCKET']).toBe(BUCKET);
    expect(job.jobName).toBe(`bb-remote-prove-${job.environment['JOB_ID']}`);
    expect(r.stderr.toString()).toContain(`as Batch job ${job.jobId} (prover-small, class small)`);
  });

  it("a failing job exits 1 with the job runner's error text, read from S3 (Batch keeps only a status reason)", async () => {
    const out = join(agentDir, 'job-bad');
    const r = await runProcess(SHIM, aztecProveArgs(out, f.badWitnessPath), { cwd: agentDir, env: awsEnv() });
    expect(r.code, text(r)).toBe(1);
    const stderr = r.stderr.toString();
    expect(stderr).toContain('Builder failure when we have real witnesses');
    expect(stderr).toMatch(/Batch job [0-9a-f-]+ FAILED: Essential container in task exited/);
    expect(stderr).toMatch(/attempt 1: exit 1, .*log stream stand-in\//);
    expect(await readdir(agentDir)).not.toContain('job-bad');
  });

  it('a job lost with its instance is submitted again and succeeds', async () => {
    loseNextSubmission = 'Host EC2 (instance i-0standin) terminated.';
    const out = join(agentDir, 'job-retry');
    const before = batch.jobs.length;
    const r = await runProcess(SHIM, aztecProveArgs(out, f.otherWitnessPath), { cwd: agentDir, env: awsEnv() });
    expect(r.code, text(r)).toBe(0);
    const submitted = batch.jobs.slice(before);
    expect(submitted.map((j) => j.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(submitted[0]!.environment['JOB_ID']).toBe(submitted[1]!.environment['JOB_ID']);
    expect(r.stderr.toString()).toContain('attempt 1 of 2 failed (Batch job');
    expect(Object.keys(await files(out))).toEqual(['proof', 'public_inputs']);
  });

  it('prover bb-remote runs the same delegated call (here: a finished job, reused without a Batch job)', async () => {
    const out = join(agentDir, 'job-cli');
    const before = batch.jobs.length;
    const r = await runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'prover.mjs'), 'bb-remote', ...aztecProveArgs(out, f.witnessPath)], {
      cwd: agentDir,
      env: awsEnv(),
    });
    expect(r.code, text(r)).toBe(0);
    expect(batch.jobs.length).toBe(before);
    expect(r.stderr.toString()).toContain('already finished: reusing its outputs');
    expect(await files(out)).toEqual(await files(join(agentDir, 'job-1')));
  });
});
