/**
 * `prover prove-block` argument and range validation against a real DevnetRollup on anvil. Every case here
 * must fail before any AWS call: the AWS endpoint is a dead port, so a command that got as far as Step
 * Functions would fail with a connection error instead of the InputError asserted. The runs started on
 * LocalStack's Step Functions are in test/localstack/prove-block.test.ts.
 */
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Address } from 'viem';
import { proveBlock, register, type ProveBlockOptions } from '../../lib/cli/prove-block.ts';
import { InputError } from '../../lib/errors.ts';
import { devnetRollupSubmitter, devnetRollupView } from '../../lib/l1/devnet-rollup-port.ts';
import { LocalExecutions } from '../../lib/local/executions.ts';
import { pollOnce } from '../../lib/pipeline/poll.ts';
import { BlockNotProposedError, RangeAlreadyProvenError } from '../../lib/pipeline/plan-run.ts';
import { rangeRun } from '../../lib/pipeline/run-name.ts';
import { runId as makeRunId } from '../../lib/proving/job-id.ts';
import { archiveOf, createL1Context, PROVER_ID, type L1Context } from '../l1/fixtures/l1-context.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:prover';
/** Any AWS call fails fast with ECONNREFUSED. */
Object.assign(process.env, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1' });
/** The command's environment: nothing from the shell (RPC_URLS, PROVER_*) leaks in. */
const NO_ENV = {};

let ctx: L1Context;
/** Blocks 1..3 proposed, block 1 proven. */
let rollup: Address;
let l1: ProveBlockOptions;

beforeAll(async () => {
  ctx = await createL1Context();
  rollup = await ctx.deployRollup();
  await ctx.proposeBlocks(rollup, 1n, 3n);
  const { proof, publicInputs } = await ctx.root.prove({ previousArchive: archiveOf(0n), endArchive: archiveOf(1n), fromBlock: 1n, toBlock: 1n, proverId: PROVER_ID });
  await devnetRollupSubmitter(ctx.prover, rollup).submitRootProof({ fromBlock: 1n, toBlock: 1n, publicInputs: Buffer.concat(publicInputs.map((h) => Buffer.from(h.slice(2), 'hex'))), proof });
  l1 = { rpcUrl: [ctx.anvil.rpcUrl], rollup, stateMachineArn: ARN };
}, 300_000);
afterAll(async () => ctx?.close());

const prove = (block: string, opts: ProveBlockOptions, env: Record<string, string> = NO_ENV) => proveBlock(block, opts, { env, say: () => {} });

describe('prover prove-block: validation before anything starts', () => {
  it.each([
    { block: '3', opts: { to: '2' }, message: 'blocks 3..2: the range is inverted (--to 2 is below 3)' },
    { block: '2', opts: { to: '34' }, message: 'blocks 2..34 are 33 blocks; a run proves at most 32 (--max-blocks, default config maxBlocksPerRun)' },
    { block: '2', opts: { to: '3', maxBlocks: '1' }, message: 'blocks 2..3 are 2 blocks; a run proves at most 1 (--max-blocks, default config maxBlocksPerRun)' },
    { block: '0', opts: {}, message: '<n>: expected a positive integer, got "0"' },
    { block: 'x', opts: {}, message: '<n>: expected a positive integer, got "x"' },
    { block: '2', opts: { to: '-3' }, message: '--to: expected a positive integer, got "-3"' },
    { block: '2', opts: { wait: true, timeout: '0' }, message: '--timeout: expected a positive integer, got "0"' },
    { block: '2', opts: { local: true }, message: '--local: there is no local devnet to prove on outside `prover local`' },
    { block: '2', opts: { stateMachineArn: 'arn:aws:lambda:us-east-1:123456789012:function:x' }, message: '--state-machine-arn: "arn:aws:lambda:us-east-1:123456789012:function:x" is not a state machine ARN' },
    { block: '2', opts: { rpcUrl: [] }, message: 'no L1 RPC URL: pass --rpc-url <url>, or set RPC_URLS (or config rpcUrls)' },
    { block: '2', opts: { rpcUrl: ['ftp://x'] }, message: 'L1 RPC URL "ftp://x" is not an http(s):// URL' },
    { block: '2', opts: { rollup: '' }, message: 'no rollup address: pass --rollup <address>, or set ROLLUP_ADDRESS (or config rollupAddress)' },
    { block: '2', opts: { rollup: '0x1234' }, message: 'rollup address "0x1234" is not a 0x-prefixed 20-byte address' },
  ])('$block $opts → $message', async ({ block, opts, message }) => {
    const err = await prove(block, { ...l1, ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).shortMessage).toBe(message);
  });

  it('checks the range against L1: not proposed, already proven, overlapping the proven tip', async () => {
    await expect(prove('3', { ...l1, to: '4' })).rejects.toThrow(new BlockNotProposedError('block 4 is not proposed yet (L1 pending tip is 3)'));
    await expect(prove('1', l1)).rejects.toThrow(new RangeAlreadyProvenError('blocks 1..1 are already proven on L1 (proven tip 1)'));
    await expect(prove('1', { ...l1, to: '2' })).rejects.toThrow('range 1..2 overlaps proven blocks (L1 proven tip 1); start at 2');
  });

  it('a valid range gets as far as Step Functions (here: a dead endpoint), reading L1 from RPC_URLS / ROLLUP_ADDRESS', async () => {
    const env = { RPC_URLS: `http://127.0.0.1:9, ${ctx.anvil.rpcUrl}`, ROLLUP_ADDRESS: rollup };
    const err = await prove('2', { to: '3', stateMachineArn: ARN }, env).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(/ECONNREFUSED|127\.0\.0\.1:9/);
    // The same env with block 4 fails on L1 instead: the env's rollup was read (past the dead first RPC URL).
    await expect(prove('4', { stateMachineArn: ARN }, env)).rejects.toThrow(BlockNotProposedError);
  });

  it('refuses a profile the registry does not know', async () => {
    const err = await prove('2', l1, { PROVER_PROFILE: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/profile/);
  });

  it('without --state-machine-arn it reads the stack outputs, naming the stack when that fails', async () => {
    const err = await prove('2', { rpcUrl: [ctx.anvil.rpcUrl], rollup, stack: 'MyProver' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^could not read the outputs of stack MyProver\n {2}region: us-east-1\n {2}deploy it \(npx cdk deploy\), or pass --stack <name> \/ --state-machine-arn <arn>/);
  });
});

describe('prover prove-block: the run name is the poller\'s', () => {
  it('same range, same name (run id over the L1 archives); after a failed attempt both pick -r2', async () => {
    const view = devnetRollupView(ctx.sequencer, rollup);
    const expected = makeRunId('devnet', 2, 3, [archiveOf(2n), archiveOf(3n)]);
    const fail = new LocalExecutions(async () => {
      throw new Error('prover crashed');
    });
    const polled = await pollOnce({ profile: 'devnet', rollup: view, executions: fail, maxBlocksPerRun: 2, maxRunsPerPoll: 1 });
    expect(polled.started).toEqual([expected]);
    await fail.wait(expected);
    const retry = await rangeRun({ profile: 'devnet', rollup: view, executions: fail, fromBlock: 2n, toBlock: 3n, maxAttempts: Number.POSITIVE_INFINITY });
    expect(retry).toEqual({ runId: expected, name: `${expected}-r2`, attempt: 2, status: undefined, input: { fromBlock: 2, toBlock: 3 } });
    expect((await pollOnce({ profile: 'devnet', rollup: view, executions: fail, maxBlocksPerRun: 2, maxRunsPerPoll: 1 })).started).toEqual([`${expected}-r2`]);
    // Running (or finished) names are reported with their status, and not started again.
    const running = await rangeRun({ profile: 'devnet', rollup: view, executions: { status: async () => 'RUNNING' }, fromBlock: 2n, toBlock: 3n, maxAttempts: 3 });
    expect([running.name, running.status]).toEqual([expected, 'RUNNING']);
  });
});

describe('prover prove-block through commander', () => {
  async function run(args: string[]): Promise<{ out: string; error: unknown }> {
    const program = new Command('prover').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    register(program, NO_ENV);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(['prove-block', ...args], { from: 'user' });
      return { out, error: undefined };
    } catch (error) {
      return { out, error };
    } finally {
      spy.mockRestore();
    }
  }

  it('--help lists every flag', async () => {
    const { out, error } = await run(['--help']);
    expect((error as CommanderError).code).toBe('commander.helpDisplayed');
    for (const flag of ['<n>', '--to <m>', '--max-blocks <k>', '--wait', '--timeout <minutes>', '--json', '--local', '--rpc-url <url>', '--rollup <address>', '--state-machine-arn <arn>', '--stack <name>', '--bucket <name>']) {
      expect(out).toContain(flag);
    }
  });

  it('parses repeated --rpc-url and reports a bad range as an InputError, printing nothing', async () => {
    const { out, error } = await run(['2', '--to', '5', '--rpc-url', 'http://127.0.0.1:9', '--rpc-url', ctx.anvil.rpcUrl, '--rollup', rollup, '--state-machine-arn', ARN]);
    expect(error).toBeInstanceOf(BlockNotProposedError);
    expect(out).toBe('');
  });
});
