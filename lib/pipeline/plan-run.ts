/**
 * Plan: the first step of every run. From a block range it checks L1 (proposed? already proven?), reads the
 * txs from the tx source, checks them against L1's commitments, builds the proving DAG and its state-machine
 * levels, and writes job specs, level item lists and the plan to the store. It returns only keys and counts
 * (Step Functions payloads stay tiny at any scale).
 *
 * Idempotent: plan.json is written last; a re-run of the same run id finds it and returns the same answer,
 * and job specs are content-addressed (written only if absent).
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import { InputError, ProverError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { levelKey, planKey, jobSpecKey } from '../proving/keys.ts';
import { planLevels } from '../proving/levels.ts';
import type { BlockShape, JobGraph, ProtocolProfile } from '../proving/profile.ts';
import type { ProtocolJobSpec } from '../proving/job-spec.ts';
import { blockRecordKey, readBlockRecord, type BlockRecord } from './block-record.ts';
import type { RollupView } from './rollup-view.ts';

export interface PlanRunParameters {
  readonly runId: string;
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly profile: ProtocolProfile;
  readonly store: ArtifactStore;
  readonly rollup: RollupView;
  /** Largest range one run may prove (bounds the tree, the cost and the proof time). */
  readonly maxBlocks: number;
  /** Identity the root proof commits to (the submitter's address). */
  readonly proverId: `0x${string}`;
  /** S3 writes in flight at once (default PLAN_WRITE_CONCURRENCY). */
  readonly writeConcurrency?: number;
}

/**
 * Job specs and level lists written at once. One after another, at ~25 ms per PUT, an epoch's ~7,000 specs
 * took ~3 min (issue 14; 27,000 jobs would outlast the Lambda's timeout); 32 at a time is ~6 s, within the
 * SDK's 50 sockets and far below S3's per-prefix PUT rate.
 */
export const PLAN_WRITE_CONCURRENCY = 32;

const levelRefSchema = z.object({ level: z.number().int().nonnegative(), key: z.string(), count: z.number().int().positive() });
type LevelRef = z.infer<typeof levelRefSchema>;

export const planOutputSchema = z.object({
  runId: z.string(),
  fromBlock: z.number().int(),
  toBlock: z.number().int(),
  root: z.string(),
  jobs: z.number().int(),
  levels: z.array(levelRefSchema),
});
export type PlanOutput = z.infer<typeof planOutputSchema>;

export interface PlanRecord extends PlanOutput {
  readonly profile: string;
  readonly proverId: `0x${string}`;
  readonly previousArchive: string;
  readonly endArchive: string;
  readonly graph: JobGraph;
  readonly createdAt: string;
}

export class RangeAlreadyProvenError extends InputError {
  override name = 'RangeAlreadyProvenError';
}
export class BlockNotProposedError extends InputError {
  override name = 'BlockNotProposedError';
}

export async function readPlan(store: ArtifactStore, runId: string): Promise<PlanRecord | undefined> {
  const raw = await store.get(planKey(runId));
  return raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as PlanRecord);
}

function planOutputOf(record: PlanRecord): PlanOutput {
  const { runId, fromBlock, toBlock, root, jobs, levels } = record;
  return { runId, fromBlock, toBlock, root, jobs, levels };
}

export async function planRun(params: PlanRunParameters): Promise<PlanOutput> {
  const existing = await readPlan(params.store, params.runId);
  if (existing) return planOutputOf(existing);

  const { fromBlock, toBlock, profile, store } = params;
  await checkRangeAgainstL1(params);
  const records: BlockRecord[] = [];
  for (let n = fromBlock; n <= toBlock; n++) records.push(await readBlockRecord(store, profile.name, n));
  await checkRecordsAgainstL1(params.rollup, records);

  const shapes: BlockShape[] = records.map((r) => ({ number: r.number, txs: r.txs.map((t) => ({ hash: t.hash, kind: t.kind })) }));
  const graph = profile.planRange(shapes, { proverId: params.proverId });
  // The root commits to the prover id: a tiny content-addressed input object.
  const proverIdKey = `provers/${params.proverId.toLowerCase()}`;
  await store.putIfAbsent(proverIdKey, Buffer.from(params.proverId));
  const levels = planLevels(graph, profile);

  const byBlock = new Map(records.map((r) => [r.number, r]));
  const specs = graph.jobs.map((job): ProtocolJobSpec => {
    const record = byBlock.get(job.block);
    if (!record) throw new ProverError(`planner produced job ${job.id} for block ${job.block}, outside the range`);
    const circuit = profile.circuits[job.type];
    if (!circuit) throw new ProverError(`profile ${profile.name} has no circuit for job type ${job.type}`);
    const txInputs = job.tx === undefined ? {} : (record.txs[job.tx]?.inputs ?? {});
    return {
      kind: 'protocol',
      id: job.id,
      profile: profile.name,
      type: job.type,
      class: circuit.resourceClass,
      children: [...job.children],
      block: job.block,
      ...(job.tx === undefined ? {} : { tx: job.tx }),
      // Every job may read its block's record; leaf-chain jobs also get their tx's inputs.
      inputs: {
        ...record.inputs,
        ...txInputs,
        block: blockRecordKey(profile.name, job.block),
        ...(job.id === graph.root ? { prover_id: proverIdKey } : {}),
      },
    };
  });
  const limit = pLimit(params.writeConcurrency ?? PLAN_WRITE_CONCURRENCY);
  await Promise.all(specs.map((spec) => limit(() => store.putIfAbsent(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec, null, 2)), { contentType: 'application/json' }))));

  const levelRefs: LevelRef[] = levels.map((items, level) => ({ level, key: levelKey(params.runId, level), count: items.length }));
  await Promise.all(levelRefs.map((ref) => limit(() => store.put(ref.key, Buffer.from(JSON.stringify(levels[ref.level])), { contentType: 'application/json' }))));

  const first = records[0] as BlockRecord;
  const last = records.at(-1) as BlockRecord;
  const record: PlanRecord = {
    runId: params.runId,
    fromBlock,
    toBlock,
    root: graph.root,
    jobs: graph.jobs.length,
    levels: levelRefs,
    profile: profile.name,
    proverId: params.proverId,
    previousArchive: first.previousArchive,
    endArchive: last.archive,
    graph,
    createdAt: new Date().toISOString(),
  };
  // Last write: a plan.json means everything it names exists.
  await store.put(planKey(params.runId), Buffer.from(JSON.stringify(record)), { contentType: 'application/json' });
  return planOutputOf(record);
}

/** The range checks Plan makes before reading tx data (also `prover prove-block`'s, before it starts a run). */
export async function checkRangeAgainstL1(params: Pick<PlanRunParameters, 'fromBlock' | 'toBlock' | 'maxBlocks' | 'rollup'>): Promise<void> {
  const { fromBlock, toBlock, maxBlocks } = params;
  if (!Number.isSafeInteger(fromBlock) || !Number.isSafeInteger(toBlock) || fromBlock < 1) {
    throw new InputError(`invalid range ${fromBlock}..${toBlock}: block numbers start at 1`);
  }
  if (toBlock < fromBlock) throw new InputError(`invalid range ${fromBlock}..${toBlock}: the range is inverted`);
  const size = toBlock - fromBlock + 1;
  if (size > maxBlocks) throw new InputError(`range ${fromBlock}..${toBlock} has ${size} blocks; at most ${maxBlocks} per run (config maxBlocksPerRun)`);
  const tips = await params.rollup.readTips();
  if (BigInt(toBlock) > tips.pending) {
    throw new BlockNotProposedError(`block ${toBlock} is not proposed yet (L1 pending tip is ${tips.pending})`);
  }
  if (BigInt(toBlock) <= tips.proven) {
    throw new RangeAlreadyProvenError(`blocks ${fromBlock}..${toBlock} are already proven on L1 (proven tip ${tips.proven})`);
  }
  if (BigInt(fromBlock) <= tips.proven) {
    throw new InputError(`range ${fromBlock}..${toBlock} overlaps proven blocks (L1 proven tip ${tips.proven}); start at ${tips.proven + 1n}`);
  }
}

async function checkRecordsAgainstL1(rollup: RollupView, records: readonly BlockRecord[]): Promise<void> {
  for (const [i, record] of records.entries()) {
    const onL1 = await rollup.blockProposal(BigInt(record.number));
    if (BigInt(onL1.effectsHash) !== BigInt(record.effectsHash) || BigInt(onL1.archive) !== BigInt(record.archive)) {
      throw new InputError(`tx data for block ${record.number} does not match its L1 proposal`, {
        metaMessages: [`L1: effects ${onL1.effectsHash} archive ${onL1.archive}`, `tx source: effects ${record.effectsHash} archive ${record.archive}`],
      });
    }
    const previous = records[i - 1];
    if (previous && BigInt(previous.archive) !== BigInt(record.previousArchive)) {
      throw new InputError(`block ${record.number}'s previous archive does not match block ${previous.number}'s archive`);
    }
  }
}
