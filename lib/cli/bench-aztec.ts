/**
 * `prover bench-aztec` (`npm run bench:aztec`): what an Aztec job costs on each bb 4.1.2 backend, measured side
 * by side in one run on the same job (Aztec's real circuit, Aztec-serialized inputs, the job runner):
 *   - WASM: bb.js in this process (what runs where glibc < 2.39, e.g. Debian 12);
 *   - native: the prover image (`--image`, Debian 13) running the same job from a local S3 server, as Batch would.
 * Prints each job's wall and prove time, wall ÷ prove (the job runner's overhead around bb) and native ÷ WASM.
 * A benchmark, not a test: numbers only, never a failure on them. The CRS is the devnet's INSECURE test CRS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { Fr } from '@aztec/foundation/curves/bn254';
import { ParityBasePrivateInputs } from '@aztec/stdlib/parity';
import { CheckpointPaddingRollupPrivateInputs } from '@aztec/stdlib/rollup';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { createS3Client } from '../aws/s3-client.ts';
import { InputError, ProverError } from '../errors.ts';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../local/s3-server.ts';
import { MemoryArtifactStore, type ArtifactStore } from '../proving/artifact-store.ts';
import { NativeBbBackend } from '../proving/bb.ts';
import { findFinishedResult, runJob } from '../proving/job-runner.ts';
import type { JobResult } from '../proving/job-spec.ts';
import { jobSpecKey } from '../proving/keys.ts';
import { createAztecJobProver } from '../protocols/aztec/prover/aztec-job-prover.ts';
import { ensureGrumpkinCrs } from '../protocols/aztec/prover/crs-dir.ts';
import { aztecJobSpec } from '../protocols/aztec/prover/proof-store-job.ts';
import { loadDevnetCircuit } from '../protocols/devnet/artifacts.ts';
import { ensureDevnetCrs } from '../protocols/devnet/crs.ts';
import { positive } from './local.ts';

const CIRCUITS = {
  /** 3,918 gates: the job runner's fixed costs dominate. */
  padding: { type: 'CHECKPOINT_PADDING_ROLLUP', points: 2 ** 12 + 1, inputs: () => new CheckpointPaddingRollupPrivateInputs().toBuffer() },
  /** 2,274,397 gates (2^22): proving dominates. */
  parity: {
    type: 'PARITY_BASE',
    points: 2 ** 22 + 1,
    inputs: () => new ParityBasePrivateInputs(Array.from({ length: 256 }, (_, i) => new Fr(i < 5 ? 1000 + i : 0)) as never, new Fr(1)).toBuffer(),
  },
} as const;

interface BenchAztecOptions {
  readonly circuit: string;
  readonly image?: string;
  readonly threads: number;
  readonly json: boolean;
}

interface Measured {
  readonly backend: string;
  readonly wallMs: number;
  readonly proveMs: number;
}

export function register(program: Command): void {
  program
    .command('bench-aztec')
    .description("an Aztec job on bb 4.1.2 WASM (here) and native (the prover image), side by side in one run")
    .option('--circuit <name>', `Aztec circuit (${Object.keys(CIRCUITS).join(' | ')})`, 'padding')
    .option('--image <tag>', 'prover image for the native run (needs Docker); without it, WASM only')
    .option('--threads <n>', 'prover threads for the WASM run (the image uses all cores)', positive('threads'), cpus().length)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: BenchAztecOptions) => {
      const circuit = CIRCUITS[opts.circuit as keyof typeof CIRCUITS];
      if (circuit === undefined) throw new InputError(`--circuit must be one of ${Object.keys(CIRCUITS).join(', ')}`);
      const load = loadavg()[0]!;
      const crs = await ensureGrumpkinCrs(
        (await ensureDevnetCrs({ profile: 'devnet', points: circuit.points })).dir,
        Buffer.from(loadDevnetCircuit('client').program.bytecode, 'base64'),
      );
      const inputs = circuit.inputs();
      const spec = aztecJobSpec({ type: circuit.type, aztecJobId: `bench-${Date.now()}`, prefix: '' }, inputs);
      const rows: Measured[] = [];

      const memory = new MemoryArtifactStore();
      rows.push(
        await measure(memory, spec.id, inputs, spec, () =>
          runJob(spec.id, { store: memory, backend: new NativeBbBackend(), adapters: {}, aztecProver: createAztecJobProver({ crsPath: crs.dir, backend: 'wasm', threads: opts.threads }) }),
        ),
      );
      if (opts.image !== undefined) rows.push(await nativeInImage(opts.image, crs.dir, spec, inputs));

      const wasm = rows[0]!;
      const native = rows[1];
      const report = {
        circuit: circuit.type,
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1mAtStart: load, loadAverage1mAtEnd: loadavg()[0]! },
        runs: rows.map((r) => ({ ...r, wallOverProve: r.wallMs / r.proveMs })),
        ...(native ? { nativeOverWasm: { prove: native.proveMs / wasm.proveMs, wall: native.wallMs / wasm.wallMs } } : {}),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      console.log(`${circuit.type} (${report.machine.cpus} × ${report.machine.cpuModel}; load ${load.toFixed(1)} → ${report.machine.loadAverage1mAtEnd.toFixed(1)}; INSECURE test CRS)`);
      for (const r of report.runs) {
        console.log(`  ${r.backend.padEnd(22)} job wall ${(r.wallMs / 1000).toFixed(1).padStart(7)} s   prove ${(r.proveMs / 1000).toFixed(1).padStart(7)} s   wall ÷ prove ${r.wallOverProve.toFixed(2)}`);
      }
      if (report.nativeOverWasm) {
        console.log(`  native ÷ WASM: prove ${report.nativeOverWasm.prove.toFixed(2)}, job wall ${report.nativeOverWasm.wall.toFixed(2)}`);
      } else {
        console.log('  (pass --image <prover image> to add the native run; build it with npm run stage:image + docker build)');
      }
    });
}

async function measure(store: ArtifactStore, jobId: string, inputs: Uint8Array, spec: ReturnType<typeof aztecJobSpec>, run: () => Promise<unknown>): Promise<Measured> {
  await store.put(spec.inputs, inputs);
  await store.put(jobSpecKey(jobId), Buffer.from(JSON.stringify(spec)));
  await run();
  return fromResult(await findFinishedResult(store, jobId), jobId);
}

function fromResult(result: JobResult | undefined, jobId: string): Measured {
  if (result === undefined) throw new ProverError(`bench job ${jobId} did not finish`);
  return { backend: result.metrics.backend, wallMs: result.metrics.wallMs, proveMs: result.metrics.proveMs };
}

/** The same job in the prover image, the CRS mounted, inputs and outputs through a local S3 server. */
async function nativeInImage(image: string, crsDir: string, spec: ReturnType<typeof aztecJobSpec>, inputs: Uint8Array): Promise<Measured> {
  const work = await mkdtemp(join(tmpdir(), 'bench-aztec-'));
  const bucket = 'bench-aztec';
  const s3 = await startLocalS3({ directory: join(work, 's3'), bucket });
  try {
    const store = new S3ArtifactStore({ client: createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS }), bucket, conditionalWrites: 'check-then-put' });
    return await measure(store, spec.id, inputs, spec, async () => {
      const env = { JOB_ID: spec.id, ARTIFACT_BUCKET: bucket, S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey, CRS_PATH: '/bench-crs', AZTEC_BB_BACKEND: 'native' };
      const args = ['run', '--rm', '--network', 'host', '-v', `${crsDir}:/bench-crs:ro`, ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), image];
      await promisify(execFile)(process.env['DOCKER_CLI'] ?? 'docker', args, { maxBuffer: 1 << 26 }).catch((err: { stderr?: string; message: string }) => {
        throw new ProverError(`the native run in ${image} failed`, { metaMessages: [(err.stderr ?? err.message).trim().split('\n').slice(-5).join('\n')] });
      });
    });
  } finally {
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}
