/**
 * The fault plan of a chaos drill (`prover local --chaos <seed>`): which faults, where and when, drawn from a
 * seeded PRNG so the same seed always gives the same plan. Pure: no clock, no I/O.
 *
 * Faults are keyed to what every devnet run has (the job types TUBE → BASE → BLOCK_ROOT → ROOT, the first poll,
 * the Submit step), not to wall-clock times, so a plan is realizable whatever the machine's speed: each fault is
 * armed until its trigger first happens, then fires once.
 */
import { seededRandom } from '../../seeded-random.ts';

export const FAULT_KINDS = [
  'kill-job',
  'spot-reclaim',
  'corrupt-output',
  'lose-result',
  'l1-rpc-one-down',
  'l1-rpc-all-down',
  'duplicate-poll',
  'prove-block-race',
  'proof-window-closing',
  'l1-tx-response-lost',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Job types every devnet run has, in proving order. */
export const DEVNET_JOB_TYPES = ['TUBE', 'BASE', 'BLOCK_ROOT', 'ROOT'] as const;
export type DevnetJobType = (typeof DEVNET_JOB_TYPES)[number];

export type PlannedFault =
  | { readonly id: string; readonly kind: 'kill-job'; readonly jobType: DevnetJobType; readonly afterMs: number }
  | { readonly id: string; readonly kind: 'spot-reclaim'; readonly jobOrdinal: number; readonly instanceId: string }
  | { readonly id: string; readonly kind: 'corrupt-output'; readonly jobType: DevnetJobType; readonly output: 'proof' | 'public_inputs'; readonly offsetFraction: number }
  | { readonly id: string; readonly kind: 'lose-result'; readonly jobType: DevnetJobType }
  | { readonly id: string; readonly kind: 'l1-rpc-one-down'; readonly untilJobType: DevnetJobType }
  | { readonly id: string; readonly kind: 'l1-rpc-all-down'; readonly durationMs: number }
  | { readonly id: string; readonly kind: 'duplicate-poll'; readonly delayMs: number }
  | { readonly id: string; readonly kind: 'prove-block-race'; readonly first: 'poller' | 'prove-block'; readonly skewMs: number }
  | { readonly id: string; readonly kind: 'proof-window-closing'; readonly secondsLeft: number }
  | { readonly id: string; readonly kind: 'l1-tx-response-lost' };

export interface FaultPlan {
  readonly seed: number;
  readonly faults: readonly PlannedFault[];
}

/** A seed from the command line: a uint32 as given, anything else hashed (FNV-1a). */
export function parseSeed(text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  let h = 0x811c9dc5;
  for (const ch of text) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function planFaults(seed: number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultPlan {
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  // Draw every kind's parameters in a fixed order (whether or not it is selected), so dropping a kind from
  // `kinds` leaves the others' points unchanged.
  const corruptType = pick(DEVNET_JOB_TYPES);
  const all: PlannedFault[] = [
    { id: 'F1', kind: 'kill-job', jobType: pick(DEVNET_JOB_TYPES), afterMs: int(2_000, 8_000) },
    { id: 'F2', kind: 'spot-reclaim', jobOrdinal: int(1, DEVNET_JOB_TYPES.length), instanceId: `i-${hex(17)}` },
    { id: 'F3', kind: 'corrupt-output', jobType: corruptType, output: pick(['proof', 'public_inputs'] as const), offsetFraction: Math.round(rand() * 1000) / 1000 },
    // Another job than the corrupted one: two faults on one job would be detected as one.
    { id: 'F4', kind: 'lose-result', jobType: pick(DEVNET_JOB_TYPES.filter((t) => t !== corruptType)) },
    { id: 'F5', kind: 'l1-rpc-one-down', untilJobType: pick(DEVNET_JOB_TYPES) },
    { id: 'F6', kind: 'l1-rpc-all-down', durationMs: int(5_000, 15_000) },
    { id: 'F7', kind: 'duplicate-poll', delayMs: int(0, 3_000) },
    { id: 'F8', kind: 'prove-block-race', first: pick(['poller', 'prove-block'] as const), skewMs: int(0, 50) },
    { id: 'F9', kind: 'proof-window-closing', secondsLeft: int(240, 480) },
    // Appended (draws nothing): the earlier kinds' points stay where they were for every seed.
    { id: 'F10', kind: 'l1-tx-response-lost' },
  ];
  return { seed, faults: all.filter((f) => kinds.includes(f.kind)) };
}

/** One line per fault: what will happen, and where. */
export function describeFault(f: PlannedFault): string {
  switch (f.kind) {
    case 'kill-job':
      return `SIGKILL the first ${f.jobType} job's process (and its bb) once bb is proving, ≥ ${f.afterMs} ms into the attempt`;
    case 'spot-reclaim':
      return `job #${f.jobOrdinal} to start: its first attempt fails as "Host EC2 (instance ${f.instanceId}) terminated."; Batch retries`;
    case 'corrupt-output':
      return `overwrite byte ${f.offsetFraction} of the first finished ${f.jobType} job's ${f.output} in S3, before anything reads it`;
    case 'lose-result':
      return `delete the first finished ${f.jobType} job's result.json from S3, before anything reads it`;
    case 'l1-rpc-one-down':
      return `primary L1 RPC URL down from the first poll until the first ${f.untilJobType} job exits (the fallback URL stays up)`;
    case 'l1-rpc-all-down':
      return `every L1 RPC URL down for ${f.durationMs} ms, starting when the root proof is ready for Submit`;
    case 'duplicate-poll':
      return `a second poll ${f.delayMs} ms after the first, while the run is running`;
    case 'prove-block-race':
      return `a manual prove-block of the same range races the first poll (${f.first} first, ${f.skewMs} ms apart)`;
    case 'proof-window-closing':
      return `L1 time jumps so that ${f.secondsLeft} s are left in the proof window when Submit starts`;
    case 'l1-tx-response-lost':
      return `the primary L1 URL drops the response to Submit's first eth_sendRawTransaction (anvil mines it; the prover never hears)`;
  }
}

export function formatPlan(plan: FaultPlan): string {
  return [`chaos plan (seed ${plan.seed}):`, ...plan.faults.map((f) => `  ${f.id} ${f.kind.padEnd(21)} ${describeFault(f)}`)].join('\n');
}
