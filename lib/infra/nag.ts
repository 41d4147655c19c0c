/**
 * cdk-nag v3 acknowledgements: each finding is acknowledged by its exact id on the construct that owns it
 * (or an ancestor), e.g. `AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/jobs/*]`, with the reason.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledgeNag(scope: IConstruct, reason: string, findings: readonly string[]): void {
  Validations.of(scope).acknowledge(...findings.map((id) => ({ id, reason })));
}

/**
 * How cdk-nag renders a reference in findings: `<LogicalId.Attr>` for Fn::GetAtt, `<LogicalId>` for Ref.
 * @param attribute `null` for a Ref
 */
export function nagRef(resource: IConstruct, attribute: string | null = 'Arn'): string {
  return attribute === null ? `<${logicalId(resource)}>` : `<${logicalId(resource)}.${attribute}>`;
}

export function logicalId(resource: IConstruct): string {
  const element = (resource.node.defaultChild ?? resource) as CfnElement;
  return Stack.of(resource).getLogicalId(element);
}

/** Object-wildcard actions of `bucket.grantRead` / `grantPut` (cdk-nag reports each). */
export const S3_GRANT_WILDCARD_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map(
  (action) => `AwsSolutions-IAM5[Action::${action}]`,
);

/** How cdk-nag renders a state machine's name inside execution ARNs (CDK splits it out of the Ref). */
export function nagStateMachineName(stateMachine: IConstruct): string {
  return `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId(stateMachine)}"}]}]}`;
}
