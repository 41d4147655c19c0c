/**
 * The devnet circuits' compiled artifacts (written by `npm run build:circuits`, committed under
 * circuits/target/): one Noir program JSON (bb reads it directly with `-b`), one binary vk per circuit and a
 * manifest with gate counts, key hashes and the vk set root the root circuits pin.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledCircuit } from '@noir-lang/types';
import { z } from 'zod';
import type { BbVerifierTarget } from '../../proving/bb.ts';
import { fieldFromHex, type Field } from './fields.ts';

export const DEVNET_CIRCUIT_NAMES = [
  'client',
  'tube',
  'base',
  'merge',
  'block_root_single',
  'block_root',
  'block_merge',
  'root_single',
  'root',
] as const;
export type DevnetCircuitName = (typeof DEVNET_CIRCUIT_NAMES)[number];

/**
 * `-t` per circuit. Client proofs are zero-knowledge (they carry user secrets); rollup proofs are non-ZK
 * Poseidon2 proofs for in-circuit verification (~15% faster); the roots are ZK keccak proofs for the L1 verifier.
 */
export const DEVNET_CIRCUIT_TARGETS: Readonly<Record<DevnetCircuitName, BbVerifierTarget>> = {
  client: 'noir-recursive',
  tube: 'noir-recursive-no-zk',
  base: 'noir-recursive-no-zk',
  merge: 'noir-recursive-no-zk',
  block_root_single: 'noir-recursive-no-zk',
  block_root: 'noir-recursive-no-zk',
  block_merge: 'noir-recursive-no-zk',
  root_single: 'evm',
  root: 'evm',
};

/** Circuits whose key hashes form the vk set (order = indices in devnet_lib). */
export const VK_SET_MEMBERS = ['base', 'merge', 'block_root_single', 'block_root', 'block_merge'] as const;

/**
 * The circuit that proves a job: BLOCK_ROOT and ROOT have a one-child variant (a one-tx block, a one-block
 * range), like Aztec's *_SINGLE_TX circuits.
 */
export function devnetCircuitForJob(type: string, childCount: number): DevnetCircuitName {
  const expect = (counts: readonly number[]): void => {
    if (!counts.includes(childCount)) {
      throw new RangeError(`devnet job type ${type} takes ${counts.join(' or ')} children, got ${childCount}`);
    }
  };
  switch (type) {
    case 'TUBE':
      expect([0]);
      return 'tube';
    case 'BASE':
      expect([1]);
      return 'base';
    case 'MERGE':
      expect([2]);
      return 'merge';
    case 'BLOCK_ROOT':
      expect([1, 2]);
      return childCount === 1 ? 'block_root_single' : 'block_root';
    case 'BLOCK_MERGE':
      expect([2]);
      return 'block_merge';
    case 'ROOT':
      expect([1, 2]);
      return childCount === 1 ? 'root_single' : 'root';
    default:
      throw new RangeError(`unknown devnet job type '${type}'`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** Noir sources: one package per circuit plus the shared `devnet_lib`. */
export const DEVNET_CIRCUITS_SOURCE_DIR = join(here, 'circuits');
/** Compiled artifacts (committed). A bundled job runner is told where they are with $DEVNET_ARTIFACTS_DIR. */
export const DEVNET_ARTIFACTS_DIR = process.env['DEVNET_ARTIFACTS_DIR'] ?? join(DEVNET_CIRCUITS_SOURCE_DIR, 'target');

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const devnetManifestSchema = z.object({
  version: z.literal(1),
  noirVersion: z.string(),
  bbVersion: z.string(),
  /** G1 points the CRS must have for the largest circuit. */
  crsPoints: z.number().int().positive(),
  /** Hash of the vk set, pinned by the root circuits. */
  vkSetRoot: hex32,
  circuits: z.record(
    z.enum(DEVNET_CIRCUIT_NAMES),
    z.object({
      target: z.string(),
      gates: z.number().int().positive(),
      keyHash: hex32,
      /** Inputs of the build step (sources, pinned values, tool versions): unchanged → skip rebuilding. */
      sourceSha256: sha256Hex,
      programSha256: sha256Hex,
      vkSha256: sha256Hex,
    }),
  ),
});
export type DevnetManifest = z.infer<typeof devnetManifestSchema>;

export interface DevnetCircuitArtifact {
  readonly name: DevnetCircuitName;
  readonly target: BbVerifierTarget;
  /** Program JSON: `bb -b` and noir_js both take it. */
  readonly programPath: string;
  readonly program: CompiledCircuit;
  readonly vkPath: string;
  readonly vk: Uint8Array;
  readonly keyHash: Field;
  readonly gates: number;
}

export function programFile(name: DevnetCircuitName, dir = DEVNET_ARTIFACTS_DIR): string {
  return join(dir, `${name}.json`);
}

export function vkFile(name: DevnetCircuitName, dir = DEVNET_ARTIFACTS_DIR): string {
  return join(dir, `${name}.vk`);
}

export function manifestFile(dir = DEVNET_ARTIFACTS_DIR): string {
  return join(dir, 'manifest.json');
}

export function loadDevnetManifest(dir = DEVNET_ARTIFACTS_DIR): DevnetManifest {
  let raw: string;
  try {
    raw = readFileSync(manifestFile(dir), 'utf8');
  } catch (err) {
    throw new Error(`devnet circuit artifacts missing in ${dir}: run \`npm run build:circuits\``, { cause: err });
  }
  const parsed = devnetManifestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`invalid ${manifestFile(dir)}: ${parsed.error.message}`);
  return parsed.data;
}

const cache = new Map<string, DevnetCircuitArtifact>();

/** Loads (and checks against the manifest) one circuit's artifacts. */
export function loadDevnetCircuit(name: DevnetCircuitName, dir = DEVNET_ARTIFACTS_DIR): DevnetCircuitArtifact {
  const key = `${dir}\0${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const entry = loadDevnetManifest(dir).circuits[name];
  if (entry === undefined) throw new Error(`circuit '${name}' is not in ${manifestFile(dir)}: run \`npm run build:circuits\``);
  const programBytes = readFileSync(programFile(name, dir));
  const vk = readFileSync(vkFile(name, dir));
  if (sha256(programBytes) !== entry.programSha256 || sha256(vk) !== entry.vkSha256) {
    throw new Error(`artifacts of circuit '${name}' in ${dir} do not match the manifest: run \`npm run build:circuits\``);
  }
  const artifact: DevnetCircuitArtifact = {
    name,
    target: DEVNET_CIRCUIT_TARGETS[name],
    programPath: programFile(name, dir),
    program: JSON.parse(programBytes.toString('utf8')) as CompiledCircuit,
    vkPath: vkFile(name, dir),
    vk: new Uint8Array(vk),
    keyHash: fieldFromHex(entry.keyHash, `${name} key hash`),
    gates: entry.gates,
  };
  cache.set(key, artifact);
  return artifact;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
