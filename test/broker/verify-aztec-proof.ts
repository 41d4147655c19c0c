/**
 * Checks an Aztec proof the facade handed back (`PublicInputsAndRecursiveProof`) with bb.js 4.1.2 in WASM, on the
 * test CRS and against the key the result carries — as a node's verifier would, outside the prover.
 */
import { loadBn254Crs, loadGrumpkinCrs, openAztecBarretenberg } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import type { AztecCrsDir } from '../../lib/protocols/aztec/prover/crs-dir.ts';
import { AZTEC_PROOF_SETTINGS } from '../../lib/protocols/aztec/prover/verification-keys.ts';
import type { AztecProofResult } from './aztec-client.ts';

/** `target`: the circuit's verifier flavour (rollup circuits: IPA accumulation; parity: plain recursive). */
export async function verifiesWithKey(
  result: AztecProofResult,
  crs: AztecCrsDir,
  target: keyof typeof AZTEC_PROOF_SETTINGS,
  tamper: (publicInputs: Uint8Array[]) => Uint8Array[] = (p) => p,
): Promise<boolean> {
  const settings = AZTEC_PROOF_SETTINGS[target];
  const bb = await openAztecBarretenberg({ backend: 'wasm', threads: 2 });
  try {
    if (settings.ipaAccumulation) await loadGrumpkinCrs(bb.api, crs);
    await loadBn254Crs(bb.api, crs, 2 ** 12 + 1);
    const own = result.proof.binaryProof.numPublicInputs;
    const publicInputs = Array.from({ length: own }, (_, i) => new Uint8Array(result.proof.binaryProof.buffer.subarray(i * 32, (i + 1) * 32)));
    return await bb.api
      .circuitVerify({
        verificationKey: result.verificationKey.keyAsBytes,
        publicInputs: tamper(publicInputs),
        proof: result.proof.proof.map((f) => new Uint8Array(f.toBuffer())),
        settings,
      })
      .then(
        (r) => r.verified,
        () => false,
      );
  } finally {
    await bb.close();
  }
}

/** Flips the last bit of the first public input. */
export const flipFirstPublicInput = (publicInputs: Uint8Array[]): Uint8Array[] =>
  publicInputs.map((p, i) => (i === 0 ? Uint8Array.from(p, (b, j) => (j === 31 ? b ^ 1 : b)) : p));
