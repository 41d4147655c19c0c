/**
 * A CRS directory as the Aztec job prover reads it: bb's flat BN254 files (bn254_g1.dat, bn254_g2.dat) and a
 * Grumpkin file for the IPA (rollup) circuits.
 *
 * BN254 needs Aztec's ceremony: the prover image bakes it (containers/prover/Dockerfile, CRS_SOURCE=aztec).
 * Tests use the devnet's insecure test CRS (INSECURE-TEST-CRS.txt marks it); then bb's verification keys
 * differ from the ones in Aztec's artifacts and the prover reports the keys it computed instead — see
 * prove-aztec-job.ts. The Grumpkin SRS needs no ceremony: bb derives it from a fixed seed
 * ("grumpkin_g1_generator") when an IPA circuit first needs it, so `ensureGrumpkinCrs` has the project's bb
 * derive it instead of downloading it (bb.js would fetch it from Aztec's CDN).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProverError } from '../../../errors.ts';
import { runBb } from '../../../proving/bb.ts';

export interface AztecCrsDir {
  readonly dir: string;
  /** G1 points in bn254_g1.dat. */
  readonly bn254Points: number;
  /** The Grumpkin points file, when present. */
  readonly grumpkinFile?: string;
  /** The devnet's known-τ test CRS: anyone can forge proofs against it. */
  readonly insecure: boolean;
}

/** bb 4.1.2's name first, then bb 5's (same derivation, same flat x‖y layout). */
const GRUMPKIN_FILES = ['grumpkin_g1.flat.dat', 'grumpkin_g1_v2.flat.dat'] as const;
export const INSECURE_CRS_MARKER = 'INSECURE-TEST-CRS.txt';

export function inspectCrsDir(dir: string): AztecCrsDir {
  const g1 = join(dir, 'bn254_g1.dat');
  const g2 = join(dir, 'bn254_g2.dat');
  if (!existsSync(g1) || !existsSync(g2)) {
    throw new ProverError(`no BN254 CRS in ${dir}`, { metaMessages: ['expected bn254_g1.dat and bn254_g2.dat (bb\'s flat format); set CRS_PATH'] });
  }
  const grumpkinFile = GRUMPKIN_FILES.map((name) => join(dir, name)).find((file) => existsSync(file) && statSync(file).size >= 64);
  return {
    dir,
    bn254Points: Math.floor(statSync(g1).size / 64),
    ...(grumpkinFile !== undefined ? { grumpkinFile } : {}),
    insecure: existsSync(join(dir, INSECURE_CRS_MARKER)),
  };
}

/**
 * Makes sure `dir` holds a Grumpkin SRS: if none is there, runs the project's bb (5.0.0) once on a small
 * circuit with IPA accumulation, which derives the points (2^15, what IPA needs) into `dir`.
 * `probeBytecode`: any small ACIR program bb 5 can read (gzipped, as in a Noir artifact).
 */
export async function ensureGrumpkinCrs(dir: string, probeBytecode: Uint8Array, bbPath?: string): Promise<AztecCrsDir> {
  const before = inspectCrsDir(dir);
  if (before.grumpkinFile !== undefined) return before;
  const work = mkdtempSync(join(tmpdir(), 'grumpkin-'));
  try {
    writeFileSync(join(work, 'probe.gz'), probeBytecode);
    const outcome = await runBb({
      args: ['write_vk', '--scheme', 'ultra_honk', '--ipa_accumulation', '-b', join(work, 'probe.gz'), '-o', join(work, 'out')],
      cwd: work,
      crsPath: dir,
      ...(bbPath !== undefined ? { bbPath } : {}),
    });
    if (!outcome.ok) throw new ProverError(`bb could not derive the Grumpkin CRS in ${dir}: ${outcome.reason}`, { metaMessages: [outcome.stderr.trim().split('\n').at(-1) ?? ''] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const after = inspectCrsDir(dir);
  if (after.grumpkinFile === undefined) throw new ProverError(`bb ran but wrote no Grumpkin CRS into ${dir}`);
  return after;
}
