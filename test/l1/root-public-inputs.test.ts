import { toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../lib/errors.ts';
import {
  FIELD_MODULUS,
  ROOT_PUBLIC_INPUT_COUNT,
  decodeRootPublicInputs,
  encodeRootPublicInputs,
  parsePublicInputsFile,
  proverIdFromAddress,
} from '../../lib/l1/root-public-inputs.ts';

const inputs = {
  previousArchive: toHex(11n, { size: 32 }),
  endArchive: toHex(22n, { size: 32 }),
  fromBlock: 3n,
  toBlock: 5n,
  proverId: proverIdFromAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'),
};

describe('root public inputs', () => {
  it('behavior: encodes in layout order and decodes back', () => {
    const fields = encodeRootPublicInputs(inputs);
    expect(fields).toHaveLength(ROOT_PUBLIC_INPUT_COUNT);
    expect(fields[2]).toBe(toHex(3n, { size: 32 }));
    expect(fields[4]).toBe('0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8');
    expect(decodeRootPublicInputs(fields)).toEqual(inputs);
  });

  it('behavior: parses a bb public_inputs file of 32-byte fields', () => {
    const bytes = new Uint8Array(64);
    bytes[31] = 1;
    bytes[63] = 2;
    expect(parsePublicInputsFile(bytes)).toEqual([toHex(1n, { size: 32 }), toHex(2n, { size: 32 })]);
    expect(() => parsePublicInputsFile(new Uint8Array(33))).toThrow(InputError);
  });

  it.each([
    ['a value at the field modulus', { ...inputs, endArchive: toHex(FIELD_MODULUS, { size: 32 }) }],
    ['a negative block', { ...inputs, fromBlock: -1n }],
    ['a value wider than 32 bytes', { ...inputs, proverId: `0x${'11'.repeat(33)}` as const }],
    ['an empty hex', { ...inputs, previousArchive: '0x' as const }],
  ])('behavior: %s is refused with InputError', (_what, bad) => {
    expect(() => encodeRootPublicInputs(bad)).toThrow(InputError);
  });

  it('behavior: a wrong number of fields is refused naming the layout', () => {
    expect(() => decodeRootPublicInputs(encodeRootPublicInputs(inputs).slice(0, 4))).toThrow(/expected 5[\s\S]*previousArchive/);
  });
});
