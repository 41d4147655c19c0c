/**
 * Input builders: for each devnet job type, the Noir inputs of its circuit from its children's bb outputs
 * (proof, public_inputs, vk — binary field files) and its leaf data (a tx's client proof, a base's start
 * state, a block root's previous archive leaf, the root's prover id).
 *
 * Children are identified by their vk (matched against the manifest), so a child proof of the wrong circuit
 * fails here with a clear message instead of deep inside the recursive verifier.
 */
import type { InputMap, InputValue } from '@noir-lang/types';
import { z } from 'zod';
import { InputError } from '../../errors.ts';
import {
  devnetCircuitForJob,
  loadDevnetCircuit,
  loadDevnetManifest,
  sha256,
  VK_SET_MEMBERS,
  type DevnetCircuitName,
  type DevnetManifest,
} from './artifacts.ts';
import { fieldFromHex, fieldToHex, fieldsFromBytes, type Field } from './fields.ts';
import { loadDevnetRules, type DevnetArchiveLeaf } from './state.ts';

/** Lengths fixed by bb 5.0.0 (see devnet_lib): vk 115 fields, non-ZK proof 410, ZK proof 458. */
const VK_FIELDS = 115;
export const PROOF_FIELDS = 410;
const ZK_PROOF_FIELDS = 458;

/** The files bb writes for a proof (`-o DIR`: proof, public_inputs; vk from the artifacts or --write_vk). */
export interface DevnetProofOutput {
  readonly proof: Uint8Array;
  readonly publicInputs: Uint8Array;
  readonly vk: Uint8Array;
}

/** A user's tx as submitted: its public inputs and its zero-knowledge client proof. */
export interface DevnetClientTx {
  readonly note: Field;
  readonly nullifier: Field;
  readonly commitment: Field;
  /** bb proof file of the client circuit (458 fields). */
  readonly proof: Uint8Array;
}

export type DevnetJobInputs =
  | { readonly type: 'TUBE'; readonly tx: DevnetClientTx }
  | { readonly type: 'BASE'; readonly children: readonly [DevnetProofOutput]; readonly startState: Field }
  | { readonly type: 'MERGE'; readonly children: readonly [DevnetProofOutput, DevnetProofOutput] }
  | {
      readonly type: 'BLOCK_ROOT';
      readonly children: readonly [DevnetProofOutput] | readonly [DevnetProofOutput, DevnetProofOutput];
      /** Archive leaf of the block before this one (its hash is this block's previous archive). */
      readonly previousBlock: DevnetArchiveLeaf;
    }
  | { readonly type: 'BLOCK_MERGE'; readonly children: readonly [DevnetProofOutput, DevnetProofOutput] }
  | {
      readonly type: 'ROOT';
      readonly children: readonly [DevnetProofOutput] | readonly [DevnetProofOutput, DevnetProofOutput];
      readonly proverId: Field;
    };

export interface DevnetCircuitInputs {
  readonly circuit: DevnetCircuitName;
  readonly inputs: InputMap;
}

const TX_ROLLUP = ['base', 'merge'] as const satisfies readonly DevnetCircuitName[];
const BLOCK_ROLLUP = ['block_root_single', 'block_root', 'block_merge'] as const satisfies readonly DevnetCircuitName[];

/** Builds the circuit inputs of one job. Throws `InputError` naming the job type and what is wrong. */
export async function buildDevnetCircuitInputs(
  job: DevnetJobInputs,
  manifest: DevnetManifest = loadDevnetManifest(),
): Promise<DevnetCircuitInputs> {
  const childCount = job.type === 'TUBE' ? 0 : job.children.length;
  const circuit = devnetCircuitForJob(job.type, childCount);
  const vkSetRoot = fieldFromHex(manifest.vkSetRoot, 'manifest vkSetRoot');
  const vkSet = VK_SET_MEMBERS.map((name) => hex(fieldFromHex(manifest.circuits[name]!.keyHash)));
  const child = (out: DevnetProofOutput, allowed: readonly DevnetCircuitName[], what: string) =>
    parseChild(job.type, what, out, allowed, manifest);
  /** Left and right children as the merge-like circuits take them: proof inputs plus their public values. */
  const pair = (children: readonly DevnetProofOutput[], allowed: readonly DevnetCircuitName[], publicOf: (c: ParsedChild) => InputValue) => {
    const [left, right] = children.map((c, i) => child(c, allowed, i === 0 ? 'left child' : 'right child')) as [ParsedChild, ParsedChild];
    return { left, right, inputs: { left: left.input, left_public: publicOf(left), right: right.input, right_public: publicOf(right) } };
  };

  switch (job.type) {
    case 'TUBE': {
      const proof = fieldsFromBytes(job.tx.proof, 'client proof');
      expectLength('TUBE', 'client proof', proof, ZK_PROOF_FIELDS);
      return {
        circuit,
        inputs: {
          client_vk: fieldsFromBytes(loadDevnetCircuit('client').vk).map(hex),
          client_proof: proof.map(hex),
          note: hex(job.tx.note),
          nullifier: hex(job.tx.nullifier),
          commitment: hex(job.tx.commitment),
        },
      };
    }
    case 'BASE': {
      const tube = child(job.children[0], ['tube'], 'tube child');
      const [nullifier, commitment] = tube.publicInputs as [Field, Field];
      return {
        circuit,
        inputs: {
          vk_set_root: hex(vkSetRoot),
          start_state: hex(job.startState),
          tube_vk: tube.input.vk,
          tube_proof: tube.input.proof,
          nullifier: hex(nullifier),
          commitment: hex(commitment),
        },
      };
    }
    case 'MERGE': {
      return { circuit, inputs: { vk_set_root: hex(vkSetRoot), vk_set: vkSet, ...pair(job.children, TX_ROLLUP, txRollupPublic).inputs } };
    }
    case 'BLOCK_ROOT': {
      const rules = await loadDevnetRules();
      const previousArchive = rules.archiveOf(job.previousBlock);
      const previous_block = {
        previous_archive: hex(job.previousBlock.previousArchive),
        block_number: hex(job.previousBlock.blockNumber),
        end_state: hex(job.previousBlock.endState),
      };
      const common = { vk_set_root: hex(vkSetRoot), previous_archive: hex(previousArchive), previous_block, vk_set: vkSet };
      if (job.children.length === 1) {
        const only = child(job.children[0], TX_ROLLUP, 'child');
        return { circuit, inputs: { ...common, child: only.input, child_public: txRollupPublic(only) } };
      }
      return { circuit, inputs: { ...common, ...pair(job.children, TX_ROLLUP, txRollupPublic).inputs } };
    }
    case 'BLOCK_MERGE': {
      const { left, inputs } = pair(job.children, BLOCK_ROLLUP, blockRollupPublic);
      return { circuit, inputs: { vk_set_root: hex(vkSetRoot), previous_archive: hex(left.publicInputs[1]!), vk_set: vkSet, ...inputs } };
    }
    case 'ROOT': {
      const children = job.children.map((c, i, all) =>
        child(c, BLOCK_ROLLUP, all.length === 1 ? 'child' : i === 0 ? 'left child' : 'right child'),
      );
      const first = children[0]!;
      const last = children.at(-1)!;
      const common = {
        previous_archive: hex(first.publicInputs[1]!),
        end_archive: hex(last.publicInputs[2]!),
        from_block: hex(first.publicInputs[3]!),
        to_block: hex(last.publicInputs[4]!),
        prover_id: hex(job.proverId),
        vk_set: vkSet,
      };
      if (children.length === 1) return { circuit, inputs: { ...common, child: first.input } };
      return {
        circuit,
        inputs: {
          ...common,
          left: first.input,
          middle_archive: hex(first.publicInputs[2]!),
          left_to_block: hex(first.publicInputs[4]!),
          right: last.input,
        },
      };
    }
  }
}

interface ParsedChild {
  readonly circuit: DevnetCircuitName;
  readonly publicInputs: readonly Field[];
  readonly input: { vk: string[]; proof: string[]; key_hash: string };
}

/** Public-input counts of the circuits that can be children (pairing points travel inside the proof). */
const PUBLIC_INPUT_COUNT: Partial<Record<DevnetCircuitName, number>> = {
  tube: 2,
  base: 3,
  merge: 3,
  block_root_single: 5,
  block_root: 5,
  block_merge: 5,
};

function parseChild(
  jobType: string,
  what: string,
  out: DevnetProofOutput,
  allowed: readonly DevnetCircuitName[],
  manifest: DevnetManifest,
): ParsedChild {
  const vkSha = sha256(out.vk);
  const circuit = (Object.keys(manifest.circuits) as DevnetCircuitName[]).find((n) => manifest.circuits[n]!.vkSha256 === vkSha);
  if (circuit === undefined || !allowed.includes(circuit)) {
    throw new InputError(
      `${jobType}: ${what} has the vk of ${circuit === undefined ? 'no devnet circuit' : `'${circuit}'`}; ` +
        `expected a proof of ${allowed.join(' or ')}`,
    );
  }
  const vk = fieldsFromBytes(out.vk, `${what} vk`);
  const proof = fieldsFromBytes(out.proof, `${what} proof`);
  const publicInputs = fieldsFromBytes(out.publicInputs, `${what} public_inputs`);
  expectLength(jobType, `${what} vk`, vk, VK_FIELDS);
  expectLength(jobType, `${what} proof`, proof, PROOF_FIELDS);
  expectLength(jobType, `${what} public_inputs`, publicInputs, PUBLIC_INPUT_COUNT[circuit]!);
  if (circuit !== 'tube' && fieldToHex(publicInputs[0]!) !== manifest.vkSetRoot) {
    throw new InputError(`${jobType}: ${what} was proven against vk set root ${fieldToHex(publicInputs[0]!)}, expected ${manifest.vkSetRoot}`);
  }
  return {
    circuit,
    publicInputs,
    input: { vk: vk.map(hex), proof: proof.map(hex), key_hash: manifest.circuits[circuit]!.keyHash },
  };
}

function txRollupPublic(c: ParsedChild): { start_state: string; end_state: string } {
  return { start_state: hex(c.publicInputs[1]!), end_state: hex(c.publicInputs[2]!) };
}

function blockRollupPublic(c: ParsedChild): { new_archive: string; from_block: string; to_block: string } {
  return { new_archive: hex(c.publicInputs[2]!), from_block: hex(c.publicInputs[3]!), to_block: hex(c.publicInputs[4]!) };
}

function expectLength(jobType: string, what: string, fields: readonly Field[], expected: number): void {
  if (fields.length !== expected) throw new InputError(`${jobType}: ${what} has ${fields.length} fields, expected ${expected}`);
}

function hex(f: Field): string {
  return fieldToHex(f);
}

// ---------------------------------------------------------------------------------------------------------
// Leaf inputs as stored by Plan (jobs/<id>/inputs/<name>), JSON-encoded.

const hexField = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,64}$/, 'expected a 0x-prefixed field element')
  .transform((s) => fieldFromHex(s));

const devnetClientTxSchema = z.object({
  note: hexField,
  nullifier: hexField,
  commitment: hexField,
  /** Client proof bytes, base64. */
  proof: z.string().transform((s) => new Uint8Array(Buffer.from(s, 'base64'))),
});

export const devnetArchiveLeafSchema = z.object({
  previousArchive: hexField,
  blockNumber: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform((n) => BigInt(n)),
  endState: hexField,
});

export function encodeDevnetClientTx(tx: DevnetClientTx): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      note: hex(tx.note),
      nullifier: hex(tx.nullifier),
      commitment: hex(tx.commitment),
      proof: Buffer.from(tx.proof).toString('base64'),
    }),
  );
}

export function decodeDevnetClientTx(bytes: Uint8Array): DevnetClientTx {
  return parseJson(devnetClientTxSchema, bytes, 'devnet client tx');
}

export function encodeDevnetArchiveLeaf(leaf: DevnetArchiveLeaf): Uint8Array {
  return Buffer.from(
    JSON.stringify({ previousArchive: hex(leaf.previousArchive), blockNumber: leaf.blockNumber.toString(), endState: hex(leaf.endState) }),
  );
}

function parseJson<S extends z.ZodType>(schema: S, bytes: Uint8Array, what: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new InputError(`${what}: not JSON`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(`${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
