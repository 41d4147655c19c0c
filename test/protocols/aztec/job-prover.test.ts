/**
 * Aztec jobs through the job runner with real proofs: Aztec 4.1.2's own checkpoint padding circuit, from the
 * bytes Aztec's proof store writes (`inputs/<TYPE>/<id>` = `toBuffer()`), proven by bb 4.1.2 (bb.js; WASM on
 * this Debian 12 machine, whose glibc is too old for bb.js's native binary) into the JSON Aztec's broker reads
 * back with its own `ProvingJobResult` schema. The CRS is the devnet's insecure test CRS, so the verification
 * key is the one bb computed, not Aztec's (asserted); every other step is Aztec's real code and data.
 */
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { jsonParseWithSchema } from '@aztec/foundation/json-rpc';
import { ServerCircuitVks } from '@aztec/noir-protocol-circuits-types/server/vks';
import { ProvingJobResult } from '@aztec/stdlib/interfaces/server';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../../../lib/proving/artifact-store.ts';
import { runJob, type JobRunnerDeps } from '../../../lib/proving/job-runner.ts';
import type { AztecJobSpec } from '../../../lib/proving/job-spec.ts';
import { jobErrorKey, jobResultKey, jobSpecKey } from '../../../lib/proving/keys.ts';
import { NativeBbBackend } from '../../../lib/proving/bb.ts';
import { createAztecJobProver } from '../../../lib/protocols/aztec/prover/aztec-job-prover.ts';
import { AZTEC_BB_VERSION, loadBn254Crs, loadGrumpkinCrs, openAztecBarretenberg, type OpenedAztecBb } from '../../../lib/protocols/aztec/prover/barretenberg.ts';
import { loadAztecCircuit, testCrsVerificationKey } from '../../../lib/protocols/aztec/prover/verification-keys.ts';
import type { AztecCrsDir } from '../../../lib/protocols/aztec/prover/crs-dir.ts';
import { bbCliThreads, bbFailure } from '../../../lib/protocols/aztec/prover/prove-aztec-job.ts';
import { aztecTestCrs } from '../fixtures/aztec-crs.ts';

const PADDING = 'CHECKPOINT_PADDING_ROLLUP' as const;
/** The padding circuit is 3,918 gates: dyadic 4,096 (+1). */
const PADDING_POINTS = 4097;

let crs: AztecCrsDir;
let work: string;

function spec(id: string, type: AztecJobSpec['type'], aztecId: string): AztecJobSpec {
  return { kind: 'aztec', id, type, inputs: `inputs/${type}/${aztecId}`, output: `outputs/${type}/${aztecId}.json` };
}

async function depsWith(store: MemoryArtifactStore, crsDir: string, withAztec = true): Promise<JobRunnerDeps> {
  return {
    store,
    backend: new NativeBbBackend(),
    adapters: {},
    ...(withAztec ? { aztecProver: createAztecJobProver({ crsPath: crsDir, backend: 'auto', threads: 2 }) } : {}),
  };
}

async function stage(store: MemoryArtifactStore, s: AztecJobSpec, inputs: Uint8Array): Promise<void> {
  await store.put(s.inputs, inputs);
  await store.put(jobSpecKey(s.id), Buffer.from(JSON.stringify(s)));
}

/** A copy of the CRS dir with some files left out or cut short (for the CRS error paths). */
function crsVariant(name: string, options: { grumpkin: boolean; points?: number }): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  if (options.points === undefined) symlinkSync(join(crs.dir, 'bn254_g1.dat'), join(dir, 'bn254_g1.dat'));
  else {
    const bytes = new Uint8Array(options.points * 64);
    const fd = openSync(join(crs.dir, 'bn254_g1.dat'), 'r');
    readSync(fd, bytes, 0, bytes.length, 0);
    closeSync(fd);
    writeFileSync(join(dir, 'bn254_g1.dat'), bytes);
  }
  copyFileSync(join(crs.dir, 'bn254_g2.dat'), join(dir, 'bn254_g2.dat'));
  if (options.grumpkin && crs.grumpkinFile) symlinkSync(crs.grumpkinFile, join(dir, 'grumpkin_g1.flat.dat'));
  writeFileSync(join(dir, 'INSECURE-TEST-CRS.txt'), 'test\n');
  return dir;
}

beforeAll(async () => {
  crs = await aztecTestCrs(PADDING_POINTS);
  work = mkdtempSync(join(tmpdir(), 'aztec-job-'));
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('an Aztec CHECKPOINT_PADDING_ROLLUP job (real circuit, real bb 4.1.2)', () => {
  const store = new MemoryArtifactStore();
  const job = spec('a1a1a1a1a1a1a1a1a1a1a1a1', PADDING, '1:CHECKPOINT_PADDING_ROLLUP:padding');
  let result: ProvingJobResult;
  let bb: OpenedAztecBb;

  beforeAll(async () => {
    await stage(store, job, new CheckpointPaddingRollupPrivateInputs().toBuffer());
    bb = await openAztecBarretenberg({ backend: 'auto', threads: 2 });
  }, 60_000);

  afterAll(async () => {
    await bb?.close();
  });

  it('is proven into the result JSON that Aztec\'s own ProvingJobResult schema reads', async () => {
    const outcome = await runJob(job.id, await depsWith(store, crs.dir));
    expect(outcome.status, JSON.stringify(outcome)).toBe('proved');
    if (outcome.status !== 'proved') return;
    expect(outcome.result.outputs['result']?.key).toBe(job.output);
    expect(outcome.result.metrics.backend).toMatch(/^bb\.js 4\.1\.2 (wasm|native)$/);

    const json = Buffer.from((await store.get(job.output))!).toString('utf8');
    result = jsonParseWithSchema(json, ProvingJobResult);
    expect(result.type).toBe(ProvingRequestType.CHECKPOINT_PADDING_ROLLUP);
    if (result.type !== ProvingRequestType.CHECKPOINT_PADDING_ROLLUP) return;
    // Aztec's rollup proofs: 519 proof fields; 149 own public inputs (163 in the key, minus 8 pairing-point
    // limbs and the 6-field IPA claim).
    expect(result.result.proof.proof).toHaveLength(519);
    expect(result.result.proof.binaryProof.numPublicInputs).toBe(149);
    expect(result.result.verificationKey.numPublicInputs).toBe(163);
    expect(result.result.inputs.constructor.name).toBe('CheckpointRollupPublicInputs');
  }, 300_000);

  it('reports the key bb computed with the test CRS, which is not the key in Aztec\'s artifact', () => {
    if (result?.type !== ProvingRequestType.CHECKPOINT_PADDING_ROLLUP) throw new Error('no result from the previous test');
    const artifactVk = ServerCircuitVks.CheckpointPaddingRollupArtifact;
    expect(result.result.verificationKey.keyAsBytes.length).toBe(artifactVk.keyAsBytes.length);
    expect(result.result.verificationKey.keyAsBytes.equals(artifactVk.keyAsBytes)).toBe(false);
    expect(result.result.verificationKey.keyAsFields.hash.equals(artifactVk.keyAsFields.hash)).toBe(false);
  });

  it('keeps that key in the CRS dir (per bb version, Grumpkin file and bytecode) and reads it back, not recomputed', async () => {
    if (result?.type !== ProvingRequestType.CHECKPOINT_PADDING_ROLLUP) throw new Error('no result from the previous test');
    const dir = join(crs.dir, 'vk-cache', AZTEC_BB_VERSION, basename(crs.grumpkinFile!));
    const cached = readdirSync(dir).filter((f) => f.startsWith('CheckpointPaddingRollupArtifact-') && f.endsWith('.vk'));
    expect(cached).toHaveLength(1);
    const file = join(dir, cached[0]!);
    expect(readFileSync(file).equals(result.result.verificationKey.keyAsBytes)).toBe(true);
    // A key read back is the file's, hash and all (a planted file is what comes back).
    const loaded = await loadAztecCircuit(bb.api, PADDING, crs);
    const again = await testCrsVerificationKey(bb.api, loaded, crs);
    expect(again.keyAsBytes.equals(result.result.verificationKey.keyAsBytes)).toBe(true);
    expect(again.keyAsFields.hash.equals(result.result.verificationKey.keyAsFields.hash)).toBe(true);
    const planted = Buffer.from(readFileSync(file));
    planted[planted.length - 1] = planted[planted.length - 1]! ^ 1;
    writeFileSync(file, planted);
    try {
      expect((await testCrsVerificationKey(bb.api, loaded, crs)).keyAsBytes.equals(planted)).toBe(true);
    } finally {
      writeFileSync(file, result.result.verificationKey.keyAsBytes);
    }
    // Never for a real CRS, whose keys are Aztec's artifact keys.
    await expect(testCrsVerificationKey(bb.api, loaded, { ...crs, insecure: false })).rejects.toThrow(/insecure test CRS only/);
  }, 120_000);

  it('verifies against the reported key, and a changed public input or proof field is rejected', async () => {
    if (result?.type !== ProvingRequestType.CHECKPOINT_PADDING_ROLLUP) throw new Error('no result from the previous test');
    const { binaryProof, proof } = result.result.proof;
    const n = binaryProof.numPublicInputs;
    const publicInputs = Array.from({ length: n }, (_, i) => new Uint8Array(binaryProof.buffer.subarray(i * 32, (i + 1) * 32)));
    const proofFields = proof.map((f) => new Uint8Array(f.toBuffer()));
    // The binary form is public inputs ‖ proof, as Aztec's verifier splits it.
    expect(Buffer.concat(proofFields).equals(binaryProof.buffer.subarray(n * 32))).toBe(true);

    await loadGrumpkinCrs(bb.api, crs);
    await loadBn254Crs(bb.api, crs, PADDING_POINTS);
    const settings = { ipaAccumulation: true, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false } as const;
    const verificationKey = result.result.verificationKey.keyAsBytes;
    // A rejected proof either verifies false or makes bb refuse it outright (e.g. a commitment off the curve).
    const verify = (pis: Uint8Array[], prf: Uint8Array[], key = verificationKey): Promise<boolean> =>
      bb.api.circuitVerify({ verificationKey: key, publicInputs: pis, proof: prf, settings }).then(
        (r) => r.verified,
        () => false,
      );

    expect(await verify(publicInputs, proofFields)).toBe(true);
    const badInput = publicInputs.map((p, i) => (i === 3 ? Uint8Array.from(p, (b, j) => (j === 31 ? b ^ 1 : b)) : p));
    expect(await verify(badInput, proofFields)).toBe(false);
    const badProof = proofFields.map((p, i) => (i === 40 ? Uint8Array.from(p, (b, j) => (j === 31 ? b ^ 1 : b)) : p));
    expect(await verify(publicInputs, badProof)).toBe(false);
    // Aztec's artifact key (made with Aztec's CRS) does not accept a proof made with the test CRS.
    expect(await verify(publicInputs, proofFields, ServerCircuitVks.CheckpointPaddingRollupArtifact.keyAsBytes)).toBe(false);
  }, 120_000);

  it('is not proven twice: a re-run skips it and leaves the output as it was', async () => {
    const before = Buffer.from((await store.get(job.output))!);
    const outcome = await runJob(job.id, await depsWith(store, crs.dir));
    expect(outcome.status).toBe('skipped');
    expect(Buffer.from((await store.get(job.output))!).equals(before)).toBe(true);
  });
});

describe('Aztec jobs that cannot be proven fail with a message that says why, and write no output', () => {
  async function failing(s: AztecJobSpec, inputs: Uint8Array | undefined, crsDir = crs.dir, withAztec = true): Promise<string> {
    const store = new MemoryArtifactStore();
    if (inputs === undefined) await store.put(jobSpecKey(s.id), Buffer.from(JSON.stringify(s)));
    else await stage(store, s, inputs);
    const outcome = await runJob(s.id, await depsWith(store, crsDir, withAztec));
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return '';
    expect(outcome.retryable).toBe(false);
    expect(await store.exists(s.output)).toBe(false);
    expect(await store.exists(jobResultKey(s.id))).toBe(false);
    const recorded = JSON.parse(Buffer.from((await store.get(jobErrorKey(s.id)))!).toString('utf8')) as { message: string };
    expect(recorded.message).toBe(outcome.message);
    return outcome.message;
  }

  it('inputs that are not the type\'s serialized class', async () => {
    const garbage = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
    expect(await failing(spec('b1b1b1b1b1b1b1b1b1b1b1b1', 'PARITY_BASE', 'x'), garbage)).toMatch(/not a serialized ParityBasePrivateInputs/);
  });

  it('inputs with trailing bytes (e.g. a job filed under the wrong type)', async () => {
    const message = await failing(spec('b2b2b2b2b2b2b2b2b2b2b2b2', PADDING, 'x'), Uint8Array.of(1));
    expect(message).toMatch(/not a serialized CheckpointPaddingRollupPrivateInputs/);
    expect(message).toMatch(/1 bytes given, a CheckpointPaddingRollupPrivateInputs reads 0/);
  });

  it('missing inputs', async () => {
    expect(await failing(spec('b3b3b3b3b3b3b3b3b3b3b3b3', PADDING, 'gone'), undefined)).toMatch(
      /inputs of Aztec job b3b3b3b3b3b3b3b3b3b3b3b3 \(CHECKPOINT_PADDING_ROLLUP\) are missing at inputs\/CHECKPOINT_PADDING_ROLLUP\/gone/,
    );
  });

  it('an AVM job (proven by bb avm_prove, not by this prover)', async () => {
    expect(await failing(spec('b4b4b4b4b4b4b4b4b4b4b4b4', 'PUBLIC_VM', 'x'), Uint8Array.of(0))).toMatch(/PUBLIC_VM jobs are not supported.*\n.*avm_prove/);
  });

  it('a job runner without an Aztec prover', async () => {
    expect(await failing(spec('b5b5b5b5b5b5b5b5b5b5b5b5', PADDING, 'x'), new Uint8Array(), crs.dir, false)).toMatch(/has no Aztec prover/);
  });

  it('a CRS without the Grumpkin points rollup circuits need', async () => {
    const dir = crsVariant('no-grumpkin', { grumpkin: false });
    expect(await failing(spec('b6b6b6b6b6b6b6b6b6b6b6b6', PADDING, 'x'), new Uint8Array(), dir)).toMatch(/no Grumpkin CRS in .*\n.*\n.*prover aztec-crs/);
  }, 60_000);

  it('a CRS smaller than the circuit', async () => {
    const dir = crsVariant('small', { grumpkin: true, points: 1024 });
    expect(await failing(spec('b7b7b7b7b7b7b7b7b7b7b7b7', PADDING, 'x'), new Uint8Array(), dir)).toMatch(/has 1024 BN254 points; this circuit needs 4097/);
  }, 60_000);
});

describe('bb failures inside bb.js', () => {
  it('a native bb that died is retryable (Batch tries again), an assertion in bb is not', () => {
    const died = bbFailure('PARITY_BASE', 'native', new Error('Native backend process exited with code null (signal SIGKILL)'));
    expect(died.retryable).toBe(true);
    expect(died.shortMessage).toBe('PARITY_BASE: bb 4.1.2 (native) failed: Native backend process exited with code null (signal SIGKILL)');
    const asserted = bbFailure('PARITY_BASE', 'wasm', new Error('Assertion failed: (val.on_curve())'));
    expect(asserted.retryable).toBe(false);
  });
});


describe('threads for the bb 4.1.2 CLI', () => {
  // bb 4.1.2 on 2 threads proved the 2^24-row root rollup with an opening that bb.js and its own Solidity
  // verifier reject; on 4 threads the same witness verified. No thread may carry more than 2^22 rows.
  it('gives the root rollup (2^24 rows) at least 4 threads on a 2-core host, more when asked or available', () => {
    expect(bbCliThreads(2 ** 24, undefined, 2)).toBe(4);
    expect(bbCliThreads(2 ** 24, 2, 2)).toBe(4);
    expect(bbCliThreads(2 ** 24, undefined, 64)).toBe(64);
    expect(bbCliThreads(2 ** 24, 8, 2)).toBe(8);
  });

  it('leaves circuits of up to 2^22 rows on the threads asked for or the cores here', () => {
    expect(bbCliThreads(2 ** 22, undefined, 2)).toBe(2);
    expect(bbCliThreads(2 ** 12, 1, 2)).toBe(1);
    expect(bbCliThreads(2 ** 23, 1, 2)).toBe(2);
  });
});
