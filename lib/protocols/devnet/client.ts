/**
 * The user side of a devnet tx: spend a note and create a new one of the same value, with a zero-knowledge
 * client proof (`client` circuit, `-t noir-recursive`, < 1 s) that the TUBE job later verifies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bbProve } from '../../proving/bb.ts';
import { ProverError } from '../../errors.ts';
import { loadDevnetCircuit } from './artifacts.ts';
import { BN254_FR_MODULUS, fieldsFromBytes, fieldToHex, type Field } from './fields.ts';
import type { DevnetClientTx } from './inputs.ts';
import { loadDevnetRules } from './state.ts';
import { generateDevnetWitness } from './witness.ts';

export interface DevnetNote {
  readonly secret: Field;
  readonly value: Field;
}

export interface ProveDevnetClientTxParameters {
  /** The note being spent (its commitment is public, its secret is not). */
  readonly note: DevnetNote;
  /** Secret of the note created with the same value. */
  readonly newSecret: Field;
  /** Devnet CRS directory (see crs.ts `ensureDevnetCrs`). */
  readonly crsPath: string;
}

export interface ProveDevnetClientTxReturnType {
  readonly tx: DevnetClientTx;
  readonly newNote: DevnetNote;
  readonly proveMs: number;
  readonly peakRssKiB?: number;
}

/** A random field element (secrets for generated txs). */
export function randomField(): Field {
  return BigInt('0x' + randomBytes(32).toString('hex')) % BN254_FR_MODULUS;
}

/**
 * Proves a tx spending `note`. Throws `WitnessGenerationError` if the secret does not open the note, and
 * `ProverError` if bb fails.
 */
export async function proveDevnetClientTx(params: ProveDevnetClientTxParameters): Promise<ProveDevnetClientTxReturnType> {
  const rules = await loadDevnetRules();
  const artifact = loadDevnetCircuit('client');
  const note = rules.noteCommitment(params.note.secret, params.note.value);
  const { witness } = await generateDevnetWitness(artifact, {
    note: fieldToHex(note),
    secret: fieldToHex(params.note.secret),
    value: fieldToHex(params.note.value),
    new_secret: fieldToHex(params.newSecret),
  });
  const dir = await mkdtemp(join(tmpdir(), 'devnet-client-'));
  try {
    await writeFile(join(dir, 'witness.gz'), witness);
    const outcome = await bbProve({
      bytecodePath: artifact.programPath,
      witnessPath: join(dir, 'witness.gz'),
      vkPath: artifact.vkPath,
      outputDir: dir,
      target: artifact.target,
      crsPath: params.crsPath,
    });
    if (!outcome.ok) throw new ProverError(`client proof failed: ${outcome.reason}`, { retryable: outcome.retry });
    const proof = await readFile(join(dir, 'proof'));
    const [pubNote, nullifier, commitment] = fieldsFromBytes(await readFile(join(dir, 'public_inputs')), 'client public_inputs');
    if (pubNote !== note || nullifier === undefined || commitment === undefined) {
      throw new ProverError('client proof public inputs do not match the tx', {
        metaMessages: [`expected note ${fieldToHex(note)}, got ${pubNote === undefined ? 'nothing' : fieldToHex(pubNote)}`],
      });
    }
    return {
      tx: { note, nullifier, commitment, proof: new Uint8Array(proof) },
      newNote: { secret: params.newSecret, value: params.note.value },
      proveMs: outcome.durationMs,
      ...(outcome.peakRssKiB === undefined ? {} : { peakRssKiB: outcome.peakRssKiB }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
