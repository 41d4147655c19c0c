/** Runs a prepared bb invocation and uploads what it wrote: the shared half of raw bb and protocol jobs. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProverError } from '../../errors.ts';
import type { ProvingBackend } from '../backend.ts';
import type { PreparedProof } from '../job-adapter.ts';
import type { JobResult } from '../job-spec.ts';
import { jobOutputKey } from '../keys.ts';
import { outputRecord, type JobContext, type ProvedJob } from './job-handler.ts';

export async function runPreparedProof(jobId: string, backend: ProvingBackend, prepared: PreparedProof, ctx: JobContext): Promise<ProvedJob> {
  const outcome = await backend.run({ args: prepared.args, cwd: ctx.workDir, ...(ctx.crsPath ? { crsPath: ctx.crsPath } : {}) });
  if (!outcome.ok) {
    throw new ProverError(`bb failed: ${outcome.reason}`, { retryable: outcome.retry, metaMessages: tail(outcome.stderr || outcome.stdout) });
  }
  const outputs: JobResult['outputs'] = {};
  for (const name of prepared.outputs) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(prepared.outDir, name));
    } catch (cause) {
      throw new ProverError(`bb reported success but wrote no ${name}`, { cause, metaMessages: tail(outcome.stdout) });
    }
    const key = jobOutputKey(jobId, name);
    await ctx.store.put(key, bytes);
    outputs[name] = outputRecord(key, bytes);
  }
  for (const name of prepared.optionalOutputs ?? []) {
    const bytes = await readFile(join(prepared.outDir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (bytes === undefined) continue;
    const key = jobOutputKey(jobId, name);
    await ctx.store.put(key, bytes);
    outputs[name] = outputRecord(key, bytes);
  }
  return {
    outputs,
    proveMs: outcome.durationMs,
    ...(outcome.peakRssKiB !== undefined ? { peakRssKiB: outcome.peakRssKiB } : {}),
    backend: backend.name,
    backendVersion: await backend.version(),
  };
}

function tail(text: string, lines = 12): string[] {
  return text.trim().split('\n').slice(-lines);
}
