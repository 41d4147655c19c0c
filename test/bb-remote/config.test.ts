import { describe, expect, it } from 'vitest';
import { assertDelegationConfig, bbRemoteConfigFromEnv } from '../../lib/bb-remote/config.ts';
import { bbBinaryPath } from '../../lib/proving/bb.ts';

describe('bb-remote configuration (environment)', () => {
  it('defaults: AWS mode, prove and avm_prove delegated, the real bb of @aztec/bb.js', () => {
    const config = bbRemoteConfigFromEnv({});
    expect(config.mode).toBe('aws');
    expect(config.delegate).toEqual(['prove', 'avm_prove']);
    expect(config.realBb).toBe(bbBinaryPath());
    expect(config.timeoutMs).toBe(7_200_000);
    expect(config.attempts).toBe(2);
    // Unset: learned from the real bb when a call is delegated (lib/bb-remote/bb-version.ts).
    expect(config.bbVersion).toBeUndefined();
    expect(bbRemoteConfigFromEnv({ BB_REMOTE_BB_VERSION: '4.1.2' }).bbVersion).toBe('4.1.2');
  });

  it('BB_REMOTE_DELEGATE: a list, empty for none, only commands bb-remote can delegate', () => {
    expect(bbRemoteConfigFromEnv({ BB_REMOTE_DELEGATE: ' avm_prove , ' }).delegate).toEqual(['avm_prove']);
    expect(bbRemoteConfigFromEnv({ BB_REMOTE_DELEGATE: '' }).delegate).toEqual([]);
    expect(() => bbRemoteConfigFromEnv({ BB_REMOTE_DELEGATE: 'prove,write_vk' })).toThrow(/cannot delegate: write_vk/);
  });

  it.each([
    [{ BB_REMOTE_MODE: 'cloud' }, 'BB_REMOTE_MODE'],
    [{ BB_REMOTE_TIMEOUT_SECONDS: 'soon' }, 'BB_REMOTE_TIMEOUT_SECONDS'],
    [{ BB_REMOTE_ATTEMPTS: '0' }, 'BB_REMOTE_ATTEMPTS'],
    [{ BB_REMOTE_BUCKET: 'Not_A_Bucket' }, 'BB_REMOTE_BUCKET'],
    [{ BB_REMOTE_JOB_DEFINITIONS: '["large"]' }, 'BB_REMOTE_JOB_DEFINITIONS'],
    [{ BB_REMOTE_BB_VERSION: '../4.1.2' }, 'BB_REMOTE_BB_VERSION'],
  ])('%j is rejected, naming %s', (env, name) => {
    expect(() => bbRemoteConfigFromEnv(env)).toThrow(new RegExp(name));
  });

  it('delegating needs the bucket, and a queue + job definition (aws) or a CRS directory (local)', () => {
    expect(() => assertDelegationConfig(bbRemoteConfigFromEnv({}))).toThrow(/BB_REMOTE_BUCKET[^]*BB_REMOTE_JOB_QUEUE[^]*BB_REMOTE_JOB_DEFINITION/);
    expect(() => assertDelegationConfig(bbRemoteConfigFromEnv({ BB_REMOTE_MODE: 'local', BB_REMOTE_BUCKET: 'b-1' }))).toThrow(/BB_REMOTE_CRS_PATH or CRS_PATH/);
    const aws = bbRemoteConfigFromEnv({
      BB_REMOTE_BUCKET: 'artifacts',
      BB_REMOTE_JOB_QUEUE: 'arn:aws:batch:us-east-1:123456789012:job-queue/provers',
      BB_REMOTE_JOB_DEFINITIONS: '{"avm":"prover-avm","large":"prover-large"}',
    });
    expect(() => assertDelegationConfig(aws)).not.toThrow();
    expect(aws.aws.jobDefinitions).toEqual({ avm: 'prover-avm', large: 'prover-large' });
    expect(bbRemoteConfigFromEnv({ CRS_PATH: '/crs' }).local.crsPath).toBe('/crs');
  });
});
