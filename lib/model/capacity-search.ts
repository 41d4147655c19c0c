/**
 * The inverse question: the smallest capacity that meets a deadline. Binary searches over the simulation —
 * maxVcpus (per compute environment) in steps of one instance, then the warm pool at that cap — assuming the
 * makespan does not grow with more capacity (true of this model up to scheduling noise).
 */
import { InputError } from '../errors.ts';
import { answer, type ModelAnswer, type Scenario } from './scenario.ts';
import type { Workload } from './workload.ts';

/** A cap no deployment reaches: "unlimited" for the model. */
export const UNLIMITED_VCPUS = 10_000_000;

export interface CapacityFinding {
  readonly value: number;
  readonly answer: ModelAnswer;
}

export interface CapacityPlan {
  readonly deadlineSeconds: number;
  /** With unlimited capacity: the design's floor. */
  readonly unlimited: ModelAnswer;
  /** Smallest maxVcpus meeting the deadline (warm pool as given); undefined when even unlimited misses it. */
  readonly maxVcpus?: CapacityFinding;
  /** At the scenario's own maxVcpus: the smallest warm pool meeting it (0 if none is needed); undefined when none does. */
  readonly warmVcpus?: CapacityFinding;
}

export function planCapacity(workload: Workload, scenario: Scenario, deadlineSeconds: number, step: number): CapacityPlan {
  if (!(deadlineSeconds > 0)) throw new InputError(`the deadline must be > 0 s, got ${deadlineSeconds}`);
  if (!Number.isSafeInteger(step) || step < 1) throw new InputError(`the vCPU step must be a positive integer, got ${step}`);
  const ask = (maxVcpus: number, warmVcpus: number) =>
    answer(workload, { ...scenario, deadlineSeconds, deployment: { ...scenario.deployment, maxVcpus, warmVcpus } }, undefined);
  const meets = (a: ModelAnswer) => a.makespanSeconds !== undefined && a.makespanSeconds <= deadlineSeconds;

  const warm = scenario.deployment.warmVcpus;
  const unlimited = ask(UNLIMITED_VCPUS, warm);
  const warmVcpus = smallestWarmPool(scenario.deployment.maxVcpus, step, ask, meets);
  const base = { deadlineSeconds, unlimited, ...(warmVcpus ? { warmVcpus } : {}) };
  if (!meets(unlimited)) return base;

  // Smallest cap: the largest job must fit, and more than the unlimited run's peak never helps.
  const largest = Math.max(...workload.jobs.map((j) => j.vcpus));
  let lo = Math.max(1, Math.ceil(Math.max(largest, warm) / step));
  let hi = Math.max(lo, Math.ceil(unlimited.peakVcpus / step));
  const top = ask(hi * step, warm);
  // The cap at the unlimited run's peak should meet it; if it does not, say nothing rather than guess.
  if (!meets(top)) return base;
  let found: CapacityFinding = { value: hi * step, answer: top };
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const a = ask(mid * step, warm);
    if (meets(a)) {
      hi = mid;
      found = { value: mid * step, answer: a };
    } else lo = mid + 1;
  }
  return { ...base, maxVcpus: found };
}

function smallestWarmPool(cap: number, step: number, ask: (maxVcpus: number, warmVcpus: number) => ModelAnswer, meets: (a: ModelAnswer) => boolean): CapacityFinding | undefined {
  const none = ask(cap, 0);
  if (meets(none)) return { value: 0, answer: none };
  let lo = 1;
  let hi = Math.floor(cap / step);
  if (hi < 1) return undefined;
  const full = ask(cap, hi * step);
  if (!meets(full)) return undefined;
  let found: CapacityFinding = { value: hi * step, answer: full };
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const a = ask(cap, mid * step);
    if (meets(a)) {
      hi = mid;
      found = { value: mid * step, answer: a };
    } else lo = mid + 1;
  }
  return found;
}
