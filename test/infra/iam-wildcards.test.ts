/**
 * Every IAM statement of the synthesized templates (both profiles) whose Resource is `*`, and every AWS managed
 * policy attached to a role, must be on an allow-list with the reason it cannot be scoped. A new grant on `*`
 * fails here until someone writes down why it has to be.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { PROFILE_NAMES } from '../../lib/profile-names.ts';
import { cleanupOutdirs, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}
type Resource = { Type: string; Properties: Record<string, unknown> };

const NO_RESOURCE_LEVEL = 'supports no resource-level permissions';

/** Identity-policy actions allowed on `*`, with the reason. */
const ALLOWED_ON_ANY_RESOURCE: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': `X-Ray tracing of the Lambdas and state machines: ${NO_RESOURCE_LEVEL}`,
  'xray:PutTelemetryRecords': `X-Ray tracing: ${NO_RESOURCE_LEVEL}`,
  'xray:GetSamplingRules': `X-Ray tracing of the state machines: ${NO_RESOURCE_LEVEL}`,
  'xray:GetSamplingTargets': `X-Ray tracing of the state machines: ${NO_RESOURCE_LEVEL}`,
  'logs:CreateLogDelivery': `Step Functions execution logging (vended log delivery): ${NO_RESOURCE_LEVEL}`,
  'logs:GetLogDelivery': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'logs:UpdateLogDelivery': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'logs:DeleteLogDelivery': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'logs:ListLogDeliveries': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'logs:PutResourcePolicy': `Step Functions execution logging sets the log group's resource policy: ${NO_RESOURCE_LEVEL}`,
  'logs:DescribeResourcePolicies': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'logs:DescribeLogGroups': `Step Functions execution logging: ${NO_RESOURCE_LEVEL}`,
  'batch:DescribeJobs': `batch:submitJob.sync polls the job it submitted: ${NO_RESOURCE_LEVEL}`,
  'batch:DescribeComputeEnvironments': `pre-warm reads the environments' desired/max vCPUs before raising them (read-only): ${NO_RESOURCE_LEVEL}`,
  'ecr:GetAuthorizationToken': `the ECS agent's login to ECR before pulling the prover image: ${NO_RESOURCE_LEVEL}`,
};

/** AWS managed policies allowed on roles whose logical id starts with the prefix, with the reason. */
const ALLOWED_MANAGED_POLICIES: readonly { policy: string; rolePrefix: string; reason: string }[] = [
  {
    policy: 'AmazonEC2ContainerServiceforEC2Role',
    rolePrefix: 'Compute',
    reason: 'the Batch instances\' ECS agent (register, pull from ECR, ship logs); jobs cannot reach it (IMDS hop limit 1)',
  },
  {
    policy: 'AWSLambdaBasicExecutionRole',
    rolePrefix: 'CustomVpcRestrictDefaultSGCustomResourceProvider',
    reason: "CDK's own deploy-time provider that empties the VPC's default security group; CDK creates its role",
  },
];

/** Resource policies, not checked: in them `*` is the resource the policy is attached to. */
const RESOURCE_POLICY_TYPES: Readonly<Record<string, string>> = {
  'AWS::KMS::Key': 'in a key policy, * is the key itself',
  'AWS::SecretsManager::ResourcePolicy': "in a secret's resource policy, * is the secret itself",
};

/** Findings not on an allow-list, as `<logical id>: <what>`. */
function unexplainedWildcards(template: Template): string[] {
  const findings: string[] = [];
  for (const [id, resource] of Object.entries(template.toJSON()['Resources'] as Record<string, Resource>)) {
    const props = resource.Properties ?? {};
    if (resource.Type in RESOURCE_POLICY_TYPES) continue;
    const documents: { Statement: Statement[] }[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') documents.push(props['PolicyDocument'] as never);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (props['Policies'] as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []) documents.push(inline.PolicyDocument);
      for (const arn of (props['ManagedPolicyArns'] as unknown[] | undefined) ?? []) {
        const name = JSON.stringify(arn).match(/:iam::aws:policy\/(?:service-role\/)?([A-Za-z0-9]+)/)?.[1];
        if (!name) continue; // a customer managed policy of this stack: its statements are checked where it is defined
        if (!ALLOWED_MANAGED_POLICIES.some((a) => a.policy === name && id.startsWith(a.rolePrefix))) findings.push(`${id}: AWS managed policy ${name}`);
      }
    }
    for (const statement of documents.flatMap((d) => d.Statement)) {
      if (statement.Effect !== 'Allow' || ![statement.Resource].flat().includes('*')) continue;
      for (const action of [statement.Action ?? []].flat()) if (!(action in ALLOWED_ON_ANY_RESOURCE)) findings.push(`${id}: ${action} on *`);
    }
  }
  return findings;
}

describe.each(PROFILE_NAMES)('IAM statements on * in the %s template', (profile) => {
  // The image built from a context (not a registry image): the ECR pull permissions are then in the template too.
  const { template } = synthProver({ profile, proverImage: undefined, proverImageDirectory: 'test/infra/fixtures/prover-image' });

  it('are all on the allow-list, each with a reason', () => {
    expect(unexplainedWildcards(template)).toEqual([]);
  });

  it('the check sees them: the template has statements on * (tracing, log delivery, ECR login) and the ECS managed policy', () => {
    const all = JSON.stringify(template.toJSON());
    for (const needle of ['xray:PutTraceSegments', 'ecr:GetAuthorizationToken', 'AmazonEC2ContainerServiceforEC2Role']) expect(all).toContain(needle);
  });
});
