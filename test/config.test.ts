import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, DEFAULT_PREWARM_VCPUS, envVarName, loadConfig, prewarmVcpusFor } from '../lib/config.ts';
import { InputError, ProverError } from '../lib/errors.ts';
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

  it('precedence: environment over -c prover.<key> over flat context over the cdk.json prover object over defaults', () => {
    const bag = {
      prover: { maxVcpus: 100, rootVolumeGiB: 200, retryAttempts: 5, maxAzs: 1 },
      maxVcpus: '300',
      rootVolumeGiB: 250,
      retryAttempts: '6',
      'prover.maxVcpus': '350',
      'prover.retryAttempts': '7',
    };
    for (const context of [bag, contextOf(bag)]) {
      const config = loadConfig({ context, env: { PROVER_MAX_VCPUS: '400' } });
      expect(config).toMatchObject({ maxVcpus: 400, retryAttempts: 7, rootVolumeGiB: 250, maxAzs: 1, runRetentionDays: 30 });
    }
  });

  it('reads the dotted keys the CDK CLI passes for -c prover.<key>=… (strings, JSON lists)', () => {
    // What `cdk deploy -c prover.profile=aztec -c prover.rpcUrls='[…]' …` puts into the app's context.
    const context = {
      ...cdkJsonContext(),
      'prover.profile': 'aztec',
      'prover.rpcUrls': '["https://l1-a.example","https://l1-b.example"]',
      'prover.rollupAddress': '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      'prover.proverAddress': '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      'prover.spotEnabled': 'false',
    };
    expect(loadConfig({ context })).toMatchObject({
      profile: 'aztec',
      rpcUrls: ['https://l1-a.example', 'https://l1-b.example'],
      rollupAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      proverAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      spotEnabled: false,
    });
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
    expect(config.maxVcpus).toBe(14_336);
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

  it('rejects unknown -c prover.<key> entries, naming the entry and the known keys, together with bad values', () => {
    const err = errorOf(() => loadConfig({ context: { ...cdkJsonContext(), 'prover.maxVcpu': '8', 'prover.retryAttempts': 'x' } }));
    expect(err.issues.map((i) => i.key)).toEqual(['maxVcpu', 'retryAttempts']);
    expect(err.message).toContain('config: "maxVcpu" is not a config key (known keys: stackName, profile, ');
    expect(err.message).toContain('set in context "prover.maxVcpu" (-c prover.maxVcpu=…)');
    expect(err.message).toContain('config: "retryAttempts" must be an integer between 1 and 10 (got "x"); set in context "prover.retryAttempts"');
  });

  it("leaves other context and variables alone: CDK's own keys, flags, other PROVER_* variables", () => {
    const context = { ...cdkJsonContext(), nag: 'true', stageProverImage: 'false', 'aws:cdk:bundling-stacks': [] };
    expect(loadConfig({ context, env: { PROVER_CACHE: '/tmp/x', PROVER_JOB_COMMAND: 'run' } }).profile).toBe('devnet');
  });

  it('rejects a prover context that is not an object, pointing at the dotted form', () => {
    expect(() => loadConfig({ context: contextOf({ prover: 'devnet' }) })).toThrow(
      /config: "prover" must be an object of config keys \(on the command line, set one key: -c prover\.<key>=<value>\)/,
    );
  });

  it('is a ProverError (InputError): the CLI and the CDK app print it without a stack trace', () => {
    const err = errorOf(() => loadConfig({ env: { PROVER_MAX_VCPUS: '0' } }));
    expect(err).toBeInstanceOf(InputError);
    expect(err).toBeInstanceOf(ProverError);
    expect(err.retryable).toBe(false);
    expect(err.name).toBe('ConfigError');
  });

  it('prewarmVcpus: the profile\'s capacity-model default, set by -c prover.prewarmVcpus / PROVER_PREWARM_VCPUS, 0 disables', () => {
    expect(loadConfig().prewarmVcpus).toBeUndefined();
    expect(prewarmVcpusFor(loadConfig())).toBe(DEFAULT_PREWARM_VCPUS.devnet);
    expect(prewarmVcpusFor(loadConfig({ env: { PROVER_PROFILE: 'aztec' } }))).toBe(DEFAULT_PREWARM_VCPUS.aztec);
    expect(DEFAULT_PREWARM_VCPUS).toEqual({ devnet: 288, aztec: 28_672 });
    const context = { ...cdkJsonContext(), 'prover.prewarmVcpus': '512' };
    expect(loadConfig({ context }).prewarmVcpus).toBe(512);
    expect(prewarmVcpusFor(loadConfig({ context, env: { PROVER_PREWARM_VCPUS: '0' } }))).toBe(0);
    expect(envVarName('prewarmVcpus')).toBe('PROVER_PREWARM_VCPUS');
    expect(() => loadConfig({ context: { 'prover.prewarmVcpus': '-1' } })).toThrow(/config: "prewarmVcpus" must be a non-negative integer \(got "-1"\)/);
    expect(() => loadConfig({ env: { PROVER_PREWARM_VCPUS: 'lots' } })).toThrow(/config: "prewarmVcpus" must be a non-negative integer/);
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
