import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';

import { buildPlanReport, formatPlanReport, register } from '../../lib/cli/plan.ts';

/** Runs `prover plan …` through commander and returns what it printed. */
async function runPlan(args: string[]): Promise<string> {
  const program = new Command('prover').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['plan', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('prover plan', () => {
  it('prints the JSON plan: one block per --txs item, deterministic ids', async () => {
    const json = JSON.parse(await runPlan(['--profile', 'devnet', '--txs', '5,3', '--from', '7', '--json']));
    expect(Object.keys(json).sort()).toEqual(['blocks', 'criticalPath', 'jobs', 'levels', 'profile', 'root']);
    expect(json.profile).toBe('devnet');
    expect(json.blocks.map((b: { number: number; txs: unknown[] }) => [b.number, b.txs.length])).toEqual([[7, 5], [8, 3]]);
    expect(json.jobs).toHaveLength(5 + 3 + 5 + 3 + 3 + 1 + 2 + 1 + 1); // tubes, bases, merges, block roots, block merge, root
    expect(json.jobs.find((j: { id: string }) => j.id === json.root).type).toBe('ROOT');
    expect(json.criticalPath.at(-1)).toBe(json.root);
    expect(json.levels).toBe(6); // [tube>base], merge, merge (block 7's 4-leaf subtree), block root, block merge, root
    const again = JSON.parse(await runPlan(['--profile', 'devnet', '--txs', '5,3', '--from', '7', '--json']));
    expect(again).toEqual(json);
  });

  it('parses aztec tx kinds and checkpoints', () => {
    const report = buildPlanReport({ profile: 'aztec', txs: '1+2pub,0', checkpoints: '1,1' });
    expect(report.blocks.map((b) => [b.checkpoint, b.txs.map((t) => t.kind)])).toEqual([
      [1, ['private', 'public', 'public']],
      [2, []],
    ]);
    const types = report.jobs.map((j) => j.type);
    expect(types.filter((t) => t === 'PUBLIC_VM')).toHaveLength(2);
    expect(types).toContain('BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP');
    expect(types.filter((t) => t === 'PARITY_ROOT')).toHaveLength(2);
    expect(types).not.toContain('CHECKPOINT_PADDING_ROLLUP');
  });

  it('prints a readable summary without --json', async () => {
    const text = await runPlan(['--profile', 'aztec', '--txs', '3']);
    expect(text).toMatch(/^profile aztec: blocks 1\.\.1 \(1 blocks, 3 txs\)/);
    expect(text).toMatch(/TX_MERGE_ROLLUP +1\n/);
    expect(text).toMatch(/PARITY_BASE +4\n/);
    expect(text).toMatch(/levels: \d+ \(items per level: /);
    expect(text).toMatch(/depth: 5 jobs: \w+ -> \w+ -> BLOCK_ROOT_FIRST_ROLLUP -> CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP -> ROOT_ROLLUP\n/);
    expect(formatPlanReport(buildPlanReport({ profile: 'aztec', txs: '3' }))).toBe(text);
  });

  it.each([
    [{ profile: 'devnet', txs: '0,x' }, /"x" in block 2 is not <count>\[<kind>\]/],
    [{ profile: 'devnet', txs: '0' }, /block 1 has no txs/],
    [{ profile: 'devnet', txs: '2,,1' }, /block 2 is empty/],
    [{ profile: 'devnet', txs: '-1' }, /not <count>\[<kind>\]/],
    [{ profile: 'nope', txs: '1' }, /unknown protocol profile "nope" \(known: devnet, aztec\)/],
    [{ profile: 'aztec', txs: '2p' }, /"p" is ambiguous \(private, public\)/],
    [{ profile: 'aztec', txs: '2z' }, /"z" matches no tx kind of aztec/],
    [{ profile: 'aztec', txs: '1,0' }, /only the first block of a checkpoint may be empty/],
    [{ profile: 'aztec', txs: '1,1', checkpoints: '1' }, /adds up to 1 blocks but --txs lists 2/],
    [{ profile: 'aztec', txs: '1,1', checkpoints: '2,0' }, /at least one block/],
    [{ profile: 'devnet', txs: '1', checkpoints: '1' }, /one block per checkpoint/],
    [{ profile: 'devnet', txs: '1', from: 'ten' }, /--from: expected a non-negative integer/],
  ])('rejects %j', (opts, error) => {
    expect(() => buildPlanReport(opts)).toThrow(error);
  });

  it('fails through commander with the same message', async () => {
    await expect(runPlan(['--profile', 'devnet', '--txs', '0,x'])).rejects.toThrow(/"x" in block 2/);
  });
});
