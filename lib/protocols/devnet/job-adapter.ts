/**
 * The devnet's JobAdapter: turns one planned job into its circuit inputs from the job's children's outputs and
 * the block record, generates the witness with noir_js, and returns the `bb prove` invocation. The proof,
 * its public inputs and the circuit's vk become the job's outputs, which is exactly what a parent reads.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../errors.ts';
import type { JobAdapter, JobIo, PreparedProof } from '../../proving/job-adapter.ts';
import type { ProtocolJobSpec } from '../../proving/job-spec.ts';
import { bbProveArgs } from '../../proving/bb.ts';
import { blockRecordSchema } from '../../pipeline/block-record.ts';
import { loadDevnetCircuit } from './artifacts.ts';
import { fieldFromHex } from './fields.ts';
import {
  buildDevnetCircuitInputs,
  decodeDevnetClientTx,
  devnetArchiveLeafSchema,
  type DevnetJobInputs,
  type DevnetProofOutput,
} from './inputs.ts';
import { generateDevnetWitness } from './witness.ts';

/** What the devnet sequencer records about a block beyond the generic block record. */
export const devnetBlockDataSchema = z.object({
  /** Archive leaf of the previous block (its hash is this block's previous archive). */
  previousBlock: devnetArchiveLeafSchema,
  /** Rollup state before each tx, in tx order (the BASE circuit's start_state). */
  txStartStates: z.array(z.string().regex(/^0x[0-9a-fA-F]{1,64}$/)),
});

export const DEVNET_PROOF_OUTPUTS = ['proof', 'public_inputs', 'vk'] as const;

export const devnetJobAdapter: JobAdapter = {
  profile: 'devnet',
  async prepare(spec: ProtocolJobSpec, io: JobIo): Promise<PreparedProof> {
    const inputs = await devnetJobInputs(spec, io);
    const { circuit, inputs: circuitInputs } = await buildDevnetCircuitInputs(inputs);
    const artifact = loadDevnetCircuit(circuit);
    const { witness } = await generateDevnetWitness(artifact, circuitInputs);
    const outDir = join(io.workDir, 'out');
    await mkdir(outDir, { recursive: true });
    const witnessPath = join(io.workDir, 'witness.gz');
    await writeFile(witnessPath, witness);
    // The parent verifies against this vk: ship the one we prove with.
    await copyFile(artifact.vkPath, join(outDir, 'vk'));
    const args = bbProveArgs({ bytecodePath: artifact.programPath, witnessPath, vkPath: artifact.vkPath, outputDir: outDir, target: artifact.target });
    return { args, outDir, outputs: DEVNET_PROOF_OUTPUTS };
  },
};

async function devnetJobInputs(spec: ProtocolJobSpec, io: JobIo): Promise<DevnetJobInputs> {
  const children = await Promise.all(spec.children.map((id) => childOutput(io, id)));
  const blockData = async () => {
    const record = blockRecordSchema.parse(JSON.parse(Buffer.from(await io.readInput('block')).toString('utf8')));
    const parsed = devnetBlockDataSchema.safeParse(record.data);
    if (!parsed.success) throw new InputError(`block ${record.number}'s record has no valid devnet data`, { metaMessages: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return parsed.data;
  };
  switch (spec.type) {
    case 'TUBE':
      return { type: 'TUBE', tx: decodeDevnetClientTx(await io.readInput('client_tx')) };
    case 'BASE': {
      const start = (await blockData()).txStartStates[spec.tx ?? -1];
      if (start === undefined) throw new InputError(`BASE job ${spec.id}: block ${spec.block} has no start state for tx ${spec.tx}`);
      return { type: 'BASE', children: exactly(spec, children, 1), startState: fieldFromHex(start) };
    }
    case 'MERGE':
    case 'BLOCK_MERGE':
      return { type: spec.type, children: exactly(spec, children, 2) };
    case 'BLOCK_ROOT':
      return { type: 'BLOCK_ROOT', children: oneOrTwo(spec, children), previousBlock: (await blockData()).previousBlock };
    case 'ROOT': {
      const proverId = Buffer.from(await io.readInput('prover_id')).toString('utf8').trim();
      return { type: 'ROOT', children: oneOrTwo(spec, children), proverId: fieldFromHex(proverId) };
    }
    default:
      throw new InputError(`devnet has no job type ${spec.type}`);
  }
}

async function childOutput(io: JobIo, id: string): Promise<DevnetProofOutput> {
  const [proof, publicInputs, vk] = await Promise.all(DEVNET_PROOF_OUTPUTS.map((name) => io.readChildOutput(id, name)));
  return { proof: proof!, publicInputs: publicInputs!, vk: vk! };
}

function exactly<N extends 1 | 2>(spec: ProtocolJobSpec, children: DevnetProofOutput[], n: N): N extends 1 ? [DevnetProofOutput] : [DevnetProofOutput, DevnetProofOutput] {
  if (children.length !== n) throw new InputError(`${spec.type} job ${spec.id} needs ${n} children, has ${children.length}`);
  return children as never;
}

function oneOrTwo(spec: ProtocolJobSpec, children: DevnetProofOutput[]): [DevnetProofOutput] | [DevnetProofOutput, DevnetProofOutput] {
  if (children.length !== 1 && children.length !== 2) throw new InputError(`${spec.type} job ${spec.id} needs 1 or 2 children, has ${children.length}`);
  return children as [DevnetProofOutput] | [DevnetProofOutput, DevnetProofOutput];
}
