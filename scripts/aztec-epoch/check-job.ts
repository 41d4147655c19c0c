/**
 * Diagnostic: does an Aztec job's witness satisfy its circuit? Reads a job's inputs as Aztec's proof store keeps them
 * (`inputs/<TYPE>/<id>`), solves the witness as the job runner does, writes bb's files into OUT and runs bb 4.1.2's
 * `check` (bb constructs the trace and evaluates every relation row by row). A proof of an unsatisfied circuit is
 * produced without complaint by `bb prove` and simply fails to verify, so this tells a bad witness from a bad proof.
 *
 *   tsx scripts/aztec-epoch/check-job.ts <TYPE> <inputs file> <out dir>   (CRS in ~/.bb-crs)
 * (in the Debian 13 base image: bb 4.1.2 needs glibc >= 2.39)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executeCircuit, compressWitnessStack } from '@aztec/noir-acvm_js';
import { foreignCallHandler, getServerCircuitArtifact } from '@aztec/noir-protocol-circuits-types/server';
import { getProvingJobInputClassFor } from '@aztec/stdlib/interfaces/server';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { runBb } from '../../lib/proving/bb.ts';
import { bundledAztecBbPath } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import { aztecCircuitFor } from '../../lib/protocols/aztec/prover/prover-circuits.ts';
import type { AztecJobType } from '../../lib/protocols/aztec/job-types.ts';

const [type, inputsFile, out] = process.argv.slice(2) as [AztecJobType, string, string];
if (out === undefined) throw new Error('usage: check-job.ts <TYPE> <inputs file> <out dir>');
const row = aztecCircuitFor(type);
if (row === undefined) throw new Error(`${type}: no Noir circuit`);
const inputs = getProvingJobInputClassFor(ProvingRequestType[type]).fromBuffer(await readFile(inputsFile));
const artifact = getServerCircuitArtifact(row.artifact);
const witness = await executeCircuit(Buffer.from(artifact.bytecode, 'base64'), row.toWitness(inputs as never), foreignCallHandler);
await mkdir(out, { recursive: true });
await writeFile(join(out, 'bytecode.gz'), Buffer.from(artifact.bytecode, 'base64'));
await writeFile(join(out, 'witness.gz'), compressWitnessStack([{ index: 0, witness }]));
process.stderr.write(`[check-job] ${type}: witness of ${witness.size} values in ${out}; bb check …\n`);
const checked = await runBb({
  // `check` takes no flavour flags and no -c: it reads the CRS from ~/.bb-crs (the root's in-circuit IPA needs the
  // Grumpkin points), so mount the CRS dir there.
  args: ['check', '-s', 'ultra_honk', '-b', join(out, 'bytecode.gz'), '-w', join(out, 'witness.gz')],
  cwd: out,
  bbPath: bundledAztecBbPath() ?? 'bb',
});
process.stderr.write(`${checked.stderr.split('\n').slice(-30).join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ type, satisfied: checked.ok, ...(checked.ok ? {} : { reason: checked.reason }) })}\n`);
process.exit(checked.ok ? 0 : 1);
