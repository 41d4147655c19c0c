/**
 * Pre-warm in the synthesized stack: the poller's environment, the poller role's and the broker policy's grants
 * (batch:DescribeComputeEnvironments + UpdateComputeEnvironment on exactly the stack's compute environments), and
 * the broker's BrokerPrewarm output.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREWARM_VCPUS } from '../../lib/config.ts';
import { STACK_OUTPUTS, type ProverStack } from '../../lib/infra/prover-stack.ts';
import { cleanupOutdirs, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

/** Raising is scoped to the stack's environments; reading has no resource-level permissions (allow-listed on `*`). */
const UPDATE = 'batch:UpdateComputeEnvironment';
const DESCRIBE = 'batch:DescribeComputeEnvironments';

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement mentioning a batch:*ComputeEnvironment* action, with the logical id of its policy. */
function computeEnvironmentGrants(template: Template): { policy: string; statement: Statement }[] {
  const resources = template.toJSON()['Resources'] as Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: Statement[] } } }>;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap(([policy, r]) => (r.Properties.PolicyDocument?.Statement ?? []).map((statement) => ({ policy, statement })))
    .filter(({ statement }) => [statement.Action].flat().some((a) => /^batch:.*ComputeEnvironment/.test(a)));
}

const ceRefs = (stack: ProverStack) =>
  [stack.compute.spotEnvironment, stack.compute.onDemandEnvironment].filter((e) => e !== undefined).map(arnOf);

/** CDK's token for an environment's ARN in the template. */
const arnOf = (e: IConstruct) => ({ 'Fn::GetAtt': [refOf(e).slice(1, -1), 'ComputeEnvironmentArn'] });

/** The same resources in any order (IAM policy minimization may reorder them). */
const sameSet = (a: unknown, b: unknown[]) => JSON.stringify([a].flat().map((x) => JSON.stringify(x)).sort()) === JSON.stringify(b.map((x) => JSON.stringify(x)).sort());

function pollerVariables(stack: ProverStack, template: Template): Record<string, unknown> {
  const id = refOf(stack.poller.function).slice(1, -1);
  return (template.toJSON()['Resources'][id] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
}

describe('pre-warm (devnet defaults)', () => {
  const { stack, template } = synthProver();

  it('the poller gets the target: vCPUs (the profile default), the compute environments in queue order (spot, on-demand), the cap', () => {
    const vars = pollerVariables(stack, template);
    expect(vars['PREWARM_VCPUS']).toBe(String(DEFAULT_PREWARM_VCPUS.devnet));
    expect(vars['PREWARM_MAX_VCPUS']).toBe('14336');
    expect(vars['PREWARM_COMPUTE_ENVIRONMENTS']).toEqual({ 'Fn::Join': [',', ceRefs(stack)] });
  });

  it("the poller role may update exactly the stack's compute environments, and only read environments on *", () => {
    const grants = computeEnvironmentGrants(template);
    expect(grants.every((g) => /^Poller.*DefaultPolicy/.test(g.policy))).toBe(true);
    const update = grants.filter((g) => [g.statement.Action].flat().includes(UPDATE));
    expect(update).toHaveLength(1);
    expect([update[0]!.statement.Action].flat()).toEqual([UPDATE]);
    expect(sameSet(update[0]!.statement.Resource, ceRefs(stack))).toBe(true);
    // CDK merges it with the role's other `*` grants (X-Ray); each of those is on the iam-wildcards allow-list.
    const read = grants.filter((g) => [g.statement.Action].flat().includes(DESCRIBE));
    expect(read).toHaveLength(1);
    expect(read[0]!.statement.Resource).toBe('*');
    expect([read[0]!.statement.Action].flat().filter((a) => a.startsWith('batch:'))).toEqual([DESCRIBE]);
  });
});

describe('pre-warm (aztec: the broker too)', () => {
  const { stack, template } = synthProver({ profile: 'aztec' });

  it('the broker policy grants the same: update on the same compute environments, read on *', () => {
    const grants = computeEnvironmentGrants(template);
    const broker = grants.filter((g) => g.policy.startsWith('BrokerBrokerPolicy'));
    expect(grants.filter((g) => !g.policy.startsWith('BrokerBrokerPolicy')).every((g) => /^Poller.*DefaultPolicy/.test(g.policy))).toBe(true);
    const update = broker.find((g) => [g.statement.Action].flat().includes(UPDATE))!;
    expect(update.statement.Sid).toBe('PrewarmComputeEnvironments');
    expect([update.statement.Action].flat()).toEqual([UPDATE]);
    expect(sameSet(update.statement.Resource, ceRefs(stack))).toBe(true);
    const read = broker.find((g) => [g.statement.Action].flat().includes(DESCRIBE))!;
    expect(read.statement).toMatchObject({ Sid: 'PrewarmComputeEnvironmentsRead', Action: DESCRIBE, Resource: '*' });
  });

  it('BrokerPrewarm output: what `prover aztec-broker` pre-warms at an epoch\'s first job (the aztec default)', () => {
    const output = template.findOutputs(STACK_OUTPUTS.brokerPrewarm)[STACK_OUTPUTS.brokerPrewarm] as { Value: unknown };
    const text = JSON.stringify(output.Value);
    expect(text).toContain(`\\"vcpus\\":${DEFAULT_PREWARM_VCPUS.aztec}`);
    expect(text).toContain('\\"maxVcpus\\":14336');
    for (const ref of ceRefs(stack)) expect(text).toContain(JSON.stringify(ref));
    expect(pollerVariables(stack, template)['PREWARM_VCPUS']).toBe(String(DEFAULT_PREWARM_VCPUS.aztec));
  });
});

describe('pre-warm configured', () => {
  it('prewarmVcpus 0 disables it: PREWARM_VCPUS=0, no environments, no Batch grant, broker output vcpus 0', () => {
    const { stack, template } = synthProver({ profile: 'aztec', prewarmVcpus: 0 });
    const vars = pollerVariables(stack, template);
    expect(vars['PREWARM_VCPUS']).toBe('0');
    expect(vars['PREWARM_COMPUTE_ENVIRONMENTS']).toBeUndefined();
    expect(computeEnvironmentGrants(template)).toEqual([]);
    expect(stack.broker!.prewarmTarget).toEqual({ vcpus: 0, computeEnvironments: [] });
  });

  it('without spot, the on-demand environment alone; a set value is passed as is (capped per environment at run time)', () => {
    const { stack, template } = synthProver({ spotEnabled: false, prewarmVcpus: 100_000 });
    const vars = pollerVariables(stack, template);
    expect(vars['PREWARM_VCPUS']).toBe('100000');
    expect(vars['PREWARM_COMPUTE_ENVIRONMENTS']).toEqual(arnOf(stack.compute.onDemandEnvironment!));
    const update = computeEnvironmentGrants(template).find((g) => [g.statement.Action].flat().includes(UPDATE))!;
    expect(update.statement.Resource).toEqual(arnOf(stack.compute.onDemandEnvironment!));
  });
});
