/**
 * `prover plan`: print the proving job graph a range of blocks would need, without proving anything.
 * Pure (no AWS, no S3): handy to inspect tree shapes and the state machine's levels.
 */
import { createHash } from 'node:crypto';

import type { Command } from 'commander';

import { InputError } from '../errors.ts';
import { criticalPath } from '../proving/critical-path.ts';
import { planLevels } from '../proving/levels.ts';
import type { BlockShape, PlannedJob, ProtocolProfile, TxShape } from '../proving/profile.ts';
import { PROFILE_NAMES } from '../profile-names.ts';
import { getProfile } from '../protocols/registry.ts';

export interface PlanOptions {
  readonly profile: string;
  /** Comma-separated blocks, see HELP. */
  readonly txs: string;
  readonly from?: string;
  readonly checkpoints?: string;
}

export interface PlanReport {
  readonly profile: string;
  readonly blocks: readonly BlockShape[];
  readonly jobs: readonly PlannedJob[];
  readonly root: string;
  readonly levels: number;
  /** Job ids from a leaf to the root along the longest chain (every job counted as 1). */
  readonly criticalPath: readonly string[];
  /** Items per level, level 0 first. */
  readonly levelSizes: readonly number[];
}

const HELP = `
Blocks (--txs): one comma-separated item per block, in order from --from. An item is a tx count, or counts
per tx kind joined with '+': <count><kind>, where <kind> is any unique prefix of the profile's tx kinds and
may be left out for the first kind (devnet: tx; aztec: private, public).
  --profile devnet --txs 5,3          two blocks of 5 and 3 txs
  --profile aztec  --txs 3+2pub,1     block 1: 3 private then 2 public txs; block 2: 1 private tx
  --profile aztec  --txs 0,2 --checkpoints 1,1
                                      an empty first block in checkpoint 1, then a 2-tx block in checkpoint 2
Checkpoints (--checkpoints, aztec only): blocks per checkpoint, numbered from 1; default: one checkpoint.
Tx hashes are synthetic and deterministic (same arguments, same job ids). The critical path counts jobs.
`;

export function register(program: Command): void {
  program
    .command('plan')
    .description('print the proving job graph for a range of blocks (no proving)')
    .requiredOption('--profile <name>', `protocol profile (${PROFILE_NAMES.join(' | ')})`)
    .requiredOption('--txs <blocks>', 'txs per block, comma-separated (see below)')
    .option('--from <block>', 'number of the first block', '1')
    .option('--checkpoints <counts>', 'aztec: blocks per checkpoint, comma-separated')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', HELP)
    .action((opts: PlanOptions & { json?: boolean }) => {
      const report = buildPlanReport(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(toJson(report), null, 2)}\n` : formatPlanReport(report));
    });
}

export function buildPlanReport(opts: PlanOptions): PlanReport {
  const profile = getProfile(opts.profile);
  const from = parseNonNegativeInt('--from', opts.from ?? '1');
  const txCounts = parseTxs(profile, opts.txs);
  const checkpointOf = parseCheckpoints(profile, opts.checkpoints, txCounts.length);
  const blocks: BlockShape[] = txCounts.map((kinds, b) => {
    const number = from + b;
    const txs: TxShape[] = kinds.map((kind, i) => ({ hash: syntheticTxHash(profile.name, number, i), kind }));
    const checkpoint = checkpointOf?.[b];
    return checkpoint === undefined ? { number, txs } : { number, txs, checkpoint };
  });
  const graph = profile.planRange(blocks);
  const levels = planLevels(graph, profile);
  return {
    profile: profile.name,
    blocks,
    jobs: graph.jobs,
    root: graph.root,
    levels: levels.length,
    criticalPath: criticalPath(graph, () => 1).path,
    levelSizes: levels.map((items) => items.length),
  };
}

export function formatPlanReport(report: PlanReport): string {
  const typeOf = new Map(report.jobs.map((j) => [j.id, j.type]));
  const counts = new Map<string, number>();
  for (const job of report.jobs) counts.set(job.type, (counts.get(job.type) ?? 0) + 1);
  const txCount = report.blocks.reduce((n, b) => n + b.txs.length, 0);
  const first = report.blocks[0]!.number;
  const last = report.blocks.at(-1)!.number;
  const width = Math.max(...[...counts.keys()].map((t) => t.length));
  return [
    `profile ${report.profile}: blocks ${first}..${last} (${report.blocks.length} blocks, ${txCount} txs)`,
    `jobs: ${report.jobs.length}`,
    ...[...counts].map(([type, n]) => `  ${type.padEnd(width)}  ${n}`),
    `levels: ${report.levels} (items per level: ${report.levelSizes.join(', ')})`,
    `depth: ${report.criticalPath.length} jobs: ${report.criticalPath.map((id) => typeOf.get(id)).join(' -> ')}`,
    `root: ${report.root}`,
    '',
  ].join('\n');
}

function toJson(report: PlanReport) {
  const { levelSizes: _sizes, ...rest } = report;
  return {
    ...rest,
    jobs: report.jobs.map((j) => {
      const base = { id: j.id, type: j.type, children: j.children, block: j.block };
      return j.tx === undefined ? base : { ...base, tx: j.tx };
    }),
  };
}

/** Tx kinds per block, from e.g. `5,3pub+2`. */
function parseTxs(profile: ProtocolProfile, spec: string): string[][] {
  const items = spec.split(',');
  return items.map((item, b) => {
    if (item.trim() === '') throw new InputError(`--txs: block ${b + 1} is empty (in ${JSON.stringify(spec)})`);
    return item.split('+').flatMap((part) => {
      const match = /^\s*(\d+)\s*([a-z]*)\s*$/.exec(part);
      if (!match) {
        throw new InputError(
          `--txs: ${JSON.stringify(part)} in block ${b + 1} is not <count>[<kind>] ` +
            `(kinds: ${profile.txKinds.join(', ')})`,
        );
      }
      const count = Number(match[1]);
      if (!Number.isSafeInteger(count) || count > 100_000) throw new InputError(`--txs: count ${match[1]} is too large`);
      return Array.from({ length: count }, () => resolveKind(profile, match[2]!));
    });
  });
}

function resolveKind(profile: ProtocolProfile, prefix: string): string {
  if (prefix === '') return profile.txKinds[0]!;
  const matches = profile.txKinds.filter((k) => k.startsWith(prefix));
  if (matches.length !== 1) {
    const why = matches.length === 0 ? 'matches no tx kind' : `is ambiguous (${matches.join(', ')})`;
    const kinds = profile.txKinds.join(', ');
    throw new InputError(`--txs: ${JSON.stringify(prefix)} ${why} of ${profile.name} (kinds: ${kinds})`);
  }
  return matches[0]!;
}

/** Checkpoint number (from 1) of each block, or undefined for "all in one checkpoint". */
function parseCheckpoints(profile: ProtocolProfile, spec: string | undefined, blocks: number): number[] | undefined {
  if (spec === undefined) return undefined;
  if (profile.name !== 'aztec') {
    throw new InputError(`--checkpoints: the ${profile.name} profile has one block per checkpoint; leave it out`);
  }
  const counts = spec.split(',').map((s) => parseNonNegativeInt('--checkpoints', s));
  if (counts.some((c) => c === 0)) {
    throw new InputError(`--checkpoints: every checkpoint needs at least one block (${spec})`);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== blocks) {
    throw new InputError(`--checkpoints: ${spec} adds up to ${total} blocks but --txs lists ${blocks}`);
  }
  return counts.flatMap((count, i) => Array.from({ length: count }, () => i + 1));
}

function parseNonNegativeInt(flag: string, value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new InputError(`${flag}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Deterministic stand-in for a tx hash (32 bytes, 0x-hex). */
function syntheticTxHash(profile: string, block: number, index: number): string {
  return `0x${createHash('sha256').update(`synthetic-tx:${profile}:${block}:${index}`).digest('hex')}`;
}
