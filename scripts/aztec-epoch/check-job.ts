/**
 * Diagnostic: an Aztec job's circuit and solved witness as files for bb 4.1.2, to prove and verify one job by hand
 * (e.g. with other thread counts or flags). Reads a job's inputs as Aztec's proof store keeps them
 * (`inputs/<TYPE>/<id>`), solves the witness as the job runner does, writes `bytecode.gz` and `witness.gz` into OUT
 * and prints the bb-prover commands for the job's circuit. (bb 4.1.2's `check` has no UltraHonk witness check:
 * "API function check_witness not implemented"; `bb verify -d` prints whether sumcheck passed, which tells an
 * unsatisfied witness from a bad opening proof.)
 *
 *   tsx scripts/aztec-epoch/check-job.ts <TYPE> <inputs file> <out dir>
 * (in the Debian 13 base image: bb 4.1.2 needs glibc >= 2.39)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executeCircuit, compressWitnessStack } from '@aztec/noir-acvm_js';
import { foreignCallHandler, getServerCircuitArtifact } from '@aztec/noir-protocol-circuits-types/server';
import { getProvingJobInputClassFor } from '@aztec/stdlib/interfaces/server';
import { ProvingRequestType } from '@aztec/stdlib/proofs';
import { bundledAztecBbPath } from '../../lib/protocols/aztec/prover/barretenberg.ts';
import { aztecCircuitFor, BB_FLAGS_FOR_TARGET } from '../../lib/protocols/aztec/prover/prover-circuits.ts';
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
const bb = bundledAztecBbPath() ?? 'bb';
const flags = BB_FLAGS_FOR_TARGET[row.target].join(' ');
process.stdout.write(
  `${type}: witness of ${witness.size} values in ${out}\n` +
    `prove:  HARDWARE_CONCURRENCY=<n> ${bb} prove ${flags} -b ${out}/bytecode.gz -w ${out}/witness.gz -o ${out}/proof --write_vk -c <crs dir> -v\n` +
    `verify: ${bb} verify ${flags} -p ${out}/proof/proof -k ${out}/proof/vk -i ${out}/proof/public_inputs -c <crs dir> -d\n`,
);
