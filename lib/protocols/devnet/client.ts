/**
 * The user side of a devnet tx: spend a note and create a new one of the same value, with a zero-knowledge
 * client proof (`client` circuit, `-t noir-recursive`, < 1 s) that the TUBE job later verifies.
 */
import { randomBytes } from 'node:crypto';
import { ProverError } from '../../errors.ts';
import { loadDevnetCircuit } from './artifacts.ts';
import { BN254_FR_MODULUS, fieldsFromBytes, fieldToHex, type Field } from './fields.ts';
import type { DevnetClientTx } from './inputs.ts';
import { loadDevnetRules } from './state.ts';
import { generateDevnetWitness } from './witness.ts';
import { proveDevnetWitness } from './prove-witness.ts';

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
  const proved = await proveDevnetWitness(artifact, witness, params.crsPath, 'client');
  const [pubNote, nullifier, commitment] = fieldsFromBytes(proved.publicInputs, 'client public_inputs');
  if (pubNote !== note || nullifier === undefined || commitment === undefined) {
    throw new ProverError('client proof public inputs do not match the tx', {
      metaMessages: [`expected note ${fieldToHex(note)}, got ${pubNote === undefined ? 'nothing' : fieldToHex(pubNote)}`],
    });
  }
  return {
    tx: { note, nullifier, commitment, proof: proved.proof },
    newNote: { secret: params.newSecret, value: params.note.value },
    proveMs: proved.proveMs,
    ...(proved.peakRssKiB === undefined ? {} : { peakRssKiB: proved.peakRssKiB }),
  };
}
