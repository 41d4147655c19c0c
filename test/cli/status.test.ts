/**
 * `prover status` argument validation and output formatting. Its runs on Step Functions and S3 are asserted
 * in test/localstack/prove-block.test.ts; here the AWS endpoint is a dead port, so every case must fail (or
 * format) without AWS.
 */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatRunStatus, register, runStatus, type RunStatus } from '../../lib/cli/status.ts';
import { InputError, ProverError } from '../../lib/errors.ts';

Object.assign(process.env, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1' });

const RUN = 'devnet-0000000003-0000000004-1a2b3c4d';
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prover';

describe('prover status', () => {
  it.each([
    { run: 'devnet-3-4', opts: { stateMachineArn: ARN }, message: '"devnet-3-4" is not a run name' },
    { run: `${RUN}-rx`, opts: { stateMachineArn: ARN }, message: `"${RUN}-rx" is not a run name` },
    { run: RUN, opts: { stateMachineArn: 'prover' }, message: '--state-machine-arn: "prover" is not a state machine ARN' },
    { run: RUN, opts: { stateMachineArn: ARN, bucket: 'No_Such' }, message: '--bucket: "No_Such" is not an S3 bucket name' },
  ])('$run $opts → $message', async ({ run, opts, message }) => {
    const err = await runStatus(run, opts, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).shortMessage).toBe(message);
  });

  it('reads the state machine from the stack outputs (config stackName by default) and says so when it cannot', async () => {
    const err = await runStatus(RUN, {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProverError);
    expect((err as ProverError).shortMessage).toBe('could not read the outputs of stack AztecProver');
    expect((err as ProverError).metaMessages).toEqual(['region: eu-west-1', 'deploy it (npx cdk deploy), or pass --stack <name> / --state-machine-arn <arn>']);
    const named = await runStatus(RUN, {}, { PROVER_STACK_NAME: 'Other' }).catch((e: unknown) => e);
    expect((named as ProverError).shortMessage).toBe('could not read the outputs of stack Other');
  });

  it('formats a failed run with its progress and failure record', () => {
    const status: RunStatus = {
      run: `${RUN}-r2`,
      fromBlock: 3,
      toBlock: 4,
      attempt: 2,
      stateMachineArn: ARN,
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:prover:${RUN}-r2`,
      status: 'FAILED',
      startDate: '2026-01-02T03:04:05.000Z',
      stopDate: '2026-01-02T03:14:05.000Z',
      error: 'InputError',
      cause: 'bad block',
      artifacts: { bucket: 'bucket', jobs: { total: 17, done: 5 }, failure: { error: 'InputError', state: 'Plan' }, submission: undefined },
    };
    expect(formatRunStatus(status)).toBe(
      [
        `run ${RUN}-r2: FAILED`,
        '  blocks 3..4, attempt 2',
        '  started 2026-01-02T03:04:05.000Z, stopped 2026-01-02T03:14:05.000Z',
        `  execution arn:aws:states:eu-west-1:123456789012:execution:prover:${RUN}-r2`,
        '  error InputError: bad block',
        '  jobs done 5/17',
        '  failure.json {"error":"InputError","state":"Plan"}',
        '',
      ].join('\n'),
    );
    expect(formatRunStatus({ ...status, artifacts: undefined })).toContain('  jobs: bucket unknown (pass --bucket, or use the stack outputs)\n');
  });

  it('--help lists every flag', async () => {
    let out = '';
    const program = new Command('prover').exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    register(program, {});
    const err = await program.parseAsync(['status', '--help'], { from: 'user' }).catch((e: unknown) => e);
    expect((err as CommanderError).code).toBe('commander.helpDisplayed');
    for (const flag of ['<run>', '--state-machine-arn <arn>', '--stack <name>', '--bucket <name>', '--json']) expect(out).toContain(flag);
  });
});
