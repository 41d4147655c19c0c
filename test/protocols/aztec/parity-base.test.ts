/**
 * Aztec 4.1.2's real PARITY_BASE circuit (2,274,397 gates, 2^22) proven through the job runner from Aztec's
 * serialized inputs: the heaviest Aztec circuit that fits this 2-core machine (bb.js WASM: ~2–4 min, ~5.5 GB).
 * The parity outputs are checked against Aztec's own TypeScript implementation of the same function
 * (computeBalancedShaRoot, which is not the circuit), and against the proof's public inputs.
 */
import { Fr } from '@aztec/foundation/curves/bn254';
import { jsonParseWithSchema } from '@aztec/foundation/json-rpc';
import { computeBalancedShaRoot } from '@aztec/foundation/trees';
import { ProvingJobResult } from '@aztec/stdlib/interfaces/server';
import { ParityBasePrivateInputs } from '@aztec/stdlib/parity';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../../../lib/proving/artifact-store.ts';
import { NativeBbBackend } from '../../../lib/proving/bb.ts';
import { runJob } from '../../../lib/proving/job-runner.ts';
import { jobSpecKey } from '../../../lib/proving/keys.ts';
import { createAztecJobProver } from '../../../lib/protocols/aztec/prover/aztec-job-prover.ts';
import { loadBn254Crs, openAztecBarretenberg } from '../../../lib/protocols/aztec/prover/barretenberg.ts';
import { aztecJobSpec } from '../../../lib/protocols/aztec/prover/proof-store-job.ts';
import { aztecTestCrs } from '../fixtures/aztec-crs.ts';

/** 2^22 + 1 points: the parity base circuit's dyadic size. */
const POINTS = 2 ** 22 + 1;

describe('an Aztec PARITY_BASE job (real circuit, 2^22 gates)', () => {
  it('is proven, its sha root is the one Aztec computes in TypeScript, and the proof carries its outputs', async () => {
    const crs = await aztecTestCrs(POINTS);
    // 256 L1→L2 messages, a few non-zero, as the orchestrator slices them for one base parity.
    const msgs = Array.from({ length: 256 }, (_, i) => new Fr(i < 5 ? 1000 + i : 0));
    const vkTreeRoot = new Fr(0x1234n);
    const inputs = new ParityBasePrivateInputs(msgs as ConstructorParameters<typeof ParityBasePrivateInputs>[0], vkTreeRoot).toBuffer();

    const store = new MemoryArtifactStore();
    const spec = aztecJobSpec({ type: 'PARITY_BASE', aztecJobId: '7:PARITY_BASE:test', prefix: 'proofs/' }, inputs);
    expect(spec.inputs).toBe('proofs/inputs/PARITY_BASE/7:PARITY_BASE:test');
    await store.put(spec.inputs, inputs);
    await store.put(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec)));
    const outcome = await runJob(spec.id, {
      store,
      backend: new NativeBbBackend(),
      adapters: {},
      aztecProver: createAztecJobProver({ crsPath: crs.dir, backend: 'auto', threads: 2 }),
    });
    expect(outcome.status, JSON.stringify(outcome)).toBe('proved');

    const result = jsonParseWithSchema(Buffer.from((await store.get(spec.output))!).toString('utf8'), ProvingJobResult);
    if (result.type !== ProvingRequestType.PARITY_BASE) throw new Error(`result type ${result.type}`);
    const { inputs: outputs, proof, verificationKey } = result.result;
    expect(outputs.shaRoot.equals(new Fr(computeBalancedShaRoot(msgs.map((m) => m.toBuffer()))))).toBe(true);
    expect(outputs.vkTreeRoot.equals(vkTreeRoot)).toBe(true);
    expect(outputs.convertedRoot.isZero()).toBe(false);
    // Parity proofs: 449 fields (RECURSIVE_PROOF_LENGTH); own public inputs = the three outputs, in order.
    expect(proof.proof).toHaveLength(449);
    expect(proof.binaryProof.numPublicInputs).toBe(3);
    const publicInputs = [0, 1, 2].map((i) => proof.binaryProof.buffer.subarray(i * 32, (i + 1) * 32));
    expect(publicInputs.map((b) => Fr.fromBuffer(b).toString())).toEqual([outputs.shaRoot, outputs.convertedRoot, outputs.vkTreeRoot].map((f) => f.toString()));

    // The reported key accepts it; a different vk tree root in the public inputs is rejected.
    const bb = await openAztecBarretenberg({ backend: 'auto', threads: 2 });
    try {
      await loadBn254Crs(bb.api, crs, POINTS);
      const settings = { ipaAccumulation: false, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false } as const;
      const proofFields = proof.proof.map((f) => new Uint8Array(f.toBuffer()));
      const verify = (pis: Uint8Array[]): Promise<boolean> =>
        bb.api.circuitVerify({ verificationKey: verificationKey.keyAsBytes, publicInputs: pis, proof: proofFields, settings }).then(
          (r) => r.verified,
          () => false,
        );
      expect(await verify(publicInputs.map((b) => new Uint8Array(b)))).toBe(true);
      expect(await verify([publicInputs[0]!, publicInputs[1]!, new Fr(0x1235n).toBuffer()].map((b) => new Uint8Array(b)))).toBe(false);
    } finally {
      await bb.close();
    }
  }, 1_200_000);
});
