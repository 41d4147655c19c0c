/** The handler side of the workflow contract (lib/pipeline/workflow-contract.ts, lib/pipeline/lambda-environment.ts, lib/aws/retryable-errors.ts). */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { PROOF_GAP_ERROR, RETRYABLE_ERROR, planEventSchema, submitEventSchema } from '../../lib/pipeline/workflow-contract.ts';
import { pollerEnvSchema } from '../../lib/pipeline/lambda-environment.ts';
import { retryableErrors } from '../../lib/aws/retryable-errors.ts';
import { ProverError } from '../../lib/errors.ts';
import { L1UnreachableError } from '../../lib/l1/errors.ts';

describe('Plan event', () => {
  it('takes a range or a single block (normalised to a range), with the execution name as run id', () => {
    expect(planEventSchema.parse({ runId: 'devnet-0000000003-0000000004-0a1b2c3d', request: { fromBlock: 3, toBlock: 4 } })).toEqual({
      runId: 'devnet-0000000003-0000000004-0a1b2c3d',
      request: { fromBlock: 3, toBlock: 4 },
    });
    expect(planEventSchema.parse({ runId: 'r-r2', request: { blockNumber: 7 } }).request).toEqual({ fromBlock: 7, toBlock: 7 });
  });

  it.each([
    [{ runId: 'r', request: { fromBlock: 5, toBlock: 4 } }, /toBlock must not be below fromBlock/],
    [{ runId: 'r', request: { fromBlock: 0, toBlock: 4 } }, /fromBlock/],
    [{ runId: 'has space', request: { blockNumber: 1 } }, /runId must be 1-80 of/],
    [{ runId: 'r', request: {} }, /request/],
  ])('rejects %j', (event, message) => {
    expect(() => planEventSchema.parse(event)).toThrow(message);
  });

  it('Submit needs a run id', () => {
    expect(() => submitEventSchema.parse({})).toThrow(/runId/);
  });
});

describe('retryableErrors middleware', () => {
  const failWith = (error: Error) => middy(async () => Promise.reject(error)).use(retryableErrors());
  const nameOf = async (error: Error) => (await failWith(error)({}, {} as never).catch((e: Error) => e)).name;

  it('renames retryable errors Step Functions does not list to RetryableError', async () => {
    expect(await nameOf(new ProverError('a transaction is still pending', { retryable: true }))).toBe(RETRYABLE_ERROR);
  });

  it('keeps names the state machine retries on their own, and every non-retryable name', async () => {
    expect(await nameOf(new L1UnreachableError('http://rpc'))).toBe('L1UnreachableError');
    expect(await nameOf(Object.assign(new ProverError('gap', { retryable: true }), { name: PROOF_GAP_ERROR }))).toBe(PROOF_GAP_ERROR);
    expect(await nameOf(new ProverError('bad proof'))).toBe('ProverError');
    expect(await nameOf(new TypeError('x'))).toBe('TypeError');
  });
});

describe('Lambda environment', () => {
  it('splits the RPC fallbacks and checks numbers', () => {
    const env = pollerEnvSchema.parse({
      PROFILE: 'devnet',
      ARTIFACT_BUCKET: 'bucket',
      RPC_URLS: 'https://a.example.org, https://b.example.org',
      L1_CHAIN_ID: '1',
      MAX_BLOCKS_PER_RUN: '4',
      MAX_RUNS_PER_POLL: '2',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
    });
    expect(env.RPC_URLS).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(() => pollerEnvSchema.parse({ ...env, RPC_URLS: '', L1_CHAIN_ID: 'x' })).toThrow(/L1_CHAIN_ID/);
  });
});
