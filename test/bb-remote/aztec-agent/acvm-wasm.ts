/**
 * A stand-in for Aztec's native `acvm` binary (noir's acvm_cli; Aztec's images ship it, npm does not), for
 * tests that run Aztec's own BBNativeRollupProver: it always makes witnesses by spawning `acvm`
 * (@aztec/simulator NativeACVMSimulator). Same command line and files as the native `execute`:
 *
 *   acvm execute --working-directory D --bytecode F --input-witness W --print --output-witness NAME
 *
 * reads D/F (the gzipped ACIR program) and D/W (`<index> = '<value>'` lines), writes D/NAME.gz (the compressed
 * witness stack, what bb reads with -w) and prints the main circuit's solved witness as TOML
 * (`<index> = "<value>"`), which the simulator parses into the circuit's outputs. The solving is Aztec's WASM
 * ACVM (@aztec/noir-acvm_js 4.1.2, the engine of Aztec's own WASMSimulator), so the witness is the one Aztec
 * computes; only the process boundary is ours.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compressWitnessStack, executeProgram, type ForeignCallHandler } from '@aztec/noir-acvm_js';

/** Oracles the protocol circuits may call while solving: logging only, answered with nothing (as acvm_cli does). */
const LOG_ORACLES = new Set(['utilityLog', 'print']);

const foreignCalls: ForeignCallHandler = async (name) => {
  if (LOG_ORACLES.has(name)) return [];
  throw new Error(`the acvm stand-in resolves no oracle ${name}`);
};

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      'working-directory': { type: 'string' },
      bytecode: { type: 'string' },
      'input-witness': { type: 'string' },
      'output-witness': { type: 'string' },
      print: { type: 'boolean' },
    },
  });
  const dir = values['working-directory'];
  if (command !== 'execute' || dir === undefined || values.bytecode === undefined || values['input-witness'] === undefined) {
    throw new Error('usage: acvm execute --working-directory D --bytecode F --input-witness W [--print] [--output-witness NAME]');
  }
  const bytecode = await readFile(join(dir, values.bytecode));
  const initial = parseInputWitness(await readFile(join(dir, values['input-witness']), 'utf8'));
  const stack = await executeProgram(bytecode, initial, foreignCalls);
  const main = stack[0];
  if (main === undefined) throw new Error('the ACVM returned an empty witness stack');
  if (values['output-witness'] !== undefined) await writeFile(join(dir, `${values['output-witness']}.gz`), compressWitnessStack(stack));
  if (values.print === true) {
    const lines = [...main.witness.entries()].sort(([a], [b]) => a - b).map(([index, value]) => `${index} = "${value}"`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

/** NativeACVMSimulator's TOML: one `<index> = '<value>'` per line. */
function parseInputWitness(toml: string): Map<number, string> {
  const witness = new Map<number, string>();
  for (const line of toml.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*(\d+)\s*=\s*'([^']*)'\s*$/.exec(line);
    if (match === null) throw new Error(`input witness line is not "<index> = '<value>'": ${line.slice(0, 80)}`);
    witness.set(Number(match[1]), match[2]!);
  }
  return witness;
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`acvm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
