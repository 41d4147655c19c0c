/**
 * Builds the prover CDK app in-process — for tests, and for the local runtime, which needs the synthesized
 * template (the state machine's DefinitionString and the Batch job definitions) without running the CDK CLI.
 * Uses cdk.json's context (feature flags and the `prover` config object) so the result matches `cdk synth`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_CONTEXT_KEY, loadConfig, type ProverConfig } from '../config.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { getProfile } from '../protocols/registry.ts';
import { PROJECT_ROOT } from './prover-function.ts';
import { POLL_DISABLED_WARNING, ProverStack } from './prover-stack.ts';

/** The context key that skips asset bundling (NodejsFunction's esbuild) for every stack. */
const BUNDLING_STACKS = 'aws:cdk:bundling-stacks';

export interface ProverAppOptions {
  /** Config values on top of cdk.json's `prover` object (same keys and forms as there). */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * Environment variables for config overrides (`PROVER_*`).
   * @default {} — hermetic: the caller's shell does not leak in
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The protocol profile.
   * @default getProfile(config.profile)
   */
  readonly profile?: ProtocolProfile;
  /**
   * Bundle the Lambdas with esbuild (slow); off, their code assets are placeholders.
   * @default false
   */
  readonly bundle?: boolean;
  /**
   * Register cdk-nag's AwsSolutions checks as a validation plugin (findings fail `app.synth()`).
   * @default false
   */
  readonly nag?: boolean;
  /** @default - environment-agnostic */
  readonly stackEnv?: Environment;
  /** Context entries on top of cdk.json's (e.g. cached lookups). */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Where `app.synth()` writes the cloud assembly.
   * @default - a new temporary directory
   */
  readonly outdir?: string;
}

export interface ProverApp {
  readonly app: App;
  readonly stack: ProverStack;
  readonly config: ProverConfig;
}

/** cdk.json's context object. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function buildProverApp(options: ProverAppOptions = {}): ProverApp {
  const base = cdkJsonContext();
  const fileConfig = (base[CONFIG_CONTEXT_KEY] ?? {}) as Record<string, unknown>;
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      ...base,
      [CONFIG_CONTEXT_KEY]: { ...fileConfig, ...options.config },
      ...(options.bundle ? {} : { [BUNDLING_STACKS]: [] }),
      ...options.context,
    },
  });
  const config = loadConfig({ context: (key) => app.node.tryGetContext(key), env: options.env ?? {} });
  const profile = options.profile ?? getProfile(config.profile);
  const stack = new ProverStack(app, config.stackName, { config, profile, env: options.stackEnv });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, config };
}

/**
 * The synthesized CloudFormation template of the prover stack (Lambdas not bundled), for code that reads it
 * (the local runtime): nothing is left on disk and the "poll schedule disabled" warning is not printed.
 * Without a staged image context, pass `config: { proverImage: '<any image>' }`: the image only matters on
 * AWS, and a registry image keeps the job definitions free of asset tokens (Fn::Sub).
 */
export function synthesizeProverTemplate(options: ProverAppOptions = {}): Record<string, unknown> {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'prover-template-'));
  try {
    const { app, stack } = buildProverApp({ ...options, outdir });
    Validations.of(stack).acknowledge({ id: `Annotation::${POLL_DISABLED_WARNING}`, reason: 'template read by code, not deployed' });
    return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  } finally {
    if (!options.outdir) rmSync(outdir, { recursive: true, force: true });
  }
}
