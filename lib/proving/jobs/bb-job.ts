/**
 * Raw bb jobs (bb-remote and the container smoke test): the spec's inputs become files, `{in:NAME}` and `{out}`
 * in its args become their paths, and the bb the spec names (bbVersion) runs them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProverError } from '../../errors.ts';
import { bbBackendForVersion } from '../bb-versions.ts';
import type { PreparedProof } from '../job-adapter.ts';
import type { BbJobSpec } from '../job-spec.ts';
import type { JobContext, ProvedJob } from './job-handler.ts';
import { runPreparedProof } from './run-prepared-proof.ts';

export async function proveBbJob(spec: BbJobSpec, ctx: JobContext): Promise<ProvedJob> {
  const backend = await bbBackendForVersion(spec.bbVersion, { fallback: ctx.backend, ...(ctx.bbVersionsDir ? { versionsDir: ctx.bbVersionsDir } : {}) });
  const prepared = await prepareBbJob(spec, ctx);
  return runPreparedProof(spec.id, backend, prepared, ctx);
}

async function prepareBbJob(spec: BbJobSpec, { store, workDir }: JobContext): Promise<PreparedProof> {
  const inDir = join(workDir, 'in');
  const outDir = join(workDir, 'out');
  await mkdir(inDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, key] of Object.entries(spec.inputs)) {
    const bytes = await store.get(key);
    if (bytes === undefined) throw new ProverError(`input ${name} is missing at ${key}`);
    paths[name] = join(inDir, name);
    await writeFile(paths[name], bytes);
  }
  const args = spec.args.map((arg) =>
    arg.replace(/\{in:([A-Za-z0-9_.-]+)\}|\{out\}/g, (match, name: string | undefined) => {
      if (match === '{out}') return outDir;
      const path = name === undefined ? undefined : paths[name];
      if (path === undefined) throw new ProverError(`argument ${arg} names input ${name}, which the spec does not list`);
      return path;
    }),
  );
  return { args, outDir, outputs: spec.outputs, optionalOutputs: spec.optionalOutputs ?? [] };
}
