/**
 * The L1 adapter registry: one entry per profile, used by the Lambda wiring, the CLI and the local runtime.
 * Aztec has a view but no submitter (Aztec's own prover node submits epoch proofs), and says so when asked.
 */
import { describe, expect, it } from 'vitest';
import { submitForLambda } from '../../lib/aws/lambda-wiring.ts';
import { InputError } from '../../lib/errors.ts';
import { devnetRollupSubmitter, devnetRollupView } from '../../lib/l1/devnet-rollup-port.ts';
import { aztecRollupView } from '../../lib/protocols/aztec/l1/aztec-rollup-port.ts';
import { l1Adapter, l1Submitter } from '../../lib/protocols/l1-adapters.ts';
import { PROFILE_NAMES } from '../../lib/profile-names.ts';

describe('L1 adapter registry', () => {
  it('has an adapter with a view for every profile', () => {
    for (const profile of PROFILE_NAMES) {
      const adapter = l1Adapter(profile);
      expect(adapter.profile).toBe(profile);
      expect(typeof adapter.view).toBe('function');
      // Exactly one of: a submitter, or the reason there is none.
      expect(adapter.submitter === undefined).toBe(adapter.noSubmitter !== undefined);
    }
  });

  it('devnet: the DevnetRollup view and submitter', () => {
    expect(l1Adapter('devnet').view).toBe(devnetRollupView);
    expect(l1Submitter('devnet')).toBe(devnetRollupSubmitter);
  });

  it('aztec: the Aztec Rollup view, no submitter, and a clear InputError when a submitter is asked for', () => {
    const adapter = l1Adapter('aztec');
    expect(adapter.view).toBe(aztecRollupView);
    expect(adapter.submitter).toBeUndefined();
    const err = (() => {
      try {
        return l1Submitter('aztec');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).shortMessage).toMatch(/^profile aztec has no L1 submitter: Aztec's own prover node submits the epoch root proof/);
  });

  it('an unknown profile is an InputError naming the known ones', () => {
    expect(() => l1Adapter('nope')).toThrow(InputError);
    expect(() => l1Adapter('nope')).toThrow(/devnet, aztec/);
  });

  it('Submit on the aztec profile fails with that InputError before reading the signing key', async () => {
    // Secrets Manager is a dead port here: reading the secret would fail with a connection error instead.
    Object.assign(process.env, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1' });
    const env = { PROFILE: 'aztec', ARTIFACT_BUCKET: 'bucket', RPC_URLS: ['http://127.0.0.1:9'], L1_CHAIN_ID: 1, ROLLUP_ADDRESS: `0x${'11'.repeat(20)}` as const, MAX_BLOCKS_PER_RUN: 32, SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key' };
    await expect(submitForLambda({ runId: 'aztec-run' }, env, { info: () => {} })).rejects.toThrow(/^profile aztec has no L1 submitter/);
  });
});
