/**
 * The public inputs of Aztec's ROOT_ROLLUP proof (111 fields in @aztec/l1-artifacts 4.1.2), in the order the
 * Rollup re-assembles them in `EpochProofLib.getEpochProofPublicInputs` — which is the order the verifier
 * checks, and so the order of the root job's bb `public_inputs` file:
 *
 *   0 previous archive · 1 end archive · 2 out hash · 3..34 checkpoint header hashes (32, zero-padded)
 *   35..98 fees (32 × [recipient, value]) · 99 chain id · 100 version · 101 vk tree root
 *   102 protocol contracts hash · 103 prover id (an address) · 104 blob commitments hash · 105 z
 *   106..108 y as a BLS12-381 BigNum (limbs: low 15 bytes, middle 15 bytes, top 2 bytes)
 *   109..110 the batched blob commitment C (first 31 bytes, last 17 bytes)
 *
 * `submitEpochRootProof` takes some of these as arguments (args, fees, the blob inputs' z, y and C); the
 * others the Rollup fills in from its own storage. This module converts between the two.
 */
import type { Address, Hex } from 'viem';
import { concat, getAddress, isHex, pad, sha256, size, slice } from 'viem';
import { InputError } from '../../../errors.ts';
import { aztecL1Constants } from './rollup-abi.ts';

const MAX_CHECKPOINTS = Number(aztecL1Constants.MAX_CHECKPOINTS_PER_EPOCH);
export const AZTEC_ROOT_PUBLIC_INPUT_COUNT = Number(aztecL1Constants.ROOT_ROLLUP_PUBLIC_INPUTS_LENGTH);
/** `fees` of submitEpochRootProof: a [recipient, value] pair per possible checkpoint of the epoch. */
export const AZTEC_EPOCH_FEES_LENGTH = 2 * MAX_CHECKPOINTS;

const OFFSET = {
  headerHashes: 3,
  fees: 3 + MAX_CHECKPOINTS,
  chainId: 3 + MAX_CHECKPOINTS + AZTEC_EPOCH_FEES_LENGTH,
} as const;

export interface AztecRootPublicInputs {
  readonly previousArchive: Hex;
  readonly endArchive: Hex;
  readonly outHash: Hex;
  /** One per checkpoint of the proven range; the zero padding is dropped. */
  readonly checkpointHeaderHashes: readonly Hex[];
  /** `AZTEC_EPOCH_FEES_LENGTH` bytes32, exactly as `submitEpochRootProof` takes them. */
  readonly fees: readonly Hex[];
  readonly chainId: bigint;
  readonly version: bigint;
  readonly vkTreeRoot: Hex;
  readonly protocolContractsHash: Hex;
  readonly proverId: Address;
  readonly blob: {
    readonly blobCommitmentsHash: Hex;
    /** Evaluation point, 32 bytes. */
    readonly z: Hex;
    /** Evaluation of the batched blob polynomial at z, 32 bytes (re-assembled from its 3 limbs). */
    readonly y: Hex;
    /** The batched KZG commitment, 48 bytes compressed (re-assembled from its 2 fields). */
    readonly commitment: Hex;
  };
}

/** Reads the root proof's public inputs (bb's `public_inputs` fields, or the Rollup's `getEpochProofPublicInputs`). */
export function decodeAztecRootPublicInputs(fields: readonly Hex[]): AztecRootPublicInputs {
  if (fields.length !== AZTEC_ROOT_PUBLIC_INPUT_COUNT) {
    throw new InputError(`Aztec root proof has ${fields.length} public inputs, expected ${AZTEC_ROOT_PUBLIC_INPUT_COUNT}`);
  }
  const f = fields.map((value, i) => {
    if (!isHex(value, { strict: true }) || size(value) !== 32) throw new InputError(`public input ${i} = ${value} is not a 32-byte hex value`);
    return value.toLowerCase() as Hex;
  });
  const at = (i: number) => f[i]!;
  const headerHashes = f.slice(OFFSET.headerHashes, OFFSET.headerHashes + MAX_CHECKPOINTS);
  const used = headerHashes.findIndex((h) => BigInt(h) === 0n);
  const c = OFFSET.chainId;
  const proverField = BigInt(at(c + 4));
  if (proverField >= 1n << 160n) throw new InputError(`prover id ${at(c + 4)} (public input ${c + 4}) is not an address`);
  return {
    previousArchive: at(0),
    endArchive: at(1),
    outHash: at(2),
    checkpointHeaderHashes: used === -1 ? headerHashes : headerHashes.slice(0, used),
    fees: f.slice(OFFSET.fees, OFFSET.fees + AZTEC_EPOCH_FEES_LENGTH),
    chainId: BigInt(at(c)),
    version: BigInt(at(c + 1)),
    vkTreeRoot: at(c + 2),
    protocolContractsHash: at(c + 3),
    proverId: getAddress(pad(`0x${proverField.toString(16)}`, { size: 20 })),
    blob: {
      blobCommitmentsHash: at(c + 5),
      z: at(c + 6),
      y: bigNumToBytes32(at(c + 7), at(c + 8), at(c + 9)),
      commitment: concat([slice(at(c + 10), 1, 32), slice(at(c + 11), 15, 32)]),
    },
  };
}

/** The KZG versioned hash of a commitment (EIP-4844): 0x01 ‖ sha256(commitment)[1:]. */
export function kzgVersionedHash(commitment: Hex): Hex {
  return concat(['0x01', slice(sha256(commitment), 1)]);
}

/**
 * `blobInputs` of submitEpochRootProof: the point-evaluation precompile's 192-byte input
 * versionedHash(C) ‖ z ‖ y ‖ C ‖ proof. z, y and C come from the root proof's public inputs; the KZG opening
 * proof (48 bytes) is not a public input and has to come from whoever batched the epoch's blobs.
 */
export function encodeBlobInputs(blob: Pick<AztecRootPublicInputs['blob'], 'z' | 'y' | 'commitment'>, kzgProof: Hex): Hex {
  for (const [name, value, bytes] of [['z', blob.z, 32], ['y', blob.y, 32], ['commitment', blob.commitment, 48], ['kzgProof', kzgProof, 48]] as const) {
    if (!isHex(value, { strict: true }) || size(value) !== bytes) throw new InputError(`blob ${name} = ${value} is not ${bytes} bytes of hex`);
  }
  return concat([kzgVersionedHash(blob.commitment), blob.z, blob.y, blob.commitment, kzgProof]);
}

/** Inverse of the Rollup's `bytes32ToBigNum`: limbs (low 15 bytes, middle 15 bytes, top 2 bytes) → 32 bytes. */
function bigNumToBytes32(low: Hex, middle: Hex, top: Hex): Hex {
  const l = BigInt(low);
  const m = BigInt(middle);
  const t = BigInt(top);
  if (l >= 1n << 120n || m >= 1n << 120n || t >= 1n << 16n) throw new InputError(`y limbs ${low}, ${middle}, ${top} are out of range`);
  return pad(`0x${((t << 240n) | (m << 120n) | l).toString(16)}`, { size: 32 });
}
