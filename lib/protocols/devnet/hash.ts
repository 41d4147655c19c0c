/**
 * The devnet's hash, shared by the circuits (devnet_lib::hash) and TypeScript: barretenberg's Poseidon2
 * sponge, computed here with bb.js (WASM) so both sides use the same implementation. Domain separators
 * mirror circuits/devnet_lib/src/lib.nr.
 */
import { BackendType, BarretenbergSync } from '@aztec/bb.js';
import { fieldToBytes32, type Field } from './fields.ts';

export const DOMAIN_NOTE = 1n;
export const DOMAIN_NULLIFIER = 2n;
export const DOMAIN_STATE = 3n;
export const DOMAIN_ARCHIVE = 4n;
export const DOMAIN_VK_SET = 5n;

export interface DevnetHasher {
  hash(inputs: readonly Field[]): Field;
}

let hasher: Promise<DevnetHasher> | undefined;

/** The process-wide hasher (bb.js WASM, initialised once, ~150 ms). */
export function loadDevnetHasher(): Promise<DevnetHasher> {
  hasher ??= BarretenbergSync.new({ backend: BackendType.Wasm }).then((api) => ({
    hash(inputs: readonly Field[]): Field {
      const { hash } = api.poseidon2Hash({ inputs: inputs.map(fieldToBytes32) });
      return BigInt('0x' + Buffer.from(hash).toString('hex'));
    },
  }));
  return hasher;
}
