/**
 * bb-remote: a drop-in `bb` for the unmodified Aztec prover agent (BB_BINARY_PATH). The heavy commands
 * (BB_REMOTE_DELEGATE, default `prove`, `avm_prove`) run as jobs of the prover's job runner — on AWS Batch,
 * or as a local process — and their output files land where bb would have written them; every other command
 * runs the real bb with the same arguments, output and exit code.
 *
 * A delegated call: parse bb's arguments → upload the input files content-addressed (blobs/<sha256>, skipped
 * when present; the CRS never travels, the image has it) → job spec (id = hash of arguments + inputs) → if
 * that job already finished, reuse it, else run it and wait (timeout, retry of retryable failures) → download
 * the outputs, checked against result.json's hashes. A failure exits 1 with the job's own error text
 * (jobs/<id>/error.json) on stderr, e.g. bb's "Builder failure when we have real witnesses".
 */
import { stat, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { jobErrorSchema, jobResultSchema, type JobError } from '../proving/job-spec.ts';
import { jobErrorKey, jobResultKey, jobSpecKey } from '../proving/keys.ts';
import { parseBbCall, type DelegatedCall } from './bb-argv.ts';
import type { RemoteExecutor } from './remote.ts';
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
  const parsed = parseBbCall(argv, { delegate: ctx.delegate, cwd: ctx.cwd });
  if (parsed.kind === 'pass-through') {
    if (parsed.note !== undefined) ctx.log(`bb-remote: not delegating ${parsed.command}: ${parsed.note}; running the local bb`);
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
    return await delegateCall(call, await ctx.delegation(), ctx);
  } catch (err) {
    ctx.log(`bb-remote: ${call.command} failed: ${describeError(err)}`);
    return EXIT_FAILED;
  }
}

async function delegateCall(call: DelegatedCall, d: Delegation, ctx: BbRemoteContext): Promise<number> {
  const started = performance.now();
  const signal = AbortSignal.any([AbortSignal.timeout(d.timeoutMs), ...(ctx.signal ? [ctx.signal] : [])]);
  const log = (line: string): void => ctx.log(`bb-remote: ${line}`);

  const uploaded: Record<string, UploadedInput> = {};
  for (const [name, path] of Object.entries(call.inputs)) uploaded[name] = await uploadBlob(d.store, path);
  const spec = remoteJobSpec(call, uploaded);
  log(`${call.command} → job ${spec.id}; inputs: ${describeUploads(uploaded)}`);

  let result = await fetchFinished(d.store, spec.id);
  if (result !== undefined) {
    log(`job ${spec.id} already finished: reusing its outputs`);
  } else {
    // Content-addressed: an existing spec at this id has the same content.
    await d.store.putIfAbsent(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec, null, 2)), { contentType: 'application/json' });
    const resourceClass = resourceClassFor(call, d.resourceClass);
    for (let attempt = 1; ; attempt++) {
      const submittedAt = Date.now();
      const outcome = await d.remote.run({ jobId: spec.id, command: call.command, resourceClass }, { signal, log });
      if (outcome.ok) break;
      const recorded = await readJobError(d.store, spec.id, submittedAt);
      const retryable = !outcome.aborted && (outcome.retryable || recorded?.retryable === true);
      if (!retryable || attempt >= d.attempts || signal.aborted) {
        const why = outcome.aborted && signal.aborted && ctx.signal?.aborted !== true ? `timed out after ${Math.round(d.timeoutMs / 1000)} s` : undefined;
        ctx.log(
          [
            `bb-remote: ${call.command} failed remotely (job ${spec.id} on ${d.remote.description}${attempt > 1 ? `, attempt ${attempt}` : ''})${why ? `: ${why}` : ''}`,
            ...(recorded ? [recorded.message] : outcome.output !== undefined ? [outcome.output] : []),
            outcome.reason,
          ].join('\n'),
        );
        return EXIT_FAILED;
      }
      log(`attempt ${attempt} of ${d.attempts} failed (${recorded?.message.split('\n')[0] ?? outcome.reason.split('\n')[0]}); submitting again`);
      // An abort during the pause ends the loop on the next run (the executor returns at once).
      await sleep(d.retryDelayMs ?? 5000, undefined, { signal }).catch(() => {});
    }
    result = await fetchFinished(d.store, spec.id);
    if (result === undefined) {
      ctx.log(`bb-remote: ${call.command}: job ${spec.id} ended successfully but left no intact result.json in the bucket`);
      return EXIT_FAILED;
    }
  }
  const written = await writeOutputs(call, result);
  log(`${call.command} done in ${((performance.now() - started) / 1000).toFixed(1)} s: wrote ${written.join(', ')}`);
  return 0;
}

interface FinishedJob {
  readonly id: string;
  /** Output name → bytes, each matching the sha256 result.json recorded. */
  readonly outputs: ReadonlyMap<string, Uint8Array>;
}

/**
 * The job's outputs if it finished: result.json exists and every output it lists still hashes to what it
 * recorded (the job runner's own definition of done, `findFinishedResult`, keeping the bytes so they are
 * downloaded once).
 */
async function fetchFinished(store: ArtifactStore, jobId: string): Promise<FinishedJob | undefined> {
  const raw = await store.get(jobResultKey(jobId));
  if (raw === undefined) return undefined;
  const parsed = jobResultSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
  if (!parsed.success) return undefined;
  const outputs = new Map<string, Uint8Array>();
  for (const [name, output] of Object.entries(parsed.data.outputs)) {
    const bytes = await store.get(output.key);
    if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== output.sha256) return undefined;
    outputs.set(name, bytes);
  }
  return { id: jobId, outputs };
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

/** The runner's error record of this submission (older ones are stale: a later attempt may have succeeded). */
async function readJobError(store: ArtifactStore, jobId: string, since: number): Promise<JobError | undefined> {
  try {
    const raw = await store.get(jobErrorKey(jobId));
    if (raw === undefined) return undefined;
    const parsed = jobErrorSchema.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')));
    if (!parsed.success) return undefined;
    // A second of slack for clock skew between this host and the job's.
    return Date.parse(parsed.data.failedAt) >= since - 1000 ? parsed.data : undefined;
  } catch {
    return undefined;
  }
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
