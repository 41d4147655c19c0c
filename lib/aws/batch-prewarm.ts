/**
 * Pre-warm: raise the Batch compute environments' desired vCPUs ahead of the work, so the instances' cold start
 * (launch, boot, image pull — minutes) overlaps planning and the first jobs' submission instead of following it.
 * Called by the poller Lambda when it starts a run and by the proving broker at the first job of a new epoch.
 *
 *   1. DescribeComputeEnvironments: current desiredvCpus and maxvCpus of each environment.
 *   2. The target is filled in job-queue order, as the capacity model pre-warms: the first environment takes
 *      min(vcpus, its maxvCpus), what is left goes to the next. UpdateComputeEnvironment
 *      computeResources.desiredvCpus = that share — only when it is higher than the current desired count: never
 *      lowers it (Batch refuses a lower value anyway: "Manually scaling
 *      down compute environment is not supported", docs.aws.amazon.com/batch/latest/userguide/error-desired-vcpus-update.html).
 *      Idempotent: a second call finds the count already there and does nothing.
 *
 * The fall-back needs nothing from us: Batch "modifies [desiredvCpus] between the minimum and maximum values based
 * on job queue demand" (API reference, ComputeResource.desiredvCpus), so once no job needs the instances it scales
 * the environment back to minvCpus; pre-warmed instances that never ran a job are not even held for the
 * environment's minScaleDownDelayMinutes ("The scale down delay does not apply to … newly launched instances that
 * have not yet run any jobs", API reference, ComputeScalingPolicy). No scheduled scale-down is needed.
 *
 * IAM: the stack grants UpdateComputeEnvironment on its compute environments' ARNs and DescribeComputeEnvironments
 * on `*` (it has no resource-level permissions). Should the read still be refused (e.g. an SCP), the target's
 * maxVcpus stands in for the unread maxvCpus: each share is requested unread, which cannot lower anything because
 * Batch refuses a decrease.
 *
 * Never throws: pre-warm is an optimisation, so every failure (throttling after the SDK's retries, a missing
 * permission, an environment being updated) is logged and the poll or enqueue goes on.
 */
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  UpdateComputeEnvironmentCommand,
  type ComputeEnvironmentDetail,
} from '@aws-sdk/client-batch';
import type { CapacityWarmer } from '../broker/ports.ts';
import { describeError } from '../errors.ts';

/** The slice of the Batch client used here (a `BatchClient`, or a test double). */
export type BatchSend = Pick<BatchClient, 'send'>;

export interface PrewarmTarget {
  /** Compute environments to raise (ARNs or names), in job-queue order. */
  readonly computeEnvironments: readonly string[];
  /**
   * Desired vCPUs in all, filled in queue order: each environment up to its maxvCpus, the rest to the next (as
   * the capacity model pre-warms); 0 disables pre-warm.
   */
  readonly vcpus: number;
  /** The stack's maxVcpus per environment: the cap used only when DescribeComputeEnvironments is refused. */
  readonly maxVcpus?: number;
}

export type PrewarmAction =
  /** desiredvCpus raised from `from` to `to`. */
  | 'raised'
  /** desiredvCpus already at or above the target (or the environment's maximum): nothing to do. */
  | 'already'
  /** Not touched: disabled, unknown, not ENABLED/VALID (e.g. being updated), or not a managed EC2 environment. */
  | 'skipped'
  /** The call failed (logged); capacity scales on demand as without pre-warm. */
  | 'failed';

export interface PrewarmOutcome {
  readonly computeEnvironment: string;
  readonly action: PrewarmAction;
  readonly from?: number;
  readonly to?: number;
  readonly reason?: string;
}

export type PrewarmLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;

/** A Batch client for pre-warm: the SDK's standard retry mode backs off and retries throttling errors. */
export function prewarmBatchClient(): BatchClient {
  return new BatchClient({ retryMode: 'standard', maxAttempts: 5 });
}

/** Batch's answer to a desiredvCpus below the current one (docs: error-desired-vcpus-update). */
const SCALE_DOWN_REFUSED = /manually scaling down compute environment is not supported/i;

/** Raises the environments' desired vCPUs to the target, in queue order; see the module comment. Never throws. */
export async function prewarmComputeEnvironments(client: BatchSend, target: PrewarmTarget, log: PrewarmLog = () => {}): Promise<PrewarmOutcome[]> {
  const names = [...new Set(target.computeEnvironments)];
  if (target.vcpus <= 0 || names.length === 0) return names.map((computeEnvironment) => ({ computeEnvironment, action: 'skipped', reason: 'pre-warm disabled' }));
  let described: ComputeEnvironmentDetail[] | undefined;
  try {
    described = (await client.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: names }))).computeEnvironments ?? [];
  } catch (err) {
    log('warn', 'pre-warm: DescribeComputeEnvironments failed', { error: errorText(err), fallback: target.maxVcpus === undefined ? 'none' : `request shares of maxVcpus ${target.maxVcpus} unread` });
  }
  // Queue order, as the capacity model pre-warms (lib/model/capacity.ts): the first environment takes up to its
  // maxvCpus, the rest of the target goes to the next.
  const outcomes: PrewarmOutcome[] = [];
  let left = target.vcpus;
  for (const name of names) {
    if (left <= 0) {
      outcomes.push({ computeEnvironment: name, action: 'skipped', reason: 'target met by earlier environments' });
    } else if (described !== undefined) {
      const { outcome, share } = await raise(client, name, described.find((d) => d.computeEnvironmentArn === name || d.computeEnvironmentName === name), left);
      outcomes.push(outcome);
      left -= share;
    } else if (target.maxVcpus !== undefined) {
      // Without the current count, ask for the share anyway: Batch itself refuses to lower desiredvCpus.
      const share = Math.min(left, target.maxVcpus);
      outcomes.push(await update(client, name, undefined, share));
      left -= share;
    } else {
      outcomes.push({ computeEnvironment: name, action: 'failed', reason: 'DescribeComputeEnvironments failed' });
    }
  }
  for (const o of outcomes) {
    if (o.action === 'raised') log('info', 'pre-warm: raised desired vCPUs', { ...o });
    else if (o.action === 'failed') log('warn', 'pre-warm failed (capacity scales on demand instead)', { ...o });
  }
  return outcomes;
}

/** One environment: its outcome and the part of the target it holds (its share, even when already there). */
async function raise(client: BatchSend, name: string, detail: ComputeEnvironmentDetail | undefined, left: number): Promise<{ outcome: PrewarmOutcome; share: number }> {
  const skip = (reason: string, share = 0) => ({ outcome: { computeEnvironment: name, action: 'skipped' as const, reason }, share });
  if (!detail) return skip('no such compute environment');
  const resources = detail.computeResources;
  if (detail.type !== 'MANAGED' || !resources || resources.maxvCpus === undefined || resources.type?.startsWith('FARGATE')) {
    return skip('not a managed EC2/Spot compute environment');
  }
  const share = Math.min(left, resources.maxvCpus);
  if (detail.state !== 'ENABLED' || detail.status !== 'VALID') return skip(`state ${detail.state ?? '?'}, status ${detail.status ?? '?'}`, share);
  const current = resources.desiredvCpus ?? 0;
  if (current >= share) return { outcome: { computeEnvironment: name, action: 'already', from: current, to: current }, share };
  return { outcome: await update(client, name, current, share), share };
}

function errorText(err: unknown): string {
  return `${err instanceof Error ? `${err.name}: ` : ''}${describeError(err)}`;
}

async function update(client: BatchSend, name: string, from: number | undefined, to: number): Promise<PrewarmOutcome> {
  const known = from === undefined ? {} : { from };
  try {
    await client.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: name, computeResources: { desiredvCpus: to } }));
    return { computeEnvironment: name, action: 'raised', ...known, to };
  } catch (err) {
    const error = errorText(err);
    if (SCALE_DOWN_REFUSED.test(error)) return { computeEnvironment: name, action: 'already', ...known, reason: 'desired vCPUs already higher' };
    return { computeEnvironment: name, action: 'failed', ...known, to, reason: error };
  }
}

/** The pre-warm target from the environment the stack sets (PREWARM_VCPUS, PREWARM_COMPUTE_ENVIRONMENTS, PREWARM_MAX_VCPUS). */
export function prewarmTargetFromEnv(env: { readonly PREWARM_VCPUS?: number; readonly PREWARM_COMPUTE_ENVIRONMENTS?: readonly string[]; readonly PREWARM_MAX_VCPUS?: number | undefined }): PrewarmTarget {
  return {
    vcpus: env.PREWARM_VCPUS ?? 0,
    computeEnvironments: env.PREWARM_COMPUTE_ENVIRONMENTS ?? [],
    ...(env.PREWARM_MAX_VCPUS !== undefined ? { maxVcpus: env.PREWARM_MAX_VCPUS } : {}),
  };
}

/** The broker's CapacityWarmer on AWS (cloud mode of `prover aztec-broker`): pre-warms at an epoch's first job. */
export class BatchCapacityWarmer implements CapacityWarmer {
  constructor(
    private readonly client: BatchSend,
    readonly target: PrewarmTarget,
    private readonly log: PrewarmLog = () => {},
  ) {}

  async warm(epoch: number): Promise<void> {
    await prewarmComputeEnvironments(this.client, this.target, (level, message, fields) => this.log(level, message, { epoch, ...fields }));
  }
}

/** The stack output BrokerPrewarm (`{"vcpus", "computeEnvironments", "maxVcpus"}`) as a target; undefined when absent or off. */
export function parsePrewarmOutput(value: string | undefined): PrewarmTarget | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = JSON.parse(value) as { vcpus?: unknown; computeEnvironments?: unknown; maxVcpus?: unknown };
  const vcpus = Number(parsed.vcpus);
  const maxVcpus = Number(parsed.maxVcpus);
  const computeEnvironments = Array.isArray(parsed.computeEnvironments) ? parsed.computeEnvironments.filter((e): e is string => typeof e === 'string') : [];
  if (!Number.isInteger(vcpus) || vcpus <= 0 || computeEnvironments.length === 0) return undefined;
  return { vcpus, computeEnvironments, ...(Number.isInteger(maxVcpus) && maxVcpus > 0 ? { maxVcpus } : {}) };
}
