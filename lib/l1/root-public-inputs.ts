/**
 * The devnet root proof's public inputs: the one TS definition of their order (the Solidity twin is the
 * `RootPublicInputs` library in DevnetRollup.sol). bb 5.0.0 writes exactly these values to the `public_inputs`
 * file (32-byte big-endian fields); the 8 pairing-point limbs travel inside the proof, not here.
 */
import type { Address, Hex } from 'viem';
import { bytesToHex, isHex, pad, size } from 'viem';
import { InputError } from '../errors.ts';

const ROOT_PUBLIC_INPUT_NAMES = ['previousArchive', 'endArchive', 'fromBlock', 'toBlock', 'proverId'] as const;
export const ROOT_PUBLIC_INPUT_COUNT = ROOT_PUBLIC_INPUT_NAMES.length;

/** BN254 scalar field modulus: every public input is a field element. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export interface RootPublicInputs {
  readonly previousArchive: Hex;
  readonly endArchive: Hex;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  readonly proverId: Hex;
}

/** The `bytes32[]` the rollup's `submitRootProof` and the verifier take, in layout order. */
export function encodeRootPublicInputs(inputs: RootPublicInputs): Hex[] {
  return ROOT_PUBLIC_INPUT_NAMES.map((name) => toField(inputs[name], name));
}

/** Inverse of `encodeRootPublicInputs`. @throws InputError on a wrong count or a value that is no field element */
export function decodeRootPublicInputs(fields: readonly Hex[]): RootPublicInputs {
  if (fields.length !== ROOT_PUBLIC_INPUT_COUNT) {
    throw new InputError(`root proof has ${fields.length} public inputs, expected ${ROOT_PUBLIC_INPUT_COUNT}`, {
      metaMessages: [`layout: ${ROOT_PUBLIC_INPUT_NAMES.join(', ')}`],
    });
  }
  const f = fields.map((v, i) => toField(v, ROOT_PUBLIC_INPUT_NAMES[i]!));
  return { previousArchive: f[0]!, endArchive: f[1]!, fromBlock: BigInt(f[2]!), toBlock: BigInt(f[3]!), proverId: f[4]! };
}

/** Splits a bb `public_inputs` file (concatenated 32-byte fields) into `bytes32` values. */
export function parsePublicInputsFile(bytes: Uint8Array): Hex[] {
  if (bytes.length % 32 !== 0) {
    throw new InputError(`public_inputs file is ${bytes.length} bytes, not a multiple of 32`);
  }
  const fields: Hex[] = [];
  for (let i = 0; i < bytes.length; i += 32) fields.push(bytesToHex(bytes.subarray(i, i + 32)));
  return fields;
}

/** A prover id derived from the prover's L1 address (left-padded), the convention Aztec uses. */
export function proverIdFromAddress(address: Address): Hex {
  return pad(address.toLowerCase() as Hex, { size: 32 });
}

function toField(value: Hex | bigint, name: string): Hex {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= FIELD_MODULUS) throw new InputError(`${name} = ${value} is not a BN254 field element`);
    return pad(`0x${value.toString(16)}`, { size: 32 });
  }
  if (!isHex(value, { strict: true }) || value.length < 3 || size(value) > 32 || BigInt(value) >= FIELD_MODULUS) {
    throw new InputError(`${name} = ${value} is not a BN254 field element (32-byte hex below the field modulus)`);
  }
  return pad(value.toLowerCase() as Hex, { size: 32 });
}
