/**
 * Shared helpers of the infrastructure tests: stacks built the way `cdk synth` builds them (cdk.json's feature
 * flags), Lambdas not bundled (the CLI synth test bundles for real), and the state machine's definition with
 * its CloudFormation references made readable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildProverApp, cdkJsonContext, type ProverAppOptions } from '../../lib/infra/prover-app.ts';
import { logicalId } from '../../lib/infra/nag.ts';
import type { ProverStack } from '../../lib/infra/prover-stack.ts';

/** An L1 configuration that enables the poll schedule (and silences its "disabled" warning). */
export const L1_CONFIG = {
  rpcUrls: ['https://rpc-1.example.org', 'https://rpc-2.example.org'],
  rollupAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  l1ChainId: 11155111,
} as const;

/** A prebuilt image: these tests don't need a staged Docker context. */
export const TEST_IMAGE = 'registry.example.org/aztec-aws-prover/prover:test';

const outdirs: string[] = [];

function freshOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prover-infra-test-'));
  outdirs.push(dir);
  return dir;
}

/** Removes the cloud assemblies the helpers wrote (call from afterAll). */
export function cleanupOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A small stack for testing one construct, with the project's feature flags and no asset bundling. */
export function constructStack(env?: { account: string; region: string }): Stack {
  const app = new App({ outdir: freshOutdir(), context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'TestStack', env ? { env } : {});
}

export interface SynthesizedProver {
  readonly stack: ProverStack;
  readonly template: Template;
  readonly app: App;
}

/** The whole prover stack with test defaults (prebuilt image, L1 configured) plus `config` overrides. */
export function synthProver(config: Readonly<Record<string, unknown>> = {}, options: ProverAppOptions = {}): SynthesizedProver {
  const { app, stack } = buildProverApp({
    outdir: freshOutdir(),
    ...options,
    config: { proverImage: TEST_IMAGE, ...L1_CONFIG, ...config },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Resolves the intrinsics CDK puts in a DefinitionString: Fn::Join concatenates, Ref → `<LogicalId>`,
 * Fn::GetAtt → `<LogicalId.Attr>`, pseudo parameters → `<AWS::Region>` etc. References stay visible, so tests
 * can check which resource a state points at.
 */
export function resolveForTest(value: unknown): Json {
  if (typeof value !== 'object' || value === null) return value as Json;
  if (Array.isArray(value)) return value.map(resolveForTest);
  const obj = value as Record<string, unknown>;
  if ('Ref' in obj) return `<${String(obj['Ref'])}>`;
  if ('Fn::GetAtt' in obj) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(resolveForTest(p))).join(sep);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveForTest(v)]));
}

export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly TimeoutSeconds?: number;
  readonly [field: string]: unknown;
}

/**
 * A state machine's definition, parsed, with references as `<LogicalId>` placeholders: the template's only one,
 * or the one whose definition starts at `startAt`.
 */
export function definitionOf(template: Template, startAt?: string): AslMachine {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map(
    (m) => JSON.parse(String(resolveForTest((m as { Properties: { DefinitionString: unknown } }).Properties.DefinitionString))) as AslMachine,
  );
  const matching = machines.filter((m) => startAt === undefined || m.StartAt === startAt);
  if (matching.length !== 1) throw new Error(`expected one state machine${startAt ? ` starting at ${startAt}` : ''}, found ${matching.length}`);
  return matching[0]!;
}

/** `<LogicalId>` of a construct's CloudFormation resource, as resolveForTest renders a Ref to it. */
export function refOf(construct: IConstruct): string {
  return `<${logicalId(construct)}>`;
}

/** `<LogicalId.Attr>`, as resolveForTest renders a Fn::GetAtt. */
export function attOf(construct: IConstruct, attribute: string): string {
  return `<${logicalId(construct)}.${attribute}>`;
}
