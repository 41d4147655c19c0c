/**
 * How long each job type proves, per profile: the model's default inputs, and the `--durations FILE` format.
 *
 * A table gives seconds per job type measured on `referenceVcpus` vCPUs. A job runs on its resource class's
 * vCPUs (lib/protocols/<profile>/...-table), so the model scales: seconds × (referenceVcpus / vcpus)^exponent.
 * bb's provers parallelise well but not perfectly: Aztec's CI thread benchmark (aztec-packages PR #7483:
 * sha256_100 proves 3.7× faster on 4 threads than 1, 2.2× faster on 16 than 4) gives an exponent of ~0.55 at
 * 4 → 16 threads; for 2^21–2^24 circuits on 16 → 64 vCPUs we take 0.5 (estimate). Exponent 0 = no scaling.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors.ts';

export interface DurationTable {
  /** Where the numbers come from (printed with every result). */
  readonly source: string;
  /** vCPUs the seconds were measured on; undefined = on each job's own resource class (no scaling). */
  readonly referenceVcpus?: number;
  /** Seconds per job type. */
  readonly seconds: Readonly<Record<string, number>>;
}

export const DEFAULT_THREAD_SCALING_EXPONENT = 0.5;

/**
 * Devnet, measured on the 2-vCPU VM with real bb through the local runtime (executor wall per job: bb plus
 * ~0.6 s of container start, inputs and uploads): docs/benchmarks.md (TUBE/BASE median 20.4 s of bb, the
 * critical path TUBE → BASE → BLOCK_ROOT → ROOT 100.7 s of wall) and ARCHITECTURE §4 (a two-proof verifier
 * proves in ~38 s, the one-proof root in ~18 s). Every devnet class has 2 vCPUs, so no scaling applies.
 */
const DEVNET_DURATIONS: DurationTable = {
  source: 'devnet, measured on a 2-vCPU VM (docs/benchmarks.md, ARCHITECTURE §4)',
  seconds: { TUBE: 21, BASE: 21, MERGE: 39, BLOCK_ROOT: 39, BLOCK_MERGE: 39, ROOT: 20 },
};

/**
 * Aztec on a 64-vCPU agent (issue 14: Aztec's published per-circuit times — AVM 180 s, public base 44.5 s,
 * tx merge 10 s, block root ~35 s, checkpoint root 37 s, root 93 s). Derived from the issue's critical paths
 * (all-private 295 s, 50 % public 490 s for 32 × 72 txs): private base 30 s, checkpoint merge 10 s.
 * Estimates by circuit size (ARCHITECTURE §3 log2 sizes): block merge 2^21 ≈ tx merge; chonk verifier 2^22 ≈
 * private base; parity 2.27M gates ≈ 20 s; padding 2^12 ≈ 1 s (1.1 s measured natively on 2 vCPUs).
 */
const AZTEC_DURATIONS: DurationTable = {
  source: "aztec, Aztec's per-circuit times on a 64-vCPU agent (issue 14; some by circuit size)",
  referenceVcpus: 64,
  seconds: {
    PUBLIC_VM: 180,
    PUBLIC_CHONK_VERIFIER: 30,
    PRIVATE_TX_BASE_ROLLUP: 30,
    PUBLIC_TX_BASE_ROLLUP: 44.5,
    TX_MERGE_ROLLUP: 10,
    BLOCK_ROOT_FIRST_ROLLUP: 35,
    BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP: 35,
    BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP: 35,
    BLOCK_ROOT_ROLLUP: 35,
    BLOCK_ROOT_SINGLE_TX_ROLLUP: 35,
    BLOCK_MERGE_ROLLUP: 10,
    CHECKPOINT_ROOT_ROLLUP: 37,
    CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP: 37,
    CHECKPOINT_PADDING_ROLLUP: 1,
    CHECKPOINT_MERGE_ROLLUP: 10,
    ROOT_ROLLUP: 93,
    PARITY_BASE: 20,
    PARITY_ROOT: 20,
  },
};

export function defaultDurations(profile: string): DurationTable {
  if (profile === 'devnet') return DEVNET_DURATIONS;
  if (profile === 'aztec') return AZTEC_DURATIONS;
  throw new InputError(`no default durations for profile ${JSON.stringify(profile)}`);
}

/** Seconds of `type` on `vcpus` vCPUs. */
export function scaledSeconds(table: DurationTable, type: string, vcpus: number, exponent: number): number {
  const seconds = table.seconds[type];
  if (seconds === undefined) {
    throw new InputError(`durations (${table.source}) have no entry for job type ${type}`, {
      metaMessages: [`known: ${Object.keys(table.seconds).join(', ')}`],
    });
  }
  if (table.referenceVcpus === undefined || exponent === 0) return seconds;
  return seconds * (table.referenceVcpus / vcpus) ** exponent;
}

const durationsFileSchema = z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'job types are UPPER_SNAKE_CASE'), z.number().finite().nonnegative());

/**
 * `--durations FILE`: a JSON object job type → seconds on the job's own resource class (what a run's
 * result.json measures). Types it leaves out keep `base`'s values (scaled as `base` says).
 */
export async function readDurationsFile(path: string, base: DurationTable, vcpusOf: (type: string) => number, exponent: number): Promise<DurationTable> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InputError(`--durations: cannot read ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new InputError(`--durations: ${path} is not JSON`, { cause });
  }
  const parsed = durationsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(`--durations: ${path} must be a JSON object of job type → seconds (≥ 0)`, {
      metaMessages: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    });
  }
  const unknown = Object.keys(parsed.data).filter((type) => !(type in base.seconds));
  if (unknown.length > 0) {
    throw new InputError(`--durations: ${path} names job types this profile does not have: ${unknown.join(', ')}`, {
      metaMessages: [`known: ${Object.keys(base.seconds).join(', ')}`],
    });
  }
  return overrideDurations(base, parsed.data, `${path} (+ ${base.source})`, vcpusOf, exponent);
}

/** `base` with some types' seconds replaced by seconds measured on each type's own class. */
export function overrideDurations(
  base: DurationTable,
  onClass: Readonly<Record<string, number>>,
  source: string,
  vcpusOf: (type: string) => number,
  exponent: number,
): DurationTable {
  const seconds: Record<string, number> = {};
  for (const type of Object.keys(base.seconds)) {
    const measured = onClass[type];
    // Everything in the result is "on the job's own class", so scale the base's figures there first.
    seconds[type] = measured ?? scaledSeconds(base, type, vcpusOf(type), exponent);
  }
  return { source, seconds };
}
