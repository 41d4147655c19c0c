import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, envVarName, loadConfig } from '../lib/config.ts';
import { cdkJsonContext } from '../lib/infra/prover-app.ts';

/** A context lookup over a cdk.json-style bag (flat keys and/or the `prover` object). */
const contextOf = (bag: Record<string, unknown>) => (key: string) => bag[key];

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults: devnet, c7a instances, spot with on-demand fallback, no L1 yet', () => {
    const config = loadConfig();
    expect(config).toMatchObject({
      profile: 'devnet',
      instanceTypes: ['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge'],
      spotEnabled: true,
      onDemandFallback: true,
      warmVcpus: 0,
      rootVolumeGiB: 100,
      rpcUrls: [],
      pollSchedule: 'rate(1 minute)',
      retryAttempts: 3,
      crsPath: '/crs',
      proverImageDirectory: 'containers/prover/.context',
    });
    expect(config.vpcId).toBeUndefined();
    expect(config.signingKeySecretArn).toBeUndefined();
  });

  it("accepts the repository's cdk.json context as is", () => {
    const config = loadConfig({ context: contextOf(cdkJsonContext()) });
    expect(config.profile).toBe('devnet');
  });

  it('precedence: environment over flat context (-c) over the cdk.json prover object over defaults', () => {
    const bag = { prover: { maxVcpus: 100, rootVolumeGiB: 200, retryAttempts: 5 }, maxVcpus: '300', rootVolumeGiB: 250 };
    const config = loadConfig({ context: contextOf(bag), env: { PROVER_MAX_VCPUS: '400' } });
    expect(config.maxVcpus).toBe(400);
    expect(config.rootVolumeGiB).toBe(250);
    expect(config.retryAttempts).toBe(5);
    expect(config.runRetentionDays).toBe(30);
  });

  it('coerces strings from the environment: numbers, booleans, comma-separated and JSON lists', () => {
    const config = loadConfig({
      env: {
        PROVER_SPOT_ENABLED: 'false',
        PROVER_INSTANCE_TYPES: 'c7a.16xlarge, c7a.24xlarge',
        PROVER_RPC_URLS: '["https://a.example.org","wss://b.example.org"]',
        PROVER_MIN_SCALE_DOWN_DELAY_MINUTES: '60',
        PROVER_ROLLUP_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      },
    });
    expect(config.spotEnabled).toBe(false);
    expect(config.instanceTypes).toEqual(['c7a.16xlarge', 'c7a.24xlarge']);
    expect(config.rpcUrls).toEqual(['https://a.example.org', 'wss://b.example.org']);
    expect(config.minScaleDownDelayMinutes).toBe(60);
  });

  it('treats an empty environment variable as unset', () => {
    const config = loadConfig({ env: { PROVER_VPC_ID: '', PROVER_MAX_VCPUS: ' ' } });
    expect(config.vpcId).toBeUndefined();
    expect(config.maxVcpus).toBe(768);
  });

  it('names environment variables after the keys', () => {
    expect(envVarName('maxVcpus')).toBe('PROVER_MAX_VCPUS');
    expect(envVarName('rootVolumeGiB')).toBe('PROVER_ROOT_VOLUME_GI_B');
    expect(CONFIG_KEYS).toContain('pollSchedule');
  });
});

describe('loadConfig errors name the bad key, what is wrong and what was given', () => {
  it('the example from the issue', () => {
    expect(() => loadConfig({ context: contextOf({ maxVcpus: 'abc' }) })).toThrow(
      'config: "maxVcpus" must be a positive integer (got "abc")',
    );
  });

  it.each([
    ['maxVcpus', '-4', 'must be a positive integer'],
    ['maxVcpus', '2.5', 'must be a positive integer'],
    ['profile', 'mainnet', 'must be one of devnet, aztec'],
    ['instanceTypes', 'c7a 16xlarge', 'must be a list of EC2 instance types'],
    ['rootVolumeGiB', '8', 'must be an integer between 30 and 16384'],
    ['minScaleDownDelayMinutes', '5', 'must be an integer between 20 and 10080'],
    ['spotEnabled', 'maybe', 'must be true or false'],
    ['vpcId', 'my-vpc', 'must be a VPC id'],
    ['rpcUrls', 'localhost:8545', 'must be a list of http(s):// or ws(s):// URLs'],
    ['rollupAddress', '0x1234', 'must be a 0x-prefixed 20-byte hex address'],
    ['pollSchedule', 'every minute', 'must be a schedule expression'],
    ['retryAttempts', '11', 'must be an integer between 1 and 10'],
    ['logRetentionDays', '2', 'must be one of 1, 3, 5'],
    ['alarmEmail', 'ops', 'must be an email address'],
    ['signingKeySecretArn', 'my-secret', 'must be a Secrets Manager secret ARN'],
  ])('%s = %j', (key, value, message) => {
    const err = errorOf(() => loadConfig({ env: { [envVarName(key)]: value } }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ key, value, source: `environment variable ${envVarName(key)}` });
    expect(err.message).toContain(`config: "${key}" ${message}`);
    expect(err.message).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('reports every bad key at once, with where each value came from', () => {
    const err = errorOf(() =>
      loadConfig({ context: contextOf({ prover: { maxVcpus: 0 }, retryAttempts: 'x' }), env: { PROVER_PROFILE: 'zz' } }),
    );
    expect(err.issues.map((i) => i.key).sort()).toEqual(['maxVcpus', 'profile', 'retryAttempts']);
    expect(err.message).toContain('cdk.json context "prover.maxVcpus"');
    expect(err.message).toContain('context "retryAttempts"');
  });

  it('rejects unknown keys in the cdk.json prover object (typos)', () => {
    expect(() => loadConfig({ context: contextOf({ prover: { maxVcpu: 8 } }) })).toThrow(/config: "maxVcpu" is not a config key/);
  });

  it('rejects a prover context that is not an object', () => {
    expect(() => loadConfig({ context: contextOf({ prover: 'devnet' }) })).toThrow(/config: "prover" must be an object/);
  });

  it('cross-key rules: one compute environment at least, warm capacity within the maximum, no test CRS on aztec', () => {
    expect(() => loadConfig({ env: { PROVER_SPOT_ENABLED: 'false', PROVER_ON_DEMAND_FALLBACK: 'false' } })).toThrow(
      /config: "onDemandFallback" cannot be false when spotEnabled is false/,
    );
    expect(() => loadConfig({ env: { PROVER_WARM_VCPUS: '64', PROVER_MAX_VCPUS: '32' } })).toThrow(
      /config: "warmVcpus" must not exceed maxVcpus \(32\)/,
    );
    expect(() => loadConfig({ env: { PROVER_PROFILE: 'aztec', PROVER_CRS_SOURCE: 'devnet-insecure' } })).toThrow(
      /config: "crsSource" must not be "devnet-insecure" for profile "aztec"/,
    );
  });
});
