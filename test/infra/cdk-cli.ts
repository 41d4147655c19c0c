/**
 * Running the real CDK CLI the way a user does from a fresh clone, for tests: no AWS credentials, no Docker.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The caller's environment without anything that could reach AWS (credentials, profiles, region) or configure the stack. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('PROVER_') && !k.startsWith('CDK_')),
  );
  return {
    ...env,
    // A home without ~/.aws, so the SDK finds no shared config or credentials either.
    HOME: mkdtempSync(join(tmpdir(), 'cdk-home-')),
    // Any Docker call would fail: bundling and image assets must not need it at synth.
    CDK_DOCKER: '/nonexistent/docker',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    ...extra,
  };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs: Record<string, unknown>;
}

export function resourcesOfType(template: CfnTemplate, type: string): CfnResource[] {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}
