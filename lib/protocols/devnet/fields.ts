/**
 * BN254 scalar-field values as bb and Noir exchange them: bb's binary proof / public_inputs / vk files are
 * concatenated 32-byte big-endian field elements; noir_js takes hex strings.
 */
export const BN254_FR_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

export type Field = bigint;

function assertField(value: bigint, what: string): Field {
  if (value < 0n || value >= BN254_FR_MODULUS) throw new RangeError(`${what} is not a BN254 field element: ${value}`);
  return value;
}

/** Splits a bb binary file (proof, public_inputs, vk) into field elements. */
export function fieldsFromBytes(bytes: Uint8Array, what = 'bb field file'): Field[] {
  if (bytes.length % 32 !== 0) throw new RangeError(`${what}: length ${bytes.length} is not a multiple of 32 bytes`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Field[] = [];
  for (let i = 0; i < b.length; i += 32) out.push(BigInt('0x' + b.subarray(i, i + 32).toString('hex')));
  return out;
}

export function fieldsToBytes(fields: readonly Field[]): Uint8Array {
  const out = Buffer.alloc(fields.length * 32);
  fields.forEach((f, i) => out.write(fieldToHex(f).slice(2), i * 32, 'hex'));
  return out;
}

/** 0x-prefixed, 64 hex digits (also a viem `Hex` / bytes32). */
export function fieldToHex(f: Field): `0x${string}` {
  return `0x${assertField(f, 'value').toString(16).padStart(64, '0')}`;
}

export function fieldFromHex(hex: string, what = 'field'): Field {
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(hex)) throw new RangeError(`${what}: expected 0x-prefixed hex, got '${hex}'`);
  return assertField(BigInt(hex), what);
}

export function fieldToBytes32(f: Field): Uint8Array {
  return Buffer.from(fieldToHex(f).slice(2), 'hex');
}
