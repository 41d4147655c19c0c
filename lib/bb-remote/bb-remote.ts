/**
 * bb-remote: a drop-in `bb` for the unmodified Aztec prover agent (BB_BINARY_PATH). The heavy commands
 * (BB_REMOTE_DELEGATE, default `prove`, `avm_prove`) run as jobs of the prover's job runner — on AWS Batch,
 * or as a local process — and their output files land where bb would have written them; every other command
 * runs the real bb with the same arguments, output and exit code.
 *
 * A delegated call: the fronted bb's version (BB_REMOTE_BB_VERSION or `BB_REMOTE_REAL_BB --version`) → parse bb's
 * arguments with that bb's option tables → upload the input files content-addressed (blobs/<sha256>, skipped
 * when present; the CRS never travels, the image has it) → job spec naming the bb version (id = hash of bb
 * version + arguments + inputs: another bb is another job, and the runner runs exactly that version) → if
 * that job already finished, reuse it, else run it and wait (timeout, retry of retryable failures) → download
 * the outputs, checked against result.json's hashes. A failure exits 1 with the job's own error text
 * (jobs/<id>/error.json) on stderr, e.g. bb's "Builder failure when we have real witnesses".
 */
import { stat, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { jobSpecKey } from '../proving/keys.ts';
import { bbSubcommand, parseBbCall, type DelegatedCall } from './bb-argv.ts';
import type { RemoteExecutor } from './remote.ts';
import { runRemoteJob, type FinishedJob } from './run-remote-job.ts';
import { remoteJobSpec, uploadBlob, type UploadedInput } from './remote-job.ts';
import { resourceClassFor } from './resource-class.ts';

export const EXIT_FAILED = 1;

export interface Delegation {
  readonly store: ArtifactStore;
  readonly remote: RemoteExecutor;
  /** Resource class override (BB_REMOTE_CLASS). */
  readonly resourceClass?: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  /** Pause before submitting again after a retryable failure. @default 5000 */
  readonly retryDelayMs?: number;
}

export interface BbRemoteContext {
  readonly delegate: readonly string[];
  readonly cwd: string;
  /** The version of the fronted bb (asked only for a call in `delegate`). Rejects with the reason it cannot tell. */
  readonly bbVersion: () => Promise<string>;
  /** Runs the real bb with `args`, output inherited; resolves with its exit code. */
  readonly passThrough: (args: readonly string[]) => Promise<number>;
  /** Built only when a call is delegated (pass-through needs no AWS configuration). */
  readonly delegation: () => Promise<Delegation>;
  /** stderr lines. */
  readonly log: (line: string) => void;
  /** Stops a delegated call (SIGTERM from the agent): the remote job is stopped too. */
  readonly signal?: AbortSignal;
}

/** Runs one bb command line; resolves with the exit code. */
export async function runBbRemote(argv: readonly string[], ctx: BbRemoteContext): Promise<number> {
  const command = bbSubcommand(argv);
  if (command === undefined || !ctx.delegate.includes(command)) return ctx.passThrough(argv);
  let bbVersion: string;
  try {
    bbVersion = await ctx.bbVersion();
  } catch (err) {
    ctx.log(`bb-remote: ${command} failed: ${describeError(err)}`);
    return EXIT_FAILED;
  }
  const parsed = parseBbCall(argv, { delegate: ctx.delegate, cwd: ctx.cwd, bbVersion });
  if (parsed.kind === 'pass-through') {
    if (parsed.note !== undefined) ctx.log(`bb-remote: not delegating ${parsed.command} (bb ${bbVersion}): ${parsed.note}; running the local bb`);
    return ctx.passThrough(argv);
  }
  const call = parsed.call;
  const missing = await missingInputs(call);
  if (missing.length > 0) {
    // bb reads its inputs before any work, so the real bb fails on them at once, with bb's own message.
    ctx.log(`bb-remote: not delegating ${call.command}: no such file ${missing.join(', ')}; running the local bb`);
    return ctx.passThrough(argv);
  }
  try {
    return await delegateCall(call, bbVersion, await ctx.delegation(), ctx);
  } catch (err) {
    ctx.log(`bb-remote: ${call.command} failed: ${describeError(err)}`);
    return EXIT_FAILED;
  }
}

async function delegateCall(call: DelegatedCall, bbVersion: string, d: Delegation, ctx: BbRemoteContext): Promise<number> {
  const started = performance.now();
  const signal = AbortSignal.any([AbortSignal.timeout(d.timeoutMs), ...(ctx.signal ? [ctx.signal] : [])]);
  const log = (line: string): void => ctx.log(`bb-remote: ${line}`);

  const uploaded: Record<string, UploadedInput> = {};
  for (const [name, path] of Object.entries(call.inputs)) uploaded[name] = await uploadBlob(d.store, path);
  const spec = remoteJobSpec(call, uploaded, bbVersion);
  log(`${call.command} (bb ${bbVersion}) → job ${spec.id}; inputs: ${describeUploads(uploaded)}`);
  // Content-addressed: an existing spec at this id has the same content.
  await d.store.putIfAbsent(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec, null, 2)), { contentType: 'application/json' });

  const result = await runRemoteJob(d, {
    jobId: spec.id,
    command: call.command,
    resourceClass: resourceClassFor(call, d.resourceClass),
    signal,
    cancelled: () => ctx.signal?.aborted === true,
    timeoutMs: d.timeoutMs,
    log,
  });
  if (!result.ok) {
    ctx.log(`bb-remote: ${result.message}`);
    return EXIT_FAILED;
  }
  const written = await writeOutputs(call, result.job);
  log(`${call.command} done in ${((performance.now() - started) / 1000).toFixed(1)} s: wrote ${written.join(', ')}`);
  return 0;
}

/** Writes the job's outputs where bb would have; returns the paths written. */
async function writeOutputs(call: DelegatedCall, job: FinishedJob): Promise<string[]> {
  await mkdir(call.outDir, { recursive: true });
  const written: string[] = [];
  for (const output of call.outputs) {
    if (!job.outputs.has(output.name)) throw new Error(`job ${job.id} has no output ${output.name}`);
  }
  for (const output of [...call.outputs, ...call.optionalOutputs]) {
    const bytes = job.outputs.get(output.name);
    if (bytes === undefined) continue;
    await mkdir(dirname(output.path), { recursive: true });
    await writeFile(output.path, bytes);
    written.push(output.path);
  }
  return written;
}

async function missingInputs(call: DelegatedCall): Promise<string[]> {
  const missing: string[] = [];
  for (const path of Object.values(call.inputs)) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) missing.push(path);
  }
  return missing;
}

function describeUploads(uploaded: Readonly<Record<string, UploadedInput>>): string {
  const entries = Object.entries(uploaded);
  const sent = entries.filter(([, u]) => u.uploaded);
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
  const parts = entries.map(([name, u]) => `${name} ${kib(u.bytes)} ${u.uploaded ? 'uploaded' : 'already in S3'}`);
  return `${sent.length} of ${entries.length} uploaded (${parts.join(', ')})`;
}
