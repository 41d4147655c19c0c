/**
 * Reads a synthesized CloudFormation template the way the local runtime needs it: the state machine's
 * concrete ASL (DefinitionString is an Fn::Join over tokens, resolved here to local ARNs/names) and the
 * Batch job definitions (image command, environment, resources, retry strategy) that local Batch tasks run.
 * This is how the local runtime uses the *same* definition as the cloud instead of a second workflow.
 */
import { ProverError } from '../errors.ts';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'us-east-1';

/** What a Ref / Fn::GetAtt of a resource becomes locally: stable, recognisable pseudo ARNs. */
function localPhysicalId(template: CfnTemplate, logicalId: string, attribute?: string): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new ProverError(`template has no resource ${logicalId}`);
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
    case 'AWS::Batch::JobDefinition':
      return `arn:aws:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-definition/${logicalId}:1`;
    case 'AWS::Batch::JobQueue':
      return `arn:aws:batch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:job-queue/${logicalId}`;
    case 'AWS::S3::Bucket':
      return attribute === 'Arn' ? `arn:aws:s3:::${logicalId.toLowerCase()}` : logicalId.toLowerCase();
    case 'AWS::StepFunctions::StateMachine':
      return attribute === 'Name' ? logicalId : `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table':
      return attribute === 'Arn' ? `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${logicalId}` : logicalId;
    default:
      return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}${attribute ? `/${attribute}` : ''}`;
  }
}

/** Resolves the intrinsic functions CDK emits in definitions (Fn::Join, Ref, Fn::GetAtt, pseudo params). */
export function resolveIntrinsics(template: CfnTemplate, value: unknown, overrides: Readonly<Record<string, string>> = {}): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(template, v, overrides));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = obj[key];
    if (key === 'Ref') {
      const name = String(arg);
      if (name in overrides) return overrides[name];
      if (name === 'AWS::Region') return LOCAL_REGION;
      if (name === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (name === 'AWS::Partition') return 'aws';
      if (name === 'AWS::URLSuffix') return 'amazonaws.com';
      return localPhysicalId(template, name);
    }
    if (key === 'Fn::GetAtt') {
      const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
      const overrideKey = `${id}.${attr}`;
      if (overrideKey in overrides) return overrides[overrideKey];
      return localPhysicalId(template, id, attr);
    }
    if (key === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(resolveIntrinsics(template, p, overrides))).join(sep);
    }
    if (key.startsWith('Fn::')) throw new ProverError(`cannot resolve ${key} locally`, { metaMessages: [JSON.stringify(obj).slice(0, 200)] });
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(template, obj[k], overrides)]));
}

export interface FoundStateMachine {
  readonly logicalId: string;
  readonly definition: Record<string, unknown>;
}

/**
 * The one state machine of the template whose definition starts at `startAt` (the proving workflow starts at
 * Plan, the broker's per-job machine at MarkInProgress); without `startAt`, the template's only one.
 */
export function findStateMachine(template: CfnTemplate, overrides: Readonly<Record<string, string>> = {}, startAt?: string): FoundStateMachine {
  const machines = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, resource]) => {
      const resolved = resolveIntrinsics(template, resource.Properties?.['DefinitionString'], overrides);
      if (typeof resolved !== 'string') throw new ProverError(`state machine ${logicalId} has no DefinitionString`);
      return { logicalId, definition: JSON.parse(resolved) as Record<string, unknown> };
    })
    .filter((m) => startAt === undefined || m.definition['StartAt'] === startAt);
  if (machines.length !== 1) {
    throw new ProverError(`expected one state machine${startAt ? ` starting at "${startAt}"` : ''} in the template, found ${machines.length}`);
  }
  return machines[0] as FoundStateMachine;
}

/** The logical id of the template's only resource of `type` (e.g. the artifact bucket, the broker table). */
export function onlyResource(template: CfnTemplate, type: string): string {
  const ids = Object.entries(template.Resources).filter(([, r]) => r.Type === type).map(([id]) => id);
  if (ids.length !== 1) throw new ProverError(`expected one ${type} in the synthesized template, found ${ids.length}`);
  return ids[0] as string;
}

export interface LocalJobDefinition {
  readonly arn: string;
  readonly logicalId: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly attempts: number;
  readonly evaluateOnExit: readonly { action: string; onExitCode?: string; onStatusReason?: string; onReason?: string }[];
  readonly timeoutSeconds?: number;
}

/** The parts of AWS::Batch::JobDefinition properties the local executor uses. */
interface JobDefinitionProperties {
  readonly ContainerProperties?: {
    readonly Command?: string[];
    readonly Environment?: { Name: string; Value: string }[];
    readonly ResourceRequirements?: { Type: string; Value: string }[];
  };
  readonly RetryStrategy?: { Attempts?: number; EvaluateOnExit?: Record<string, string>[] };
  readonly Timeout?: { AttemptDurationSeconds?: number | string };
}

/** Batch job definitions by their local ARN. */
export function jobDefinitions(template: CfnTemplate, overrides: Readonly<Record<string, string>> = {}): Map<string, LocalJobDefinition> {
  const out = new Map<string, LocalJobDefinition>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Batch::JobDefinition') continue;
    const props = resolveIntrinsics(template, resource.Properties ?? {}, overrides) as JobDefinitionProperties;
    const container = props.ContainerProperties ?? {};
    const requirements = container.ResourceRequirements ?? [];
    const req = (type: string) => Number(requirements.find((r) => r.Type === type)?.Value ?? Number.NaN);
    const env = Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, String(e.Value)]));
    const retry = props.RetryStrategy ?? {};
    out.set(localPhysicalId(template, logicalId), {
      arn: localPhysicalId(template, logicalId),
      logicalId,
      command: container.Command ?? [],
      environment: env,
      vcpus: req('VCPU'),
      memoryMiB: req('MEMORY'),
      attempts: retry.Attempts ?? 1,
      evaluateOnExit: (retry.EvaluateOnExit ?? []).map((e) => ({
        action: String(e['Action']).toUpperCase(),
        ...(e['OnExitCode'] !== undefined ? { onExitCode: e['OnExitCode'] } : {}),
        ...(e['OnStatusReason'] !== undefined ? { onStatusReason: e['OnStatusReason'] } : {}),
        ...(e['OnReason'] !== undefined ? { onReason: e['OnReason'] } : {}),
      })),
      ...(props.Timeout?.AttemptDurationSeconds ? { timeoutSeconds: Number(props.Timeout.AttemptDurationSeconds) } : {}),
    });
  }
  return out;
}
