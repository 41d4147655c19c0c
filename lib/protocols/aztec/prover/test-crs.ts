/**
 * An INSECURE CRS for proving Aztec's circuits without Aztec's ceremony (tests, `prover aztec-broker --local`):
 * the devnet's known-τ BN254 points plus the Grumpkin SRS bb derives locally. Anyone can forge proofs against it,
 * and the verification keys bb computes with it differ from those in Aztec's artifacts (the job prover then
 * reports its own). A deployed stack never uses it: the config refuses `crsSource=devnet-insecure` for aztec.
 */
import { ensureDevnetCrs } from '../../devnet/crs.ts';
import { loadDevnetCircuit } from '../../devnet/artifacts.ts';
import { ensureAztecGrumpkinCrs, type AztecCrsDir } from './crs-dir.ts';

/** Every Aztec circuit fits: the root rollup is the largest, 2^24 gates. */
export const AZTEC_FULL_CRS_POINTS = 2 ** 24 + 1;

/** `points`: BN254 points needed (dyadic size + 1 of the largest circuit to prove). Cached across calls. */
export async function insecureAztecTestCrs(points: number): Promise<AztecCrsDir> {
  const crs = await ensureDevnetCrs({ profile: 'devnet', points });
  // Aztec's Grumpkin points where bb 4.1.2 runs; else bb 5 derives its own from the devnet client circuit.
  return ensureAztecGrumpkinCrs(crs.dir, Buffer.from(loadDevnetCircuit('client').program.bytecode, 'base64'));
}
