/**
 * `prover aztec-job` and `prover aztec-crs` as an operator runs them: the real CLI process, Aztec's real
 * checkpoint padding circuit, bb.js 4.1.2; `--remote` through a local S3 server (s3rver) and the bundled job
 * runner as a local process (BB_REMOTE_MODE=local: the same job and S3 protocol as AWS Batch).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonParseWithSchema } from '@aztec/foundation/json-rpc';
import { ProvingJobResult } from '@aztec/stdlib/interfaces/server';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultKey } from '../../lib/proving/keys.ts';
import { aztecJobSpec } from '../../lib/protocols/aztec/prover/proof-store-job.ts';
import type { AztecCrsDir } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { REPO_ROOT, baseEnv, runProcess, startBbRemoteFixture, type BbRemoteFixture, type ProcessResult } from '../bb-remote/fixtures.ts';
import { aztecTestCrs } from '../protocols/fixtures/aztec-crs.ts';

const PROVER = join(REPO_ROOT, 'bin', 'prover.mjs');
const text = (r: ProcessResult): string => `exit ${r.code}\nstdout:\n${r.stdout.toString()}\nstderr:\n${r.stderr.toString()}`;

let f: BbRemoteFixture;
let crs: AztecCrsDir;
let paddingInputs: string;

beforeAll(async () => {
  f = await startBbRemoteFixture();
  crs = await aztecTestCrs(4097);
  paddingInputs = join(await f.dir('inputs'), 'padding.bin');
  await writeFile(paddingInputs, new CheckpointPaddingRollupPrivateInputs().toBuffer());
}, 300_000);

afterAll(async () => {
  await f?.stop();
});

const prover = (args: readonly string[], env: Record<string, string> = baseEnv()) => runProcess(process.execPath, [PROVER, ...args], { cwd: f.work, env });

async function readResult(path: string): Promise<ProvingJobResult> {
  return jsonParseWithSchema(await readFile(path, 'utf8'), ProvingJobResult);
}

describe('prover aztec-job (local)', () => {
  it("proves the padding job from Aztec's inputs file into Aztec's result JSON", async () => {
    const out = join(await f.dir('local'), 'result.json');
    const r = await prover(['aztec-job', 'CHECKPOINT_PADDING_ROLLUP', paddingInputs, '--crs', crs.dir, '--out', out, '--threads', '2']);
    expect(r.code, text(r)).toBe(0);
    expect(r.stderr.toString()).toMatch(/CHECKPOINT_PADDING_ROLLUP: proved locally with bb\.js 4\.1\.2 (wasm|native)/);
    const result = await readResult(out);
    expect(result.type).toBe(ProvingRequestType.CHECKPOINT_PADDING_ROLLUP);
  }, 300_000);

  it('refuses an unknown type, a missing file and a missing CRS with what and why, exit 1', async () => {
    const unknown = await prover(['aztec-job', 'BLOCK_ROOT_TYPO', paddingInputs, '--crs', crs.dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.toString()).toMatch(/unknown Aztec job type "BLOCK_ROOT_TYPO"\n\s+known: PUBLIC_VM, /);
    const missing = await prover(['aztec-job', 'PARITY_BASE', join(f.work, 'nope.bin'), '--crs', crs.dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.toString()).toMatch(/cannot read the inputs file .*nope\.bin/);
    const noCrs = await prover(['aztec-job', 'CHECKPOINT_PADDING_ROLLUP', paddingInputs]);
    expect(noCrs.code).toBe(1);
    expect(noCrs.stderr.toString()).toMatch(/no CRS: pass --crs <dir> or set CRS_PATH/);
  }, 120_000);
});

describe('prover aztec-job --remote (local job runner, S3)', () => {
  it("puts the inputs where Aztec's proof store keeps them, proves once, and reuses the finished job", async () => {
    const env = f.localEnv({ BB_REMOTE_CRS_PATH: crs.dir });
    const dir = await f.dir('remote');
    const args = ['aztec-job', 'CHECKPOINT_PADDING_ROLLUP', paddingInputs, '--remote', '--id', '3:CHECKPOINT_PADDING_ROLLUP:abc', '--prefix', 'proofs/'];
    const first = await prover([...args, '--out', join(dir, 'a.json')], env);
    expect(first.code, text(first)).toBe(0);
    expect(first.stderr.toString()).toMatch(/proved as job [0-9a-f]{24} on local job runner.*Aztec's result at proofs\/outputs\/CHECKPOINT_PADDING_ROLLUP\/3:CHECKPOINT_PADDING_ROLLUP:abc\.json/);

    const spec = aztecJobSpec({ type: 'CHECKPOINT_PADDING_ROLLUP', aztecJobId: '3:CHECKPOINT_PADDING_ROLLUP:abc', prefix: 'proofs/' }, new Uint8Array());
    expect(await f.store.exists('proofs/inputs/CHECKPOINT_PADDING_ROLLUP/3:CHECKPOINT_PADDING_ROLLUP:abc')).toBe(true);
    const stored = Buffer.from((await f.store.get(spec.output))!);
    expect(stored.equals(await readFile(join(dir, 'a.json')))).toBe(true);
    expect((await readResult(join(dir, 'a.json'))).type).toBe(ProvingRequestType.CHECKPOINT_PADDING_ROLLUP);
    const resultJson = Buffer.from((await f.store.get(jobResultKey(spec.id)))!);

    const second = await prover([...args, '--out', join(dir, 'b.json')], env);
    expect(second.code, text(second)).toBe(0);
    expect(second.stderr.toString()).toMatch(/already finished: reusing its outputs/);
    expect(second.stderr.toString()).toMatch(/already proven as job/);
    expect(Buffer.from((await f.store.get(jobResultKey(spec.id)))!).equals(resultJson)).toBe(true);
    expect((await readFile(join(dir, 'b.json'))).equals(stored)).toBe(true);
  }, 300_000);

  it('never overwrites inputs Aztec stored under the same id, and says so', async () => {
    const env = f.localEnv({ BB_REMOTE_CRS_PATH: crs.dir });
    const other = join(await f.dir('other'), 'other.bin');
    await writeFile(other, Buffer.from([1, 2, 3]));
    const r = await prover(['aztec-job', 'CHECKPOINT_PADDING_ROLLUP', other, '--remote', '--id', '3:CHECKPOINT_PADDING_ROLLUP:abc', '--prefix', 'proofs/'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.toString()).toMatch(/proofs\/inputs\/CHECKPOINT_PADDING_ROLLUP\/3:CHECKPOINT_PADDING_ROLLUP:abc already holds different inputs/);
    expect((await f.store.get('proofs/inputs/CHECKPOINT_PADDING_ROLLUP/3:CHECKPOINT_PADDING_ROLLUP:abc'))!.length).toBe(0);
  }, 120_000);

  it("a job the circuit's inputs class cannot read fails remotely with the runner's message", async () => {
    const env = f.localEnv({ BB_REMOTE_CRS_PATH: crs.dir, BB_REMOTE_ATTEMPTS: '3', BB_REMOTE_RETRY_DELAY_SECONDS: '0' });
    const bad = join(await f.dir('bad'), 'bad.bin');
    await writeFile(bad, Buffer.from('not parity inputs'));
    const r = await prover(['aztec-job', 'PARITY_BASE', bad, '--remote'], env);
    expect(r.code).toBe(1);
    const stderr = r.stderr.toString();
    expect(stderr).toMatch(/PARITY_BASE failed remotely \(job [0-9a-f]{24} on local job runner/);
    expect(stderr).toMatch(/not a serialized ParityBasePrivateInputs/);
    // Deterministic: not retried.
    expect(stderr).not.toMatch(/submitting again/);
  }, 120_000);
});

describe('prover aztec-crs', () => {
  it('reports what a CRS directory holds', async () => {
    const r = await prover(['aztec-crs', crs.dir]);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/\d+ BN254 points .*Grumpkin .*grumpkin_g1(_v2)?\.flat\.dat.*; INSECURE test CRS/);
  }, 120_000);
});
