/**
 * Proves one Aztec proving job the way Aztec's own agent does (@aztec/bb-prover 4.1.2 `BBNativeRollupProver`),
 * from the bytes Aztec's proof store keeps and into the JSON it keeps:
 *
 *   inputs/<TYPE>/<jobId>        `inputs.toBuffer()`                     (prover-client FileStoreProofStore)
 *   → Aztec's class `.fromBuffer` → Aztec's `convert…ToWitnessMap` → acvm_js 4.1.2 → witness
 *   → bb 4.1.2 (bb.js; native or WASM) → proof + public inputs, checked against the verification key
 *   → `PublicInputsAndRecursiveProof` → outputs/<TYPE>/<jobId>.json `jsonStringify({ type, result })`
 *
 * so Aztec's broker/orchestrator reads our result with its own `ProvingJobResult` schema.
 */
import { IPA_CLAIM_SIZE, NESTED_RECURSIVE_PROOF_LENGTH, PAIRING_POINTS_SIZE } from '@aztec/constants';
import { jsonStringify } from '@aztec/foundation/json-rpc';
import { executeCircuit, compressWitness, compressWitnessStack } from '@aztec/noir-acvm_js';
import { foreignCallHandler, getServerCircuitArtifact } from '@aztec/noir-protocol-circuits-types/server';
import { ServerCircuitVks } from '@aztec/noir-protocol-circuits-types/server/vks';
import { getProvingJobInputClassFor, makePublicInputsAndRecursiveProof } from '@aztec/stdlib/interfaces/server';
import { Proof, ProvingRequestType, RecursiveProof, makeRecursiveProofFromBinary } from '@aztec/stdlib/proofs';
import type { VerificationKeyData } from '@aztec/stdlib/vks';
import { Fr } from '@aztec/foundation/curves/bn254';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, ProverError } from '../../../errors.ts';
import type { AztecJobType } from '../job-types.ts';
import { runBb } from '../../../proving/bb.ts';
import { AZTEC_BB_VERSION, bundledAztecBbPath, loadBn254Crs, loadGrumpkinCrs, openAztecBarretenberg, type AztecBbBackendChoice, type OpenedAztecBb } from './barretenberg.ts';
import { aztecCircuitFor, BB_FLAGS_FOR_TARGET, type AztecCircuitRow } from './prover-circuits.ts';
import type { AztecCrsDir } from './crs-dir.ts';
import { loadAztecCircuit, testCrsVerificationKey } from './verification-keys.ts';

export interface AztecJobProofRequest {
  readonly type: AztecJobType;
  /** Aztec's serialized inputs (`toBuffer()` of the job type's private inputs class). */
  readonly inputs: Uint8Array;
  readonly crs: AztecCrsDir;
  readonly backend: AztecBbBackendChoice;
  readonly threads?: number;
  /** Native bb 4.1.2 binary (default: bb.js's). */
  readonly bbPath?: string;
}

export interface AztecJobProof {
  /** outputs/<TYPE>/<jobId>.json: `jsonStringify({ type, result })`, Aztec's `ProvingJobResult`. */
  readonly resultJson: string;
  /** 'artifact': Aztec's key (the real CRS); 'computed': the key bb computed with an insecure test CRS. */
  readonly verificationKey: 'artifact' | 'computed';
  readonly metrics: {
    readonly witnessMs: number;
    readonly proveMs: number;
    readonly verifyMs: number;
    readonly gates: number;
    readonly dyadicGates: number;
    readonly backend: string;
  };
}

export async function proveAztecJob(request: AztecJobProofRequest): Promise<AztecJobProof> {
  const { type } = request;
  const row = aztecCircuitFor(type);
  if (row === undefined) {
    throw new ProverError(`${type} jobs are not supported by the Aztec job prover`, {
      metaMessages: ['the AVM is proven by `bb avm_prove` from msgpack inputs; run it through bb-remote with an AVM-enabled bb'],
    });
  }
  const inputs = decodeInputs(type, request.inputs);
  const artifact = getServerCircuitArtifact(row.artifact);

  const witnessStarted = performance.now();
  const witness = await solveWitness(type, row, inputs, Buffer.from(artifact.bytecode, 'base64'));
  const output = row.fromWitness(witness);
  const witnessMs = Math.round(performance.now() - witnessStarted);

  const artifactVk = ServerCircuitVks[row.artifact];
  const open = () =>
    openAztecBarretenberg({
      backend: request.backend,
      ...(request.threads !== undefined ? { threads: request.threads } : {}),
      ...(request.bbPath !== undefined ? { bbPath: request.bbPath } : {}),
    });
  // Stands in for the bb.js instance while the CLI proves (nothing to close then; failures still say "native").
  const CLOSED: OpenedAztecBb = { api: undefined as never, backend: 'native', close: async () => {} };
  let bb = await open();
  try {
    const loaded = await loadAztecCircuit(bb.api, type, request.crs);
    const { circuit, settings } = loaded;
    const stats = { numGates: loaded.gates, numGatesDyadic: loaded.dyadicGates };

    // With Aztec's CRS the artifact's key is the circuit's key (and saves bb computing it); with a test CRS
    // the commitments differ, so bb must compute its own and we report that one.
    const vkData = request.crs.insecure ? await testCrsVerificationKey(bb.api, loaded, request.crs) : artifactVk;

    // Aztec's agent verifies every proof before reporting it (bb-prover `createRecursiveProofAndVerify`).
    let proven: ProvenFields;
    if (bb.backend === 'native') {
      // The native bb proves as Aztec's own agent does: the bb 4.1.2 CLI with bb-prover's flags, reading the CRS
      // itself. The bb.js process is closed first: it holds a copy of the CRS and the circuit, which a 2^24-gate
      // root rollup cannot spare beside its prover on a machine under ~32 GB. bb.js verifies afterwards: bb's CLI
      // verifier pairs with the ceremony's G2 point built into bb (measured: it rejects every proof made on a
      // test CRS, "verification failed at pairing check"), bb.js with the CRS directory's own.
      await bb.close();
      bb = CLOSED;
      const threads = bbCliThreads(stats.numGatesDyadic, request.threads);
      const { proof, publicInputs, proveMs } = await proveWithBbCli(type, row, Buffer.from(artifact.bytecode, 'base64'), witness, vkData.keyAsBytes, { ...request, threads });
      bb = await open();
      if (settings.ipaAccumulation) await loadGrumpkinCrs(bb.api, request.crs);
      // Verifying reads the CRS's first point and its G2 point, not the whole circuit's worth.
      await loadBn254Crs(bb.api, request.crs, Math.min(stats.numGatesDyadic + 1, 2 ** 16 + 1));
      const verifyStarted = performance.now();
      const { verified } = await bb.api.circuitVerify({ verificationKey: vkData.keyAsBytes, publicInputs, proof, settings });
      proven = { proof, publicInputs, verified, proveMs, verifyMs: Math.round(performance.now() - verifyStarted) };
    } else {
      const proveStarted = performance.now();
      const { proof, publicInputs } = await bb.api.circuitProve({
        witness: gunzipSync(compressWitness(witness)),
        circuit: { ...circuit, verificationKey: vkData.keyAsBytes },
        settings,
      });
      const verifyStarted = performance.now();
      const { verified } = await bb.api.circuitVerify({ verificationKey: vkData.keyAsBytes, publicInputs, proof, settings });
      proven = { proof, publicInputs, verified, proveMs: Math.round(verifyStarted - proveStarted), verifyMs: Math.round(performance.now() - verifyStarted) };
    }
    const { proof, publicInputs, proveMs, verifyMs } = proven;
    if (proof.length !== row.proofLength) {
      throw new ProverError(`${type}: bb returned a proof of ${proof.length} fields, Aztec expects ${row.proofLength}`, {
        metaMessages: [`bb.js ${AZTEC_BB_VERSION} and the circuits of @aztec/noir-protocol-circuits-types must be the same release`],
      });
    }
    if (!proven.verified) {
      throw new ProverError(`${type}: the proof bb produced does not verify against ${request.crs.insecure ? 'the key bb computed' : "Aztec's verification key"}`, {
        metaMessages: request.crs.insecure ? [] : [`is ${request.crs.dir} Aztec's ceremony CRS? A different CRS gives different keys`],
      });
    }

    const recursiveProof = toRecursiveProof(row, vkData, publicInputs, proof);
    const result = makePublicInputsAndRecursiveProof(output, recursiveProof, vkData);
    const resultJson = jsonStringify({ type: ProvingRequestType[type], result });
    return {
      resultJson,
      verificationKey: request.crs.insecure ? 'computed' : 'artifact',
      metrics: { witnessMs, proveMs, verifyMs, gates: stats.numGates, dyadicGates: stats.numGatesDyadic, backend: `bb.js ${AZTEC_BB_VERSION} ${bb.backend}` },
    };
  } catch (err) {
    throw err instanceof ProverError ? err : bbFailure(type, bb.backend, err);
  } finally {
    await bb.close();
  }
}

interface ProvenFields {
  readonly proof: Uint8Array[];
  readonly publicInputs: Uint8Array[];
  readonly verified: boolean;
  readonly proveMs: number;
  readonly verifyMs: number;
}

/**
 * `bb prove` of bb 4.1.2 as bb-prover's `BBNativeRollupProver` calls it (src/bb/execute.ts: the target's flags,
 * `-b` bytecode, `-w` witness stack, `-k` vk, `-o` out) → bb's `proof` and `public_inputs` files as 32-byte fields.
 * bb's own environment applies, e.g. BB_SLOW_LOW_MEMORY=1 (its --slow_low_memory: file-backed polynomials).
 */
async function proveWithBbCli(
  type: AztecJobType,
  row: AztecCircuitRow,
  bytecodeGz: Buffer,
  witness: Map<number, string>,
  vk: Uint8Array,
  request: AztecJobProofRequest,
): Promise<{ proof: Uint8Array[]; publicInputs: Uint8Array[]; proveMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), `aztec-${type.toLowerCase()}-`));
  try {
    await writeFile(join(dir, 'bytecode.gz'), bytecodeGz);
    await writeFile(join(dir, 'witness.gz'), compressWitnessStack([{ index: 0, witness }]));
    await writeFile(join(dir, 'vk'), vk);
    const proved = await runBb({
      args: ['prove', ...BB_FLAGS_FOR_TARGET[row.target], '-b', join(dir, 'bytecode.gz'), '-w', join(dir, 'witness.gz'), '-k', join(dir, 'vk'), '-o', join(dir, 'out'), '-c', request.crs.dir],
      cwd: dir,
      bbPath: request.bbPath ?? bundledAztecBbPath() ?? 'bb',
      ...(request.threads !== undefined ? { env: { HARDWARE_CONCURRENCY: String(request.threads) } } : {}),
    });
    if (!proved.ok) {
      throw new ProverError(`${type}: bb ${AZTEC_BB_VERSION} prove failed: ${proved.reason}`, { retryable: proved.retry, metaMessages: proved.stderr.trim().split('\n').slice(-5) });
    }
    const fields = async (file: string) => {
      const bytes = await readFile(join(dir, 'out', file));
      return Array.from({ length: bytes.length / 32 }, (_, i) => new Uint8Array(bytes.subarray(i * 32, (i + 1) * 32)));
    };
    return { proof: await fields('proof'), publicInputs: await fields('public_inputs'), proveMs: Math.round(proved.durationMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows of a circuit one bb 4.1.2 thread may prove: measured fine at 2^21 and 2^22, wrong at 2^23 (below). */
const MAX_ROWS_PER_BB_THREAD = 2 ** 22;

/**
 * Threads for the bb 4.1.2 CLI: what was asked (default: the cores here), but at least one per 2^22 rows.
 * Measured on the 2^24-row root rollup, same witness, same key and CRS: on 2 threads bb proves without complaint a
 * proof whose sumcheck passes and whose opening (Shplemini/KZG) fails — rejected by bb.js and by bb 4.1.2's own
 * Solidity verifier (`ShpleminiFailed`); on 4 threads the proof passes both. Every smaller Aztec circuit (≤ 2^22)
 * proves correctly on 2 threads. Oversubscribing 2 cores with 4 threads took the same time (71 s key, ~6 min).
 */
export function bbCliThreads(dyadicRows: number, requested?: number, cores = availableParallelism()): number {
  return Math.max(requested ?? cores, Math.ceil(dyadicRows / MAX_ROWS_PER_BB_THREAD));
}

/**
 * bb failed inside bb.js. The native bb dying (OOM kill, spot reclaim of the host) is worth another attempt,
 * like a bb CLI killed by a signal; anything else (an assertion in bb) is not.
 */
export function bbFailure(type: AztecJobType, backend: string, cause: unknown): ProverError {
  const message = cause instanceof Error ? cause.message : String(cause);
  // The socket to the native bb closes when that process dies (e.g. the OOM killer): measured with a 2^24 root.
  const died = /native backend process (exited|error)|Socket connection ended unexpectedly|SIGKILL|signal/i.test(message);
  return new ProverError(`${type}: bb ${AZTEC_BB_VERSION} (${backend}) failed: ${message.split('\n')[0]}`, { cause, retryable: died });
}

/** Aztec's class for the type reads the bytes; anything it does not consume exactly is rejected. */
function decodeInputs(type: AztecJobType, bytes: Uint8Array): { toBuffer(): Buffer } {
  const cls = getProvingJobInputClassFor(ProvingRequestType[type]);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let decoded: { toBuffer(): Buffer };
  try {
    decoded = cls.fromBuffer(buffer);
  } catch (cause) {
    throw new InputError(`the inputs are not a serialized ${cls.name} (${type})`, { cause, metaMessages: [`${bytes.length} bytes`] });
  }
  const again = decoded.toBuffer();
  if (!again.equals(buffer)) {
    throw new InputError(`the inputs are not a serialized ${cls.name} (${type})`, {
      metaMessages: [`${bytes.length} bytes given, a ${cls.name} reads ${again.length}: wrong job type, truncated or trailing data`],
    });
  }
  return decoded;
}

async function solveWitness(type: AztecJobType, row: AztecCircuitRow, inputs: unknown, bytecode: Buffer): Promise<Map<number, string>> {
  let initial: Map<number, string>;
  try {
    initial = row.toWitness(inputs as never);
  } catch (cause) {
    throw new InputError(`${type}: the inputs do not fit the circuit's ABI`, { cause });
  }
  try {
    return await executeCircuit(bytecode, initial, foreignCallHandler);
  } catch (cause) {
    // A failed assertion: these inputs cannot be proven, however often we retry.
    throw new ProverError(`${type}: the circuit rejected the inputs (witness generation failed)`, { cause });
  }
}

/**
 * bb's proof → Aztec's `RecursiveProof`, as bb-prover's `readProofsFromOutputDirectory` builds it from bb's
 * `public_inputs` and `proof` files: fields = the proof; binary = public inputs ‖ proof, with the count of the
 * circuit's own public inputs (the key's count minus pairing points and, for IPA circuits, the IPA claim).
 */
function toRecursiveProof(row: AztecCircuitRow, vk: VerificationKeyData, publicInputs: Uint8Array[], proof: Uint8Array[]): RecursiveProof<number> {
  const own = vk.numPublicInputs - PAIRING_POINTS_SIZE - (row.target === 'noir-rollup-no-zk' ? IPA_CLAIM_SIZE : 0);
  if (publicInputs.length !== own) {
    throw new ProverError(`bb returned ${publicInputs.length} public inputs; the verification key implies ${own}`);
  }
  const binary = Buffer.concat([...publicInputs, ...proof].map((f) => Buffer.from(f)));
  const recursive = new RecursiveProof(proof.map((f) => Fr.fromBuffer(Buffer.from(f))), new Proof(binary, own), true, row.proofLength);
  if (row.artifact !== 'RootRollupArtifact') return recursive;
  // bb-prover `getRootRollupProof`: the root's proof is re-read at the nested length and its public-input
  // count includes the pairing points (aztec-packages#13188, "Remove this hack").
  const root = makeRecursiveProofFromBinary(recursive.binaryProof, NESTED_RECURSIVE_PROOF_LENGTH);
  root.binaryProof.numPublicInputs += PAIRING_POINTS_SIZE;
  return root;
}
