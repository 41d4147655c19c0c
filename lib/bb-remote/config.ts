/**
 * bb-remote's configuration: environment variables only, because the Aztec prover agent starts it as `bb`
 * with bb's arguments and nothing else (BB_BINARY_PATH). Validated with zod; a bad value fails with the
 * variable's name. S3 region/endpoint/credentials come from the standard AWS variables
 * (AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID …).
 */
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { bbBinaryPath } from '../proving/bb.ts';
import { BB_VERSION_PATTERN } from '../proving/job-spec.ts';
import { DELEGABLE_COMMANDS, isDelegableCommand } from './bb-argv.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_DELEGATE = ['prove', 'avm_prove'] as const;

export interface BbRemoteConfig {
  /** `aws`: AWS Batch on the stack's queue; `local`: the job runner as a local process (same S3 protocol). */
  readonly mode: 'aws' | 'local';
  /** bb subcommands run remotely; every other one runs the real bb. */
  readonly delegate: readonly string[];
  /** The real bb, for pass-through. */
  readonly realBb: string;
  /**
   * The version of the agent's bb, which delegated jobs must run (BB_REMOTE_BB_VERSION); undefined: learned
   * from `realBb --version` when a call is delegated.
   */
  readonly bbVersion: string | undefined;
  /** Artifact bucket: inputs go to blobs/<sha256>, the job to jobs/<id>/ (required to delegate). */
  readonly bucket: string | undefined;
  /** Whole call, uploads to download; the remote job is terminated when it runs out. */
  readonly timeoutMs: number;
  /** Submissions per call when a job fails in a way worth retrying (spot reclaim after Batch's own attempts, exit 75). */
  readonly attempts: number;
  /** Pause before submitting again after a retryable failure. */
  readonly retryDelayMs: number;
  /** Longest pause between two status polls (polls back off from 1 s to this). */
  readonly pollMaxMs: number;
  readonly aws: {
    readonly jobQueue: string | undefined;
    /** Job definition used when no class-specific one applies. */
    readonly jobDefinition: string | undefined;
    /** Job definitions by resource class (e.g. {"avm": "…", "large": "…"}). */
    readonly jobDefinitions: Readonly<Record<string, string>>;
    /** Forces the resource class (else: `avm` for avm_prove, the Aztec circuit's class by bytecode name). */
    readonly resourceClass: string | undefined;
  };
  readonly local: {
    /** CRS directory the local job runner gives bb (the image's /crs on AWS). */
    readonly crsPath: string | undefined;
    /** A prebuilt job-runner bundle (else bundled from containers/prover/entrypoint.ts per call, ~50 ms). */
    readonly runnerBundle: string | undefined;
  };
}

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a positive integer`)
    .transform(Number)
    .refine((n) => n >= 1, `${name} must be ≥ 1`);

const nonEmpty = z.string().min(1).optional();

const envSchema = z.object({
  BB_REMOTE_MODE: z.enum(['aws', 'local']).default('aws'),
  BB_REMOTE_DELEGATE: z.string().optional(),
  BB_REMOTE_REAL_BB: nonEmpty,
  BB_REMOTE_BB_VERSION: z.string().regex(BB_VERSION_PATTERN, 'BB_REMOTE_BB_VERSION must be a version as `bb --version` prints it, e.g. 4.1.2').optional(),
  BB_REMOTE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'BB_REMOTE_BUCKET must be an S3 bucket name')
    .optional(),
  BB_REMOTE_TIMEOUT_SECONDS: positiveInt('BB_REMOTE_TIMEOUT_SECONDS').default(7200),
  BB_REMOTE_ATTEMPTS: positiveInt('BB_REMOTE_ATTEMPTS').default(2),
  BB_REMOTE_RETRY_DELAY_SECONDS: z.string().regex(/^\d+$/, 'BB_REMOTE_RETRY_DELAY_SECONDS must be a whole number of seconds').transform(Number).default(5),
  BB_REMOTE_POLL_SECONDS: positiveInt('BB_REMOTE_POLL_SECONDS').default(15),
  BB_REMOTE_JOB_QUEUE: nonEmpty,
  BB_REMOTE_JOB_DEFINITION: nonEmpty,
  BB_REMOTE_JOB_DEFINITIONS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return {};
      try {
        return z.record(z.string().min(1), z.string().min(1)).parse(JSON.parse(raw));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'BB_REMOTE_JOB_DEFINITIONS must be a JSON object of class → job definition name or ARN' });
        return z.NEVER;
      }
    }),
  BB_REMOTE_CLASS: nonEmpty,
  BB_REMOTE_CRS_PATH: nonEmpty,
  CRS_PATH: nonEmpty,
  BB_REMOTE_LOCAL_RUNNER: nonEmpty,
});

/** Reads and checks the environment. Throws InputError naming the variable. */
export function bbRemoteConfigFromEnv(env: Env): BbRemoteConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new InputError('bb-remote: invalid configuration', {
      metaMessages: parsed.error.issues.map((i) => `${String(i.path[0] ?? '')}: ${i.message}`),
    });
  }
  const e = parsed.data;
  const delegate = parseDelegate(e.BB_REMOTE_DELEGATE);
  return {
    mode: e.BB_REMOTE_MODE,
    delegate,
    realBb: e.BB_REMOTE_REAL_BB ?? bbBinaryPath(),
    bbVersion: e.BB_REMOTE_BB_VERSION,
    bucket: e.BB_REMOTE_BUCKET,
    timeoutMs: e.BB_REMOTE_TIMEOUT_SECONDS * 1000,
    attempts: e.BB_REMOTE_ATTEMPTS,
    retryDelayMs: e.BB_REMOTE_RETRY_DELAY_SECONDS * 1000,
    pollMaxMs: e.BB_REMOTE_POLL_SECONDS * 1000,
    aws: {
      jobQueue: e.BB_REMOTE_JOB_QUEUE,
      jobDefinition: e.BB_REMOTE_JOB_DEFINITION,
      jobDefinitions: e.BB_REMOTE_JOB_DEFINITIONS,
      resourceClass: e.BB_REMOTE_CLASS,
    },
    local: {
      crsPath: e.BB_REMOTE_CRS_PATH ?? e.CRS_PATH,
      runnerBundle: e.BB_REMOTE_LOCAL_RUNNER,
    },
  };
}

/** Unset: prove,avm_prove. Empty: nothing (bb-remote is then a plain pass-through). */
function parseDelegate(raw: string | undefined): string[] {
  if (raw === undefined) return [...DEFAULT_DELEGATE];
  const commands = raw
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const unknown = commands.filter((c) => !isDelegableCommand(c));
  if (unknown.length > 0) {
    throw new InputError(`bb-remote: BB_REMOTE_DELEGATE names commands it cannot delegate: ${unknown.join(', ')}`, {
      metaMessages: [`delegable: ${DELEGABLE_COMMANDS.join(', ')} (every other command always runs the real bb)`],
    });
  }
  return [...new Set(commands)];
}

/** What delegating needs beyond the defaults; checked only when a call is delegated. */
export function assertDelegationConfig(config: BbRemoteConfig): asserts config is BbRemoteConfig & { bucket: string } {
  const missing: string[] = [];
  if (config.bucket === undefined) missing.push('BB_REMOTE_BUCKET (the artifact bucket, the stack output BucketName)');
  if (config.mode === 'aws') {
    if (config.aws.jobQueue === undefined) missing.push('BB_REMOTE_JOB_QUEUE (the stack output JobQueueArn)');
    if (config.aws.jobDefinition === undefined && Object.keys(config.aws.jobDefinitions).length === 0) {
      missing.push('BB_REMOTE_JOB_DEFINITION or BB_REMOTE_JOB_DEFINITIONS (a prover job definition of the stack)');
    }
  } else if (config.local.crsPath === undefined) {
    missing.push('BB_REMOTE_CRS_PATH or CRS_PATH (the CRS directory the local job runner gives bb)');
  }
  if (missing.length > 0) {
    throw new InputError(`bb-remote (${config.mode} mode) cannot delegate without:`, { metaMessages: missing });
  }
}
