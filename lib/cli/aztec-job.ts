/**
 * `prover aztec-job <type> <inputs>`: prove one of Aztec's own proving jobs from the bytes Aztec's proof store
 * keeps for it (`inputs/<TYPE>/<id>`, the inputs' `toBuffer()`), into the result JSON Aztec's broker reads
 * (`outputs/<TYPE>/<id>.json`). Locally in this process by default; with `--remote` as a job of the stack
 * (AWS Batch on the type's resource class, or the local job runner), configured like bb-remote.
 *
 * `prover aztec-crs <dir>`: make a CRS directory usable for Aztec's rollup circuits (derive the Grumpkin SRS
 * into it; no download) and say what it holds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { bbRemoteConfigFromEnv } from '../bb-remote/config.ts';
import { createDelegation } from '../bb-remote/main.ts';
import { runRemoteJob } from '../bb-remote/run-remote-job.ts';
import { InputError, ProverError } from '../errors.ts';
import { jobSpecKey } from '../proving/keys.ts';
import { aztecCircuits } from '../protocols/aztec/job-circuit-sizes.ts';
import { AZTEC_JOB_TYPES, type AztecJobType } from '../protocols/aztec/job-types.ts';
import { createAztecJobProver } from '../protocols/aztec/prover/aztec-job-prover.ts';
import { ensureAztecGrumpkinCrs, inspectCrsDir } from '../protocols/aztec/prover/crs-dir.ts';
import { aztecJobSpec, defaultAztecJobId } from '../protocols/aztec/prover/proof-store-job.ts';
import { loadDevnetCircuit } from '../protocols/devnet/artifacts.ts';

interface AztecJobOptions {
  readonly out?: string;
  readonly id?: string;
  readonly crs?: string;
  readonly backend: string;
  readonly threads?: string;
  readonly remote?: boolean;
  readonly prefix: string;
}

const BACKENDS = ['auto', 'native', 'wasm'] as const;

const HELP = `
Types: ${AZTEC_JOB_TYPES.filter((t) => t !== 'PUBLIC_VM').join(', ')}.
PUBLIC_VM (the AVM) is proven by \`bb avm_prove\`: use bb-remote for it.

Local (default): proves in this process with bb.js 4.1.2 and the CRS in --crs (default $CRS_PATH; Aztec's
ceremony CRS for real networks, see \`prover aztec-crs\`). Writes the result JSON to --out.

--remote: uploads the inputs to <bucket>/<prefix>inputs/<TYPE>/<id>, runs the job on the stack (AWS Batch,
job definition of the type's resource class) and downloads <prefix>outputs/<TYPE>/<id>.json. Configured by
the bb-remote environment: BB_REMOTE_MODE=aws|local, BB_REMOTE_BUCKET, BB_REMOTE_JOB_QUEUE,
BB_REMOTE_JOB_DEFINITIONS, BB_REMOTE_TIMEOUT_SECONDS, BB_REMOTE_ATTEMPTS (local: BB_REMOTE_CRS_PATH).
A job that already finished is not proven again.
`;

export function register(program: Command): void {
  program
    .command('aztec-job')
    .summary("prove one of Aztec's proving jobs from its serialized inputs (locally or on AWS Batch)")
    .description(`Proves an Aztec job from Aztec's proof-store inputs into Aztec's result JSON.${HELP}`)
    .argument('<type>', 'Aztec job type (ProvingRequestType name)')
    .argument('<inputs>', "file with the job's serialized inputs (what Aztec stores at inputs/<TYPE>/<id>)")
    .option('--out <file>', 'where to write the result JSON (default: <inputs>.result.json)')
    .option('--id <aztecJobId>', "Aztec's job id (the proof-store key); default: sha256 of the inputs")
    .option('--crs <dir>', 'local: CRS directory (default $CRS_PATH)')
    .option('--backend <backend>', `local: bb.js backend (${BACKENDS.join(' | ')})`, 'auto')
    .option('--threads <n>', 'local: prover threads')
    .option('--remote', 'run it as a job of the stack (see below)')
    .option('--prefix <prefix>', "remote: the proof store's key prefix in the bucket (ending in /)", '')
    .action(async (type: string, inputsPath: string, opts: AztecJobOptions) => {
      const jobType = parseType(type);
      const inputs = await readFile(inputsPath).catch((cause: unknown) => {
        throw new InputError(`cannot read the inputs file ${inputsPath}`, { cause });
      });
      const out = opts.out ?? `${inputsPath}.result.json`;
      const started = performance.now();
      const result = opts.remote ? await proveRemotely(jobType, inputs, opts) : await proveLocally(jobType, inputs, opts);
      await writeFile(out, result.output);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`${jobType}: ${result.how} in ${seconds} s → ${out} (${result.output.length} bytes)\n`);
    });

  program
    .command('aztec-crs')
    .summary('prepare a CRS directory for Aztec jobs (derive the Grumpkin SRS; no download)')
    .argument('<dir>', 'directory with bn254_g1.dat and bn254_g2.dat')
    .action(async (dir: string) => {
      const crs = await ensureAztecGrumpkinCrs(dir, Buffer.from(loadDevnetCircuit('client').program.bytecode, 'base64'));
      process.stdout.write(
        `${crs.dir}: ${crs.bn254Points} BN254 points (circuits up to 2^${Math.floor(Math.log2(Math.max(crs.bn254Points - 1, 1)))} gates), ` +
          `Grumpkin ${crs.grumpkinFile ?? 'missing'}${crs.aztecPoints ? " (bb 4.1.2's points, Aztec's)" : " (bb 5's points: bb 4.1.2 does not run here; not Aztec's, fine for local tests only)"}` +
          `${crs.insecure ? '; INSECURE test CRS (devnet/tests only)' : ''}\n`,
      );
    });
}

function parseType(type: string): AztecJobType {
  if (!(AZTEC_JOB_TYPES as readonly string[]).includes(type)) {
    throw new InputError(`unknown Aztec job type "${type}"`, { metaMessages: [`known: ${AZTEC_JOB_TYPES.join(', ')}`] });
  }
  return type as AztecJobType;
}

async function proveLocally(type: AztecJobType, inputs: Uint8Array, opts: AztecJobOptions): Promise<{ output: Uint8Array; how: string }> {
  const crsPath = opts.crs ?? process.env['CRS_PATH'];
  if (crsPath === undefined || crsPath === '') throw new InputError('no CRS: pass --crs <dir> or set CRS_PATH');
  if (!(BACKENDS as readonly string[]).includes(opts.backend)) throw new InputError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const threads = opts.threads === undefined ? undefined : Number(opts.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) throw new InputError('--threads must be a positive integer');
  inspectCrsDir(crsPath); // fails early with what is missing
  const prover = createAztecJobProver({ crsPath, backend: opts.backend as (typeof BACKENDS)[number], ...(threads !== undefined ? { threads } : {}) });
  const proved = await prover.prove({ type, inputs });
  return { output: proved.output, how: `proved locally with ${proved.backend} (proof ${(proved.proveMs / 1000).toFixed(1)} s)` };
}

async function proveRemotely(type: AztecJobType, inputs: Uint8Array, opts: AztecJobOptions): Promise<{ output: Uint8Array; how: string }> {
  const config = bbRemoteConfigFromEnv(process.env);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const d = await createDelegation(config, process.env, cleanups);
    const spec = aztecJobSpec({ type, aztecJobId: opts.id ?? defaultAztecJobId(inputs), prefix: opts.prefix }, inputs);
    // Aztec's broker may have written the inputs already (same proof store): never overwrite them.
    if (!(await d.store.putIfAbsent(spec.inputs, inputs))) {
      const stored = await d.store.get(spec.inputs);
      if (stored === undefined || !Buffer.from(stored).equals(Buffer.from(inputs))) {
        throw new InputError(`${spec.inputs} already holds different inputs`, { metaMessages: ['pass the id Aztec uses for these inputs (--id), or another --prefix'] });
      }
    }
    await d.store.putIfAbsent(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec, null, 2)));
    const stop = new AbortController();
    const onSignal = (): void => stop.abort(new Error('stopped'));
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const result = await runRemoteJob(d, {
        jobId: spec.id,
        command: type,
        resourceClass: aztecCircuits[type].resourceClass,
        signal: AbortSignal.any([AbortSignal.timeout(d.timeoutMs), stop.signal]),
        cancelled: () => stop.signal.aborted,
        timeoutMs: d.timeoutMs,
        log: (line) => process.stderr.write(`aztec-job: ${line}\n`),
      });
      if (!result.ok) throw new ProverError(result.message);
      const output = result.job.outputs.get('result');
      if (output === undefined) throw new ProverError(`job ${spec.id} finished without a result output`);
      return { output, how: `${result.reused ? 'already proven' : 'proved'} as job ${spec.id} on ${d.remote.description}; Aztec's result at ${spec.output}` };
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
}
