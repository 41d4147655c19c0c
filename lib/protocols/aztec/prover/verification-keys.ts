/**
 * Verification keys of Aztec's circuits as bb 4.1.2 computes them for a given CRS. With Aztec's ceremony CRS they
 * equal the keys in Aztec's artifacts; with a test CRS they differ (the commitments depend on the CRS), so a
 * prover on a test CRS must report — and a verifier must use — these.
 */
import { Fr } from '@aztec/foundation/curves/bn254';
import { getServerCircuitArtifact } from '@aztec/noir-protocol-circuits-types/server';
import { VerificationKeyAsFields, VerificationKeyData } from '@aztec/stdlib/vks';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ProverError } from '../../../errors.ts';
import type { AztecJobType } from '../job-types.ts';
import { AZTEC_BB_VERSION, loadBn254Crs, loadGrumpkinCrs, type AztecProofSettings, type OpenedAztecBb } from './barretenberg.ts';
import { aztecCircuitFor, type AztecCircuitRow, type AztecVerifierTarget } from './prover-circuits.ts';
import type { AztecCrsDir } from './crs-dir.ts';

/** bb.js settings of each verifier target (bb-prover 4.1.2's flags: every server circuit with --disable_zk). */
export const AZTEC_PROOF_SETTINGS: Readonly<Record<AztecVerifierTarget, AztecProofSettings>> = {
  'noir-rollup-no-zk': { ipaAccumulation: true, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false },
  'noir-recursive-no-zk': { ipaAccumulation: false, oracleHashType: 'poseidon2', disableZk: true, optimizedSolidityVerifier: false },
  'evm-no-zk': { ipaAccumulation: false, oracleHashType: 'keccak', disableZk: true, optimizedSolidityVerifier: false },
};

export interface LoadedAztecCircuit {
  readonly row: AztecCircuitRow;
  readonly circuit: { readonly name: string; readonly bytecode: Uint8Array; readonly verificationKey: Uint8Array };
  readonly settings: AztecProofSettings;
  readonly gates: number;
  readonly dyadicGates: number;
}

/** The type's circuit from Aztec's artifact, with the CRS it needs loaded into `api` (Grumpkin first: IPA circuits need it for their stats). */
export async function loadAztecCircuit(api: OpenedAztecBb['api'], type: AztecJobType, crs: AztecCrsDir): Promise<LoadedAztecCircuit> {
  const row = aztecCircuitFor(type);
  if (row === undefined) throw new ProverError(`${type} has no Noir circuit (the AVM is proven by bb avm_prove)`);
  const artifact = getServerCircuitArtifact(row.artifact);
  const circuit = { name: type, bytecode: gunzipSync(Buffer.from(artifact.bytecode, 'base64')), verificationKey: new Uint8Array() };
  const settings = AZTEC_PROOF_SETTINGS[row.target];
  if (settings.ipaAccumulation) await loadGrumpkinCrs(api, crs);
  const stats = await api.circuitStats({ circuit, includeGatesPerOpcode: false, settings });
  await loadBn254Crs(api, crs, stats.numGatesDyadic + 1);
  return { row, circuit, settings, gates: stats.numGates, dyadicGates: stats.numGatesDyadic };
}

/**
 * The key bb computes for the circuit, as Aztec's `VerificationKeyData`. Its hash is Aztec's `hashVK`
 * (poseidon2 over the key's fields), computed on this bb.js instance: stdlib's `fromFrBuffer` would use
 * @aztec/foundation's bb.js singleton, which insists on the native binary when one is installed.
 */
async function computeVerificationKey(api: OpenedAztecBb['api'], loaded: Pick<LoadedAztecCircuit, 'circuit' | 'settings'>): Promise<VerificationKeyData> {
  return keyFromBytes(api, Buffer.from((await api.circuitComputeVk({ circuit: loaded.circuit, settings: loaded.settings })).bytes));
}

async function keyFromBytes(api: OpenedAztecBb['api'], bytes: Buffer): Promise<VerificationKeyData> {
  const fields: Fr[] = [];
  for (let i = 0; i < bytes.length; i += Fr.SIZE_IN_BYTES) fields.push(Fr.fromBuffer(bytes.subarray(i, i + Fr.SIZE_IN_BYTES)));
  const { hash } = await api.poseidon2Hash({ inputs: fields.map((f) => f.toBuffer()) });
  return new VerificationKeyData(new VerificationKeyAsFields(fields, Fr.fromBuffer(Buffer.from(hash))), bytes);
}

/**
 * The key of a circuit for a test CRS, computed once per CRS directory: a key depends only on the circuit, the
 * CRS and the bb version, and a 2^24-gate circuit takes minutes to key. Kept at
 * `<crs dir>/vk-cache/<bb version>/<grumpkin file>/<artifact>-<bytecode digest>.vk` (written atomically); never used for a real CRS, where Aztec's
 * artifact keys apply.
 */
export async function testCrsVerificationKey(api: OpenedAztecBb['api'], loaded: LoadedAztecCircuit, crs: AztecCrsDir): Promise<VerificationKeyData> {
  if (!crs.insecure) throw new ProverError('keys are cached for the insecure test CRS only: a real CRS uses Aztec\'s artifact keys');
  // The Grumpkin points are part of what a key depends on (the root rollup verifies IPA in-circuit with them).
  const dir = join(crs.dir, 'vk-cache', AZTEC_BB_VERSION, basename(crs.grumpkinFile ?? 'no-grumpkin'));
  // The bytecode's digest in the name: another Aztec release's circuit under the same artifact name gets its own key.
  const digest = createHash('sha256').update(loaded.circuit.bytecode).digest('hex').slice(0, 16);
  const file = join(dir, `${loaded.row.artifact}-${digest}.vk`);
  if (existsSync(file)) return keyFromBytes(api, readFileSync(file));
  const vk = await computeVerificationKey(api, loaded);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, vk.keyAsBytes);
  renameSync(tmp, file);
  return vk;
}
