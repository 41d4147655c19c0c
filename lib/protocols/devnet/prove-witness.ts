/** Proves one devnet circuit for a generated witness with the native bb (scratch dir in, proof bytes out). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProverError } from '../../errors.ts';
import { bbProve } from '../../proving/bb.ts';
import type { DevnetCircuitArtifact } from './artifacts.ts';

export interface ProvedWitness {
  readonly proof: Uint8Array;
  readonly publicInputs: Uint8Array;
  readonly proveMs: number;
  readonly peakRssKiB?: number;
}

/** @throws ProverError (retryable when bb was killed) naming `what`, with bb's last lines */
export async function proveDevnetWitness(artifact: DevnetCircuitArtifact, witness: Uint8Array, crsPath: string, what: string): Promise<ProvedWitness> {
  const dir = await mkdtemp(join(tmpdir(), `devnet-${artifact.name}-`));
  try {
    await writeFile(join(dir, 'witness.gz'), witness);
    const outcome = await bbProve({
      bytecodePath: artifact.programPath,
      witnessPath: join(dir, 'witness.gz'),
      vkPath: artifact.vkPath,
      outputDir: dir,
      target: artifact.target,
      crsPath,
    });
    if (!outcome.ok) {
      throw new ProverError(`${what} proof failed: ${outcome.reason}`, {
        retryable: outcome.retry,
        metaMessages: outcome.stderr.split('\n').filter((l) => l.trim() !== '').slice(-5),
      });
    }
    return {
      proof: new Uint8Array(await readFile(join(dir, 'proof'))),
      publicInputs: new Uint8Array(await readFile(join(dir, 'public_inputs'))),
      proveMs: outcome.durationMs,
      ...(outcome.peakRssKiB === undefined ? {} : { peakRssKiB: outcome.peakRssKiB }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
