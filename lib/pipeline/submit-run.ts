/**
 * Submit: the last step of every run. Loads the root proof, re-reads L1 (already proven? reorged? past the
 * proof window? a previous range still unproven?), then sends the proof once and waits for its receipt.
 *
 * Never twice: submission.json records the outcome, so a re-run finds it; if we crashed while waiting for the
 * receipt, the transaction is either still pending (a second send is refused) or mined (L1's proven tip makes
 * the re-run a no-op); and L1 itself rejects a replay (AlreadyProven).
 */
import { z } from 'zod';
import { InputError, ProverError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { findFinishedResult } from '../proving/job-runner.ts';
import { submissionKey } from '../proving/keys.ts';
import { readPlan } from './plan-run.ts';
import type { RollupSubmitter } from './rollup-view.ts';

export const submissionSchema = z.object({
  runId: z.string(),
  fromBlock: z.number().int(),
  toBlock: z.number().int(),
  status: z.enum(['confirmed', 'already-proven']),
  transactionHash: z.string().optional(),
  gasUsed: z.string().optional(),
  l1Block: z.string().optional(),
  at: z.string(),
});
export type Submission = z.infer<typeof submissionSchema>;

export type SubmitOutcome = Submission & { readonly noop: boolean; readonly message: string };

/** A previous range is not proven yet: L1 accepts ranges in order, so wait and try again (Step Functions Retry). */
export class ProofGapError extends ProverError {
  override name = 'ProofGapError';
  constructor(message: string) {
    super(message, { retryable: true });
  }
}
export class ProofWindowExpiredError extends InputError {
  override name = 'ProofWindowExpiredError';
}
export class ReorgedError extends InputError {
  override name = 'ReorgedError';
}

export interface SubmitRunParameters {
  readonly runId: string;
  readonly store: ArtifactStore;
  readonly rollup: RollupSubmitter;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export async function submitRun(params: SubmitRunParameters): Promise<SubmitOutcome> {
  const { runId, store, rollup } = params;
  const log = params.log ?? (() => {});
  const previous = await store.get(submissionKey(runId));
  if (previous !== undefined) {
    const done = submissionSchema.parse(JSON.parse(Buffer.from(previous).toString('utf8')));
    const message = `run ${runId} was already submitted (${done.status}${done.transactionHash ? ` in ${done.transactionHash}` : ''}); nothing to do`;
    log(message, { ...done });
    return { ...done, noop: true, message };
  }

  const plan = await readPlan(store, runId);
  if (!plan) throw new InputError(`run ${runId} has no plan: nothing to submit`);
  const { fromBlock, toBlock } = plan;
  const root = await findFinishedResult(store, plan.root);
  if (!root) throw new InputError(`run ${runId}: the root proof (job ${plan.root}) is missing or corrupt; prove it first`);
  const proofKey = root.outputs['proof']?.key;
  const inputsKey = root.outputs['public_inputs']?.key;
  const proof = proofKey ? await store.get(proofKey) : undefined;
  const publicInputs = inputsKey ? await store.get(inputsKey) : undefined;
  if (!proof || !publicInputs) throw new InputError(`run ${runId}: root job ${plan.root} has no proof/public_inputs outputs`);

  const tips = await rollup.readTips();
  if (tips.proven >= BigInt(toBlock)) {
    return record(store, log, { runId, fromBlock, toBlock, status: 'already-proven', at: new Date().toISOString() }, true,
      `blocks ${fromBlock}..${toBlock} are already proven on L1 (proven tip ${tips.proven}); not submitting`);
  }
  if (tips.proven < BigInt(fromBlock - 1)) {
    throw new ProofGapError(`blocks ${tips.proven + 1n}..${fromBlock - 1} are not proven yet; L1 accepts ranges in order, will retry`);
  }
  if (tips.proven >= BigInt(fromBlock)) {
    throw new InputError(`L1 proven tip ${tips.proven} is inside ${fromBlock}..${toBlock}: this run's range is stale, plan from ${tips.proven + 1n}`);
  }
  const endProposal = await rollup.blockProposal(BigInt(toBlock));
  if (BigInt(endProposal.archive) !== BigInt(plan.endArchive)) {
    throw new ReorgedError(`block ${toBlock} changed on L1 since planning (archive ${endProposal.archive}, planned ${plan.endArchive}); re-plan the range`);
  }
  const secondsLeft = await rollup.secondsLeftToProve(BigInt(fromBlock));
  if (secondsLeft !== undefined && secondsLeft < 0n) {
    throw new ProofWindowExpiredError(`the proof window for block ${fromBlock} closed ${-secondsLeft}s ago; L1 would reject the proof`);
  }
  if (await rollup.hasPendingTransaction()) {
    throw new ProverError('a transaction from the submitter is still pending on L1; not sending another', { retryable: true });
  }

  log('submitting root proof', { runId, fromBlock, toBlock, proofBytes: proof.length });
  let sent: Awaited<ReturnType<RollupSubmitter['submitRootProof']>>;
  try {
    sent = await rollup.submitRootProof({ fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock), publicInputs, proof });
  } catch (err) {
    // The send may have landed although its answer was lost (found by the chaos drill: a dropped response, then
    // viem's fallback transport resends the signed tx and the node answers "nonce too low"). L1 decides.
    const after = await rollup.readTips().catch(() => undefined);
    if (after === undefined || after.proven < BigInt(toBlock)) throw err;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return record(store, log, { runId, fromBlock, toBlock, status: 'already-proven', at: new Date().toISOString() }, false,
      `the send reported "${reason}", but L1 shows blocks ${fromBlock}..${toBlock} proven (proven tip ${after.proven}): a send landed; not sending again`);
  }
  return record(store, log, {
    runId, fromBlock, toBlock, status: 'confirmed', transactionHash: sent.transactionHash, gasUsed: sent.gasUsed.toString(), l1Block: sent.l1Block.toString(), at: new Date().toISOString(),
  }, false, `proved blocks ${fromBlock}..${toBlock} on L1 in ${sent.transactionHash} (gas ${sent.gasUsed})`);
}

async function record(store: ArtifactStore, log: NonNullable<SubmitRunParameters['log']>, submission: Submission, noop: boolean, message: string): Promise<SubmitOutcome> {
  await store.put(submissionKey(submission.runId), Buffer.from(JSON.stringify(submission, null, 2)), { contentType: 'application/json' });
  log(message, { ...submission });
  return { ...submission, noop, message };
}
