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

/**
 * bb 4.1.2's file first, then bb 5's. Same flat x‖y layout but NOT the same points (measured: ~62% of the 2^15
 * points differ; bb 5 renamed its file _v2 with the new derivation). Aztec 4.1.2's IPA proofs — and the root
 * rollup, which verifies them in-circuit with these points as constants — need bb 4.1.2's; bb 5's make proofs
 * that only verify against the same file (fine for tests on a test CRS, not for a real network).
 */
const AZTEC_GRUMPKIN_FILE = 'grumpkin_g1.flat.dat';
const GRUMPKIN_FILES = [AZTEC_GRUMPKIN_FILE, 'grumpkin_g1_v2.flat.dat'] as const;
const INSECURE_CRS_MARKER = 'INSECURE-TEST-CRS.txt';

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
 * `probeBytecode`: any small ACIR program bb 5 can read (gzipped, as in a Noir artifact). These are bb 5's
 * points: for Aztec's own, see `ensureAztecGrumpkinCrs`.
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

/**
 * Makes sure `dir` holds the Grumpkin SRS Aztec 4.1.2 proves with: bb 4.1.2 derives it (into grumpkin_g1.flat.dat)
 * when it first proves or keys an IPA circuit, here Aztec's checkpoint padding circuit (3,918 gates). bb 4.1.2
 * needs glibc >= 2.39; where it cannot run, bb 5's points are derived instead and `aztecPoints` says so.
 * `bb4Path`: the bb 4.1.2 binary (default: bb.js 4.1.2's); `probeBytecode`: for the bb 5 fallback.
 */
export async function ensureAztecGrumpkinCrs(dir: string, probeBytecode: Uint8Array, bb4Path?: string): Promise<AztecCrsDir & { readonly aztecPoints: boolean }> {
  const before = inspectCrsDir(dir);
  if (before.grumpkinFile?.endsWith(AZTEC_GRUMPKIN_FILE)) return { ...before, aztecPoints: true };
  const { bundledAztecBbPath, nativeAztecBbRuns } = await import('./barretenberg.ts');
  const bb4 = bb4Path ?? bundledAztecBbPath();
  if (bb4 === undefined || !nativeAztecBbRuns(bb4)) return { ...(await ensureGrumpkinCrs(dir, probeBytecode)), aztecPoints: false };
  const { getServerCircuitArtifact } = await import('@aztec/noir-protocol-circuits-types/server');
  const work = mkdtempSync(join(tmpdir(), 'grumpkin-aztec-'));
  try {
    writeFileSync(join(work, 'padding.gz'), Buffer.from(getServerCircuitArtifact('CheckpointPaddingRollupArtifact').bytecode, 'base64'));
    const outcome = await runBb({
      args: ['write_vk', '--scheme', 'ultra_honk', '--ipa_accumulation', '--disable_zk', '-b', join(work, 'padding.gz'), '-o', join(work, 'out')],
      cwd: work,
      crsPath: dir,
      bbPath: bb4,
    });
    if (!outcome.ok) throw new ProverError(`bb 4.1.2 could not derive the Grumpkin CRS in ${dir}: ${outcome.reason}`, { metaMessages: [outcome.stderr.trim().split('\n').at(-1) ?? ''] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const after = inspectCrsDir(dir);
  if (!after.grumpkinFile?.endsWith(AZTEC_GRUMPKIN_FILE)) throw new ProverError(`bb 4.1.2 ran but wrote no ${AZTEC_GRUMPKIN_FILE} into ${dir}`);
  return { ...after, aztecPoints: true };
}
