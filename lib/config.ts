/**
 * Deployment configuration of the prover stack: one typed, validated object built from (highest first)
 *   1. environment variables `PROVER_<KEY>` (e.g. `PROVER_MAX_VCPUS=256`, lists comma-separated or JSON),
 *   2. CDK context `prover.<key>` (`cdk deploy -c prover.maxVcpus=256`; the CLI passes the literal key
 *      "prover.maxVcpus"),
 *   3. flat CDK context `<key>` (`cdk synth -c maxVcpus=256`, the older form),
 *   4. the `prover` object in cdk.json's context,
 *   5. the defaults below.
 * Values from the environment and `-c` arrive as strings, so numbers, booleans and lists are coerced here.
 * A bad value fails synth with an error naming the key, e.g.
 *   config: "maxVcpus" must be a positive integer (got "abc")
 * and so does a key that is not a config key under `prover` (a typo would otherwise be silently ignored).
 * Flat context keys and `PROVER_*` variables share their namespaces with CDK's own context and with other
 * variables, so only the known ones are read there.
 * No AWS imports: the CLI and the local runtime read the same config.
 */
import { z } from 'zod';
import { InputError } from './errors.ts';
import { PROFILE_NAMES, type ProfileName } from './profile-names.ts';

/** CloudWatch Logs only accepts these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Default pre-warm per profile (config `prewarmVcpus`): the peak vCPUs the capacity model (`npm run bench:model`,
 * lib/model/bench.ts) gives the profile's unit of work proven warm — what pre-warm must have ready for it:
 *   devnet: 288, a 4-tx block (the contest's shape; the poller starts a run per block range);
 *   aztec: 28,672, a mainnet-like epoch of 32 × 72 txs (the broker warms at an epoch's first job): both compute
 *   environments full at the default maxVcpus 14,336 — the model's epoch peaks there.
 * Filled in queue order (spot first) and capped at each environment's maxVcpus. The bench's pre-warm rows use these.
 */
export const DEFAULT_PREWARM_VCPUS: Readonly<Record<ProfileName, number>> = { devnet: 288, aztec: 28_672 };

/** Pre-warm vCPUs of a deployment: `prewarmVcpus`, or the profile's default. */
export function prewarmVcpusFor(config: Pick<ProverConfig, 'prewarmVcpus' | 'profile'>): number {
  return config.prewarmVcpus ?? DEFAULT_PREWARM_VCPUS[config.profile];
}

/** The cdk.json context key holding the config object. */
export const CONFIG_CONTEXT_KEY = 'prover';

// ---- coercion of string inputs (env vars, `-c key=value`) -------------------------------------------------

function emptyToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function toNumber(value: unknown): unknown {
  const v = emptyToUndefined(value);
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return v;
}

function toBoolean(value: unknown): unknown {
  const v = emptyToUndefined(value);
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  return v;
}

function toStringList(value: unknown): unknown {
  const v = emptyToUndefined(value);
  if (typeof v !== 'string') return v;
  const trimmed = v.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return v;
    }
  }
  return trimmed.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

// ---- field builders: each carries the one message used for every way the value can be wrong --------------

function integer(message: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    toNumber,
    z.number({ error: message }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: message }),
  );
}

function flag() {
  return z.preprocess(toBoolean, z.boolean({ error: 'must be true or false' }));
}

function text(message: string, pattern: RegExp) {
  return z.preprocess(emptyToUndefined, z.string({ error: message }).regex(pattern, { error: message }));
}

function list(message: string, pattern: RegExp) {
  return z.preprocess(
    toStringList,
    z.array(z.string({ error: message }).regex(pattern, { error: message }), { error: message }),
  );
}

const URL_PATTERN = /^(https?|wss?):\/\/[^\s,]+$/;

const ProverConfigSchema = z
  .object({
    /** CloudFormation stack name (the CLI finds outputs by it). */
    stackName: text('must start with a letter and contain only letters, digits and "-"', /^[A-Za-z][A-Za-z0-9-]{0,127}$/).default(
      'AztecProver',
    ),
    /** Protocol profile proven by this deployment. */
    profile: z.preprocess(
      emptyToUndefined,
      z.enum(PROFILE_NAMES, { error: `must be one of ${PROFILE_NAMES.join(', ')}` }),
    ).default('devnet'),

    // -- Batch compute
    /** EC2 instance types of the compute environments (x86: the prover image is linux/amd64). */
    instanceTypes: list('must be a list of EC2 instance types like "c7a.16xlarge"', /^[a-z][a-z0-9-]*\.[a-z0-9]+$/)
      .refine((l) => l.length > 0, { error: 'must name at least one instance type' })
      .default(['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge']),
    /**
     * Upper bound of vCPUs per compute environment: caps parallel proving and spend. 14,336 (224 × 64): the
     * capacity model's smallest cap (`prover capacity`, multiple of 64) that proves a mainnet-like epoch (32 × 72
     * txs, half public) within the 38-min window in both designs; 768 took ~5 h (docs/performance.md).
     */
    maxVcpus: integer('must be a positive integer', 1).default(14_336),
    /** vCPUs kept running while idle (minvCpus of the first environment): skips the cold start, billed. */
    warmVcpus: integer('must be a non-negative integer', 0).default(0),
    /**
     * Pre-warm (docs/prewarm.md): when the poller starts a run, or the broker sees the first job of a new epoch,
     * the compute environments' desired vCPUs are raised to this in all (never lowered) ahead
     * of the work, filled in queue order (spot first), each environment capped at maxVcpus; Batch scales back
     * down by itself once no job needs them. 0 disables. Default: the profile's DEFAULT_PREWARM_VCPUS (capacity
     * model). Billed while the instances idle before jobs reach them.
     */
    prewarmVcpus: integer('must be a non-negative integer', 0).optional(),
    /** Keep idle instances this long after their last job (Batch allows 20–10080): warm reuse, billed. */
    minScaleDownDelayMinutes: integer('must be an integer between 20 and 10080', 20, 10080).optional(),
    /** Spot compute environment (order 1 in the queue). */
    spotEnabled: flag().default(true),
    /** On-demand compute environment (order 2): takes jobs when spot capacity is short. */
    onDemandFallback: flag().default(true),
    /** Root EBS volume (gp3) of each instance: holds the prover image with the CRS plus job scratch space. */
    rootVolumeGiB: integer('must be an integer between 30 and 16384', 30, 16384).default(100),

    // -- network
    /** Existing VPC to use (looked up at synth: needs credentials and CDK_DEFAULT_ACCOUNT/REGION). Default: a new VPC. */
    vpcId: text('must be a VPC id like "vpc-0123456789abcdef0"', /^vpc-[0-9a-f]{8,17}$/).optional(),
    /** Subnets of an existing VPC: `public` (instances get public IPs) or `private` (needs a NAT or endpoints). */
    vpcSubnetType: z.preprocess(emptyToUndefined, z.enum(['public', 'private'], { error: 'must be "public" or "private"' })).default(
      'public',
    ),
    /** AZs of a new VPC (an environment-agnostic stack gets at most 2). */
    maxAzs: integer('must be an integer between 1 and 16', 1, 16).default(3),

    // -- L1
    /** L1 JSON-RPC endpoints, tried in order (fallback). Required for the poller and Submit to do anything. */
    rpcUrls: list('must be a list of http(s):// or ws(s):// URLs', URL_PATTERN).default([]),
    /** L1 rollup contract the poller watches and Submit sends the root proof to. */
    rollupAddress: text('must be a 0x-prefixed 20-byte hex address', /^0x[0-9a-fA-F]{40}$/).optional(),
    /** L1 chain id (checked by the L1 client before signing). Default: anvil's. */
    l1ChainId: integer('must be a positive integer', 1).default(31337),
    /** Address the root proof commits to as prover id (Plan). Default: decided by the Plan handler. */
    proverAddress: text('must be a 0x-prefixed 20-byte hex address', /^0x[0-9a-fA-F]{40}$/).optional(),
    /** Secrets Manager ARN of an existing L1 signing key. Default: a new secret with a generated key. */
    signingKeySecretArn: text(
      'must be a Secrets Manager secret ARN',
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    ).optional(),

    // -- workflow
    /** Minutes a run may take before it misses the L1 proof window (Aztec: 1 epoch = 32 × 72 s). */
    proofWindowMinutes: integer('must be a positive integer', 1).default(38),
    /** EventBridge Scheduler expression for the poller. */
    pollSchedule: text('must be a schedule expression like "rate(1 minute)" or "cron(...)"', /^(rate|cron)\(.+\)$/).default(
      'rate(1 minute)',
    ),
    /** Largest block range one run proves (poller and Plan): 32 holds a mainnet epoch (32 checkpoints) in one run. */
    maxBlocksPerRun: integer('must be a positive integer', 1).default(32),
    /** At most this many runs started per poll. */
    maxRunsPerPoll: integer('must be a positive integer', 1).default(4),
    /** Days to keep objects (run records, job artifacts, block inputs) in the artifact bucket. */
    runRetentionDays: integer('must be a positive integer', 1).default(30),
    /** Batch attempts per proving job (spot reclaims are retried, other failures exit). */
    retryAttempts: integer('must be an integer between 1 and 10', 1, 10).default(3),
    /** Longest chain of sequential proving jobs in one run (leaf chain + merge levels): bounds the run timeout. */
    treeDepthBound: integer('must be a positive integer', 1).default(24),

    // -- prover image
    /** Base image of the prover container (build arg BASE_IMAGE). */
    baseImage: text('must be an image reference', /^[^\s]+$/).default('public.ecr.aws/docker/library/debian:trixie-slim'),
    /** G1 points of the CRS baked into the image (build arg CRS_POINTS). Default: derived from the profile's largest circuit. */
    crsPoints: integer('must be a positive integer', 1).optional(),
    /** CRS baked into the image (build arg CRS_SOURCE). Default: `devnet-insecure` for devnet, `aztec` for aztec. */
    crsSource: z.preprocess(
      emptyToUndefined,
      z.enum(['aztec', 'devnet-insecure'], { error: 'must be "aztec" or "devnet-insecure"' }),
    ).optional(),
    /** Where the image keeps the CRS (container env CRS_PATH; containers/prover/Dockerfile puts it at /crs). */
    crsPath: text('must be an absolute path', /^\/[^\s]*$/).default('/crs'),
    /** Docker build context of the prover image, relative to the project root (staged by containers/prover/stage-context.ts). */
    proverImageDirectory: text('must be a relative directory path', /^[^/\s][^\s]*$/).default('containers/prover/.context'),
    /** Prebuilt prover image (registry URI): skips building proverImageDirectory. */
    proverImage: text('must be an image reference', /^[^\s]+$/).optional(),

    // -- observability
    /** Email subscribed to the alarm topic. */
    alarmEmail: text('must be an email address', /^[^@\s]+@[^@\s]+\.[^@\s]+$/).optional(),
    /** Retention of the stack's CloudWatch log groups. */
    logRetentionDays: z.preprocess(
      toNumber,
      z.number({ error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` }).refine(
        (n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n),
        { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` },
      ),
    ).default(30),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.spotEnabled && !c.onDemandFallback) {
      ctx.addIssue({
        code: 'custom',
        path: ['onDemandFallback'],
        message: 'cannot be false when spotEnabled is false: the job queue needs at least one compute environment',
      });
    }
    if (c.profile !== 'devnet' && c.crsSource === 'devnet-insecure') {
      ctx.addIssue({
        code: 'custom',
        path: ['crsSource'],
        message: `must not be "devnet-insecure" for profile "${c.profile}": anyone can forge proofs against a known-tau CRS`,
      });
    }
    // Refinements run even when a field already failed: compare only valid values.
    const valid = (n: number) => Number.isInteger(n) && n >= 0;
    if (valid(c.warmVcpus) && valid(c.maxVcpus) && c.maxVcpus > 0 && c.warmVcpus > c.maxVcpus) {
      ctx.addIssue({ code: 'custom', path: ['warmVcpus'], message: `must not exceed maxVcpus (${c.maxVcpus})` });
    }
  });

export type ProverConfig = z.output<typeof ProverConfigSchema>;
export type ConfigKey = keyof ProverConfig;

export const CONFIG_KEYS = Object.keys(ProverConfigSchema.shape) as ConfigKey[];

/** `maxVcpus` → `PROVER_MAX_VCPUS`. */
export function envVarName(key: string): string {
  return `PROVER_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
  /** What was given, when one value is to blame. */
  readonly value?: unknown;
  /** Where the value was set, when known. */
  readonly source?: string;
}

/** A configuration mistake: the user's to fix, never retried. The message names every bad key. */
export class ConfigError extends InputError {
  override name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

function formatIssue(issue: ConfigIssue): string {
  const got = issue.value === undefined ? '' : ` (got ${JSON.stringify(issue.value)})`;
  const where = issue.source === undefined ? '' : `; set in ${issue.source}`;
  return `config: "${issue.key}" ${issue.message}${got}${where}`;
}

export interface ConfigSources {
  /**
   * CDK context: every entry (`app.node.getAllContext()`), or a lookup (`(k) => app.node.tryGetContext(k)`).
   * Only with every entry can an unknown `prover.<key>` be rejected: a lookup is asked for known keys only.
   */
  readonly context?: Readonly<Record<string, unknown>> | ((key: string) => unknown);
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DOTTED_PREFIX = `${CONFIG_CONTEXT_KEY}.`;
const KNOWN_KEYS: ReadonlySet<string> = new Set(CONFIG_KEYS);
const unknownKey = (key: string, source: string): ConfigIssue => ({
  key,
  message: `is not a config key (known keys: ${CONFIG_KEYS.join(', ')})`,
  source,
});

/** Reads, coerces and validates the config; throws {@link ConfigError} naming every bad key. */
export function loadConfig(sources: ConfigSources = {}): ProverConfig {
  const contextSource = sources.context ?? {};
  const context = typeof contextSource === 'function' ? contextSource : (key: string) => contextSource[key];
  const env = sources.env ?? {};
  const nested = context(CONFIG_CONTEXT_KEY);
  if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) {
    throw new ConfigError([
      {
        key: CONFIG_CONTEXT_KEY,
        message: `must be an object of config keys (on the command line, set one key: -c ${DOTTED_PREFIX}<key>=<value>)`,
        value: nested,
        source: `context "${CONFIG_CONTEXT_KEY}"`,
      },
    ]);
  }
  const fromCdkJson = (nested ?? {}) as Record<string, unknown>;

  const unknown: ConfigIssue[] = [];
  for (const key of Object.keys(fromCdkJson)) {
    if (!KNOWN_KEYS.has(key)) unknown.push(unknownKey(key, `cdk.json context "${CONFIG_CONTEXT_KEY}.${key}"`));
  }
  if (typeof contextSource !== 'function') {
    for (const name of Object.keys(contextSource)) {
      const key = name.slice(DOTTED_PREFIX.length);
      if (name.startsWith(DOTTED_PREFIX) && !KNOWN_KEYS.has(key)) unknown.push(unknownKey(key, `context "${name}" (-c ${name}=…)`));
    }
  }

  // Lowest precedence first; a later source replaces the value. An empty string (e.g. `PROVER_VPC_ID=`) means
  // "unset", so the value below (or the default) applies.
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  const isSet = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
  const set = (key: string, value: unknown, where: string) => {
    if (!isSet(value)) return;
    raw[key] = value;
    source[key] = where;
  };
  for (const key of CONFIG_KEYS) {
    set(key, fromCdkJson[key], `cdk.json context "${CONFIG_CONTEXT_KEY}.${key}"`);
    set(key, context(key), `context "${key}" (-c ${key}=… or cdk.json)`);
    set(key, context(DOTTED_PREFIX + key), `context "${DOTTED_PREFIX}${key}" (-c ${DOTTED_PREFIX}${key}=…)`);
    set(key, env[envVarName(key)], `environment variable ${envVarName(key)}`);
  }

  const parsed = ProverConfigSchema.safeParse(raw);
  if (parsed.success && unknown.length === 0) return parsed.data;
  const invalid: ConfigIssue[] = (parsed.error?.issues ?? []).map((issue) => {
    const key = String(issue.path[0] ?? '?');
    return { key, message: issue.message, value: raw[key], source: source[key] ?? 'config' };
  });
  throw new ConfigError([...unknown, ...invalid]);
}
