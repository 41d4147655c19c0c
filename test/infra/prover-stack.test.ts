import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { buildProverApp, synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { defaultCrsPoints, ProverStack, BROKER_OUTPUTS, STACK_OUTPUTS } from '../../lib/infra/prover-stack.ts';
import { getProfile } from '../../lib/protocols/registry.ts';
import { cleanupOutdirs, L1_CONFIG, refOf, synthProver, TEST_IMAGE } from './support.ts';

afterAll(cleanupOutdirs);

describe('ProverStack (devnet)', () => {
  const { stack, template } = synthProver();

  it('cdk-nag AwsSolutions: no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('exports what the CLI needs under stable output names', () => {
    // Everything but the proving broker's outputs, which only an aztec stack has (test/infra/proving-broker.test.ts).
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(Object.values(STACK_OUTPUTS).filter((o) => !BROKER_OUTPUTS.includes(o)).sort());
    template.hasOutput(STACK_OUTPUTS.profile, { Value: 'devnet' });
    // One job definition ARN per devnet resource class, as JSON (bb-remote reads it).
    const jobDefs = JSON.stringify(template.findOutputs(STACK_OUTPUTS.jobDefinitions));
    for (const name of ['small', 'medium']) expect(jobDefs).toContain(`\\"${name}\\":\\"`);
  });

  it('one artifact bucket, one state machine, one job queue, no NAT gateway, and the poll schedule enabled', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Batch::JobQueue', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
  });

  it('Plan may write only run records and job specs', () => {
    const role = refOf(stack.planner.function.role!).slice(1, -1);
    const puts = Object.values(template.findResources('AWS::IAM::Policy'))
      .map((p) => p as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:PutObject')));
    const resources = JSON.stringify(puts.map((s) => s.Resource));
    expect(resources).toContain('/runs/*');
    expect(resources).toContain('/jobs/*');
    expect(resources).not.toMatch(/"\/\*"/);
  });

  it('the image is built with the profile\'s CRS: devnet → insecure test CRS of 2^max log2Size + 1 points', () => {
    const devnet = getProfile('devnet');
    const max = Math.max(...Object.values(devnet.circuits).map((c) => c.log2Size));
    expect(defaultCrsPoints(devnet)).toBe(2 ** max + 1);
  });
});

describe('ProverStack (aztec)', () => {
  it('synthesizes with the aztec profile and an image built from a context: a job definition per class, nag-clean', () => {
    const { stack, template } = synthProver({
      profile: 'aztec',
      proverImage: undefined,
      proverImageDirectory: 'test/infra/fixtures/prover-image',
    });
    template.resourceCountIs('AWS::Batch::JobDefinition', Object.keys(getProfile('aztec').resourceClasses).length);
    template.hasOutput(STACK_OUTPUTS.profile, { Value: 'aztec' });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('ProverStack configuration errors fail synth, naming the key', () => {
  const withConfig = (config: Record<string, unknown>) => () => synthProver(config);

  it('instance types too small for a class', () => {
    expect(withConfig({ profile: 'aztec', instanceTypes: ['c7a.8xlarge'] })).toThrow(/config: "instanceTypes" \(c7a\.8xlarge\) has no type/);
  });

  it('a VPC lookup without an environment', () => {
    // Environment-agnostic stacks cannot look anything up.
    expect(withConfig({ vpcId: 'vpc-0123456789abcdef0' })).toThrow(
      /config: "vpcId" \(vpc-0123456789abcdef0\) is looked up at synth time, which needs an environment-specific stack/,
    );
  });

  it('a config profile that does not match the profile object', () => {
    const config = loadConfig({ env: { PROVER_PROVER_IMAGE: TEST_IMAGE } });
    const { app } = buildProverApp({ config: { proverImage: TEST_IMAGE } });
    expect(() => new ProverStack(app, 'Mismatch', { config, profile: getProfile('aztec') })).toThrow(
      'ProverStack: config.profile is "devnet" but the profile given is "aztec"',
    );
  });

  it('no L1 configured: the schedule exists but is disabled, with a synth warning', () => {
    const { template, stack } = synthProver({ rpcUrls: [], rollupAddress: '' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
    const warnings = stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(/poll schedule is created DISABLED/);
  });
});

describe('buildProverApp / synthesizeProverTemplate (for the local runtime)', () => {
  it('the template carries the state machine definition and the job definitions', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'prover-template-'));
    try {
      const template = synthesizeProverTemplate({ config: { proverImage: TEST_IMAGE, ...L1_CONFIG }, outdir });
      const t = Template.fromJSON(template);
      t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      t.resourceCountIs('AWS::Batch::JobDefinition', Object.keys(getProfile('devnet').resourceClasses).length);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('nag: the validation plugin fails synth on an unacknowledged finding', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'prover-nag-'));
    try {
      const { app, stack } = buildProverApp({ config: { proverImage: TEST_IMAGE, ...L1_CONFIG }, nag: true, outdir });
      new s3.Bucket(stack, 'UnloggedBucket', { enforceSSL: true });
      expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
