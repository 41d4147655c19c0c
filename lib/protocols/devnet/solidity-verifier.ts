/**
 * The devnet's L1 verifier source: `bb write_solidity_verifier -t evm --optimized` for the root circuit's
 * vk, with the one [τ]₂ constant set for the devnet CRS. bb's generator bakes in the Aztec ceremony's G2
 * point; the devnet proves against its own (INSECURE, known-τ) CRS, so the verifier we generate must carry
 * that CRS's G2 point — this is generating our own source for our CRS, not patching bb.
 * Never deploy a verifier generated here for a real network.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bbWriteSolidityVerifier } from '../../proving/bb.ts';
import { loadDevnetCircuit, type DevnetCircuitName } from './artifacts.ts';
import { DEVNET_PROFILE, assertDevnetCrsAllowed, devnetG2Tau, g2ToEvmWords, toHex32, type G2Affine } from './crs.ts';

/** Aztec ceremony [x]₂ as bb's generated verifier writes it (EVM order x.c1, x.c0, y.c1, y.c0). */
export const AZTEC_G2_X_EVM_WORDS = [
  0x260e01b251f6f1c7e7ff4e580791dee8ea51d87a358e038b4efe30fac09383c1n,
  0x0118c4d5b837bcc2bc89b5b398b5974e9f5944073b32078b7e231fec938883b0n,
  0x04fc6369f7110fe3d25156c1bb9a72859cf2a04641f99ba4ee413c80da6a5fe4n,
  0x22febda3c0c0632a56475b4214e5615e11e6dd3f96e6cea2854a87d4dacc5e55n,
] as const;

type DevnetRootCircuit = Extract<DevnetCircuitName, 'root_single' | 'root'>;

export interface WriteDevnetSolidityVerifierOptions {
  /** Which root's vk: `root_single` (ROOT over one child, what proveDevnetBlockTree uses) or `root`. @default 'root_single' */
  readonly circuit?: DevnetRootCircuit;
  /** Must be 'devnet'. @default 'devnet' */
  readonly profile?: string;
  /** G2 point of the CRS the proofs use. @default the devnet CRS's [τ]₂ */
  readonly g2?: G2Affine;
  /** File name in `outDir`. @default 'HonkVerifier.sol' (contract `HonkVerifier`) */
  readonly fileName?: string;
}

export interface WriteDevnetSolidityVerifierReturnType {
  readonly path: string;
  readonly source: string;
  readonly contractName: 'HonkVerifier';
  readonly circuit: DevnetRootCircuit;
}

/** Writes `<outDir>/HonkVerifier.sol` for the devnet root circuit and CRS. */
export async function writeDevnetSolidityVerifier(
  outDir: string,
  options: WriteDevnetSolidityVerifierOptions = {},
): Promise<WriteDevnetSolidityVerifierReturnType> {
  assertDevnetCrsAllowed(options.profile ?? DEVNET_PROFILE);
  const circuit = options.circuit ?? 'root_single';
  const artifact = loadDevnetCircuit(circuit);
  const work = mkdtempSync(join(tmpdir(), 'devnet-verifier-'));
  try {
    const generated = join(work, 'HonkVerifier.sol');
    const outcome = await bbWriteSolidityVerifier({ vkPath: artifact.vkPath, outputPath: generated, target: 'evm', optimized: true });
    if (!outcome.ok) throw new Error(`bb write_solidity_verifier failed for ${circuit}: ${outcome.reason}`);
    const source = setVerifierG2(readFileSync(generated, 'utf8'), options.g2 ?? devnetG2Tau());
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, options.fileName ?? 'HonkVerifier.sol');
    writeFileSync(path, source);
    return { path, source, contractName: 'HonkVerifier', circuit };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Replaces the verifier's [x]₂ constant (4 consecutive words, EVM order) with `g2`. Throws unless the
 * Aztec constant occurs exactly once, so a changed bb template fails loudly instead of verifying nothing.
 */
export function setVerifierG2(source: string, g2: G2Affine): string {
  const words = (ws: readonly bigint[]) => ws.map((w) => `0x${toHex32(w)}`);
  const aztec = words(AZTEC_G2_X_EVM_WORDS);
  const ours = words(g2ToEvmWords(g2));
  const pattern = new RegExp(aztec.map((w) => `(${w})`).join('([^]{0,200}?)'), 'g');
  const matches = source.match(pattern) ?? [];
  if (matches.length !== 1) {
    throw new Error(`expected the Aztec [x]2 constant exactly once in the generated verifier, found it ${matches.length} times`);
  }
  return source.replace(pattern, (...groups: string[]) => {
    // groups: full, w0, gap, w1, gap, w2, gap, w3, …
    return `${ours[0]}${groups[2]}${ours[1]}${groups[4]}${ours[2]}${groups[6]}${ours[3]}`;
  });
}
