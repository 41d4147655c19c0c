/**
 * bb's native verifier pins Aztec's ceremony G2 point [τ]₂: it is compiled into the binary, in the layout of
 * bb's own bn254_g2.dat (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, 32-byte big-endian each), and the CRS directory's
 * bn254_g2.dat is not read for verifying (measured with bb 4.1.2: a proof made and checked with a test CRS fails
 * "at pairing check"). So a stock bb can never accept a proof made with a test CRS, whatever the key.
 *
 * For tests that need bb's own verify step (Aztec's agent runs it after every proof), this writes a copy of bb
 * whose compiled-in G2 is the test CRS's: those 128 bytes, at the one place they occur, and nothing else.
 * Proving never reads G2, so the copy proves exactly like the stock bb.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { AZTEC_G2_X_EVM_WORDS } from '../../../lib/protocols/devnet/solidity-verifier.ts';
import { toHex32 } from '../../../lib/protocols/devnet/crs.ts';

/** Aztec's [τ]₂ as bb stores it (the EVM words are x.c1, x.c0, y.c1, y.c0). */
function aztecG2BbBytes(): Buffer {
  const [xc1, xc0, yc1, yc0] = AZTEC_G2_X_EVM_WORDS;
  return Buffer.from([xc0!, xc1!, yc0!, yc1!].map(toHex32).join(''), 'hex');
}

/** Copies `bbPath` to `outPath` with the G2 point of `g2File` (a bn254_g2.dat) in place of Aztec's. */
export async function bbWithVerifierG2(bbPath: string, g2File: string, outPath: string): Promise<void> {
  const binary = await readFile(bbPath);
  const g2 = await readFile(g2File);
  if (g2.length !== 128) throw new Error(`${g2File} has ${g2.length} bytes, a bn254_g2.dat has 128`);
  const aztec = aztecG2BbBytes();
  const at = binary.indexOf(aztec);
  if (at < 0 || binary.indexOf(aztec, at + 1) >= 0) {
    throw new Error(`${bbPath} does not hold Aztec's G2 point exactly once (found at ${at}): not a bb this helper knows`);
  }
  g2.copy(binary, at);
  await writeFile(outPath, binary);
  await chmod(outPath, 0o755);
}
