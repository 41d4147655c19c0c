/**
 * Protocol jobs (a node of a protocol's proving tree, e.g. devnet): the profile's adapter builds the bb
 * invocation from the job's leaf inputs and its finished children's outputs.
 */
import { ProverError } from '../../errors.ts';
import type { JobIo } from '../job-adapter.ts';
import type { JobResult, ProtocolJobSpec } from '../job-spec.ts';
import type { JobContext, ProvedJob } from './job-handler.ts';
import { runPreparedProof } from './run-prepared-proof.ts';

export async function proveProtocolJob(spec: ProtocolJobSpec, ctx: JobContext): Promise<ProvedJob> {
  const { adapters, store } = ctx;
  const adapter = adapters[spec.profile];
  if (!adapter) throw new ProverError(`no job adapter for profile "${spec.profile}"`, { metaMessages: [`known: ${Object.keys(adapters).join(', ') || '(none)'}`] });
  const childResults = new Map<string, JobResult>();
  for (const child of spec.children) {
    const result = await ctx.finishedResult(child);
    if (!result) throw new ProverError(`child job ${child} has no verified output yet`, { metaMessages: ['children must finish before their parent is submitted'] });
    childResults.set(child, result);
  }
  const io: JobIo = {
    workDir: ctx.workDir,
    async readChildOutput(childId, name) {
      const output = childResults.get(childId)?.outputs[name];
      if (!output) throw new ProverError(`child ${childId} has no output "${name}"`);
      const bytes = await store.get(output.key);
      if (bytes === undefined) throw new ProverError(`child output ${output.key} disappeared`);
      return bytes;
    },
    async readInput(name) {
      const key = spec.inputs[name];
      if (key === undefined) throw new ProverError(`job ${spec.id} has no input "${name}"`);
      const bytes = await store.get(key);
      if (bytes === undefined) throw new ProverError(`input ${name} is missing at ${key}`);
      return bytes;
    },
  };
  const prepared = await adapter.prepare(spec, io);
  return runPreparedProof(spec.id, ctx.backend, prepared, ctx);
}
