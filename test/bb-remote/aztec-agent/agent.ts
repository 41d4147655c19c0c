/**
 * Aztec's own prover code as the unmodified agent runs it: `BBNativeRollupProver` from @aztec/bb-prover 4.1.2
 * (its package index, as the agent imports it) proves a real protocol circuit from inputs made with Aztec's
 * classes, and verifies the proof itself with `bb verify` before returning it. Runs where Aztec's agent runs
 * (glibc >= 2.39: the Debian 13 container of test/container/bb-remote-aztec.test.ts), once per `bbBinaryPath`
 * given: bin/bb-remote, or a bb itself.
 *
 *   node --import tsx agent.ts <request.json> <result.json>
 *
 * With a test CRS the keys differ from those in Aztec's artifacts (they depend on the CRS), so the circuit's
 * entry in Aztec's key table (`ServerCircuitVks`, which the prover passes to bb for proving and verifying) is set
 * to the key bb computes with the test CRS (`vkPath`); nothing else of Aztec's is changed. Witnesses come from
 * the `acvm` stand-in (Aztec's WASM ACVM behind the native acvm's command line).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BBNativeRollupProver } from '@aztec/bb-prover';
import { Fr } from '@aztec/foundation/curves/bn254';
import { ServerCircuitVks } from '@aztec/noir-protocol-circuits-types/server/vks';
import { ParityBasePrivateInputs } from '@aztec/stdlib/parity';
import { Proof } from '@aztec/stdlib/proofs';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { VerificationKeyData } from '@aztec/stdlib/vks';

export interface AgentRequest {
  readonly circuit: 'padding' | 'parity';
  /** Each run proves the same inputs with another bb (e.g. bb-remote, then the bb it fronts). */
  readonly runs: readonly { readonly name: string; readonly bbBinaryPath: string }[];
  readonly acvmBinaryPath: string;
  readonly workDir: string;
  /** The circuit's key under the CRS in use (bb write_vk). */
  readonly vkPath: string;
}

export interface AgentRun {
  readonly name: string;
  readonly ms: number;
  /** The circuit's public outputs as Aztec's class serializes them. */
  readonly outputs: string;
  readonly numPublicInputs: number;
  /** The proof's public inputs ‖ proof (bb's files, as Aztec reads them back), hex. */
  readonly publicInputs: string;
  readonly proof: string;
  readonly proofFields: number;
  /** Aztec's verify step on the proof with one proof byte changed, and with one public input changed. */
  readonly tamperedProofRejected: boolean;
  readonly tamperedInputRejected: boolean;
}

/** Parity: 256 L1→L2 messages, a few non-zero, as the orchestrator slices them (as test/protocols/aztec/parity-base.test.ts). */
function parityInputs(): ParityBasePrivateInputs {
  const msgs = Array.from({ length: 256 }, (_, i) => new Fr(i < 5 ? 1000 + i : 0));
  return new ParityBasePrivateInputs(msgs as ConstructorParameters<typeof ParityBasePrivateInputs>[0], new Fr(0x1234n));
}

const CIRCUITS = {
  padding: {
    artifact: 'CheckpointPaddingRollupArtifact',
    prove: (p: BBNativeRollupProver) => p.getCheckpointPaddingRollupProof(new CheckpointPaddingRollupPrivateInputs()),
  },
  parity: {
    artifact: 'ParityBaseArtifact',
    prove: (p: BBNativeRollupProver) => p.getBaseParityProof(parityInputs()),
  },
} as const;

async function rejected(prover: BBNativeRollupProver, artifact: (typeof CIRCUITS)[keyof typeof CIRCUITS]['artifact'], proof: Proof): Promise<boolean> {
  try {
    await prover.verifyProof(artifact, proof);
    return false;
  } catch {
    return true;
  }
}

function flipped(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 1;
  return copy;
}

async function runAgent(request: AgentRequest): Promise<AgentRun[]> {
  const circuit = CIRCUITS[request.circuit];
  ServerCircuitVks[circuit.artifact] = await VerificationKeyData.fromFrBuffer(await readFile(request.vkPath));
  const runs: AgentRun[] = [];
  for (const run of request.runs) {
    const prover = await BBNativeRollupProver.new({
      bbBinaryPath: run.bbBinaryPath,
      bbWorkingDirectory: join(request.workDir, run.name, 'bb'),
      bbSkipCleanup: false,
      numConcurrentIVCVerifiers: 1,
      bbIVCConcurrency: 1,
      acvmBinaryPath: request.acvmBinaryPath,
      acvmWorkingDirectory: join(request.workDir, run.name, 'acvm'),
    });
    const started = performance.now();
    const result = await circuit.prove(prover);
    const ms = Math.round(performance.now() - started);
    const binary = result.proof.binaryProof;
    const split = binary.numPublicInputs * 32;
    runs.push({
      name: run.name,
      ms,
      outputs: result.inputs.toBuffer().toString('hex'),
      numPublicInputs: binary.numPublicInputs,
      publicInputs: binary.buffer.subarray(0, split).toString('hex'),
      proof: binary.buffer.subarray(split).toString('hex'),
      proofFields: result.proof.proof.length,
      // Low bytes of a field: still a field element, so bb has to check the proof, not merely refuse to parse it.
      tamperedProofRejected: await rejected(prover, circuit.artifact, new Proof(flipped(binary.buffer, split + 40 * 32 + 31), binary.numPublicInputs)),
      tamperedInputRejected: await rejected(prover, circuit.artifact, new Proof(flipped(binary.buffer, 31), binary.numPublicInputs)),
    });
  }
  return runs;
}

const [requestPath, resultPath] = process.argv.slice(2);
if (requestPath === undefined || resultPath === undefined) {
  process.stderr.write('usage: agent.ts <request.json> <result.json>\n');
  process.exit(2);
}
try {
  const runs = await runAgent(JSON.parse(await readFile(requestPath, 'utf8')) as AgentRequest);
  await writeFile(resultPath, JSON.stringify({ runs }, null, 2));
} catch (err) {
  await writeFile(resultPath, JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
  process.exitCode = 1;
}
