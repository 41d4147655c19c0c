/**
 * A small but real proving job for container tests: a Noir circuit that hashes x with BLAKE3 twenty times and
 * returns the digest as its public output (~46k gates, 2^16 rows: bb proves it in a few seconds, long enough
 * for the job runner to sample bb's peak memory). Compiled with noir_wasm, executed with noir_js.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressWitnessStack, decompressWitnessStack } from '@noir-lang/acvm_js';
import { Noir } from '@noir-lang/noir_js';
import { compile_program, createFileManager, type ProgramCompilationArtifacts } from '@noir-lang/noir_wasm';

/** bb sizes the circuit to 2^16 rows, so it reads 2^16 CRS points. */
export const BLAKE3_CHAIN_CRS_POINTS = 2 ** 16;

const NARGO_TOML = `[package]
name = "blake3_chain"
type = "bin"
authors = [""]

[dependencies]
`;

const MAIN_NR = `global ROUNDS: u32 = 20;

fn main(x: Field) -> pub [u8; 32] {
    let mut h: [u8; 32] = x.to_be_bytes();
    for _ in 0..ROUNDS {
        h = std::hash::blake3(h);
    }
    h
}
`;

/** noir_wasm logs every file it compiles to stdout by default. */
const quiet = (): void => {};

interface Blake3ChainWitness {
  /** Gzipped witness stack, what bb's `-w` reads. */
  readonly witness: Uint8Array;
  /** The circuit's public output: bb writes each byte as one 32-byte public input. */
  readonly digest: readonly number[];
}

export interface Blake3ChainCircuit {
  /** The compiled program's JSON; bb reads the ACIR from it (`-b program.json`). */
  readonly programJson: Uint8Array;
  execute(x: bigint): Promise<Blake3ChainWitness>;
  /** The witness of x with x itself replaced by x + 1: well-formed, but it does not satisfy the circuit. */
  unsatisfyingWitness(x: bigint): Promise<Uint8Array>;
}

export async function compileBlake3Chain(): Promise<Blake3ChainCircuit> {
  const dir = await mkdtemp(join(tmpdir(), 'blake3-chain-'));
  let artifacts: ProgramCompilationArtifacts;
  try {
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'Nargo.toml'), NARGO_TOML);
    await writeFile(join(dir, 'src/main.nr'), MAIN_NR);
    // noir_wasm needs an absolute project path (ARCHITECTURE §4).
    artifacts = await compile_program(createFileManager(dir), undefined, quiet, quiet);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const noir = new Noir(artifacts.program);
  const execute = async (x: bigint): Promise<Blake3ChainWitness> => {
    const { witness, returnValue } = await noir.execute({ x: x.toString() });
    return { witness, digest: (returnValue as string[]).map((byte) => Number(byte)) };
  };
  return {
    programJson: Buffer.from(JSON.stringify(artifacts.program)),
    execute,
    async unsatisfyingWitness(x) {
      const stack = decompressWitnessStack((await execute(x)).witness);
      const main = stack[0];
      if (!main) throw new Error('noir_js returned an empty witness stack');
      // Witness 0 is the first parameter, x; every hash constraint downstream now disagrees with it.
      main.witness.set(0, `0x${(x + 1n).toString(16).padStart(64, '0')}`);
      return compressWitnessStack(stack);
    },
  };
}
