/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Config comes from cdk.json's `prover` context,
 * `-c prover.<key>=value` and PROVER_* environment variables (lib/config.ts). Context flags:
 *   -c nag=true                run cdk-nag's AwsSolutions checks (any unacknowledged finding fails the synth)
 *   -c stageProverImage=false  use the already staged containers/prover/.context as is
 */
import { join } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageProverContext } from '../containers/prover/stage-context.ts';
import { loadConfig } from '../lib/config.ts';
import { describeError, ProverError } from '../lib/errors.ts';
import { PROJECT_ROOT } from '../lib/infra/prover-function.ts';
import { ProverStack } from '../lib/infra/prover-stack.ts';
import { getProfile } from '../lib/protocols/registry.ts';

const DEFAULT_IMAGE_CONTEXT = 'containers/prover/.context';

const app = new App();
const flag = (key: string, fallback: boolean) => {
  const value = app.node.tryGetContext(key) as unknown;
  return value === undefined ? fallback : value === true || value === 'true';
};

try {
  // Every context entry (cdk.json and -c, as the CLI passes them in CDK_CONTEXT_JSON), so that a mistyped
  // `-c prover.<key>` is an error rather than ignored.
  const config = loadConfig({ context: app.node.getAllContext() as Record<string, unknown>, env: process.env });

  // The image's build context is staged from the repo (bundled job runner, node, bb). Re-stage on every synth
  // so a deploy never ships a stale job runner; identical bytes give the same asset hash, so no rebuild.
  if (!config.proverImage && config.proverImageDirectory === DEFAULT_IMAGE_CONTEXT && flag('stageProverImage', true)) {
    await stageProverContext({ outDir: join(PROJECT_ROOT, DEFAULT_IMAGE_CONTEXT) });
  }

  // Environment-agnostic unless a VPC lookup needs the account and region (lookups are off by default).
  const env = config.vpcId
    ? { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] }
    : undefined;

  const stack = new ProverStack(app, config.stackName, {
    config,
    profile: getProfile(config.profile),
    env,
    description: `aztec-aws-prover: serverless proving of ${config.profile} rollup blocks on AWS Batch`,
  });
  Tags.of(stack).add('project', 'aztec-aws-prover');
  Tags.of(stack).add('prover-profile', config.profile);
  if (flag('nag', false)) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
} catch (err) {
  // Configuration and staging mistakes are the user's to fix: print what and why, without a stack trace.
  if (err instanceof ProverError) {
    console.error(describeError(err));
    process.exit(1);
  }
  throw err;
}
