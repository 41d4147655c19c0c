/**
 * vitest globalSetup for the LocalStack tier (vitest.localstack.config.ts).
 *
 * Default: install the pinned runtime if needed (.ci/localstack-setup.sh), start LocalStack on the host on a
 * free loopback port with its state under .localstack/run-<pid>/, and stop that process afterwards.
 * With LOCALSTACK_ENDPOINT=http://host:port: use that LocalStack instead (e.g. test/localstack/docker-compose.yml);
 * its Step Functions mocks must then be read from the file at LOCALSTACK_SFN_MOCK_CONFIG (host path, default
 * .localstack/sfn-mock-config.json, which the compose file mounts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startLocalStack, waitForHealth } from './localstack-process.ts';
import { resetSfnMockConfig } from './sfn-mock-config.ts';

export interface LocalStackContext {
  readonly endpoint: string;
  readonly sfnMockConfigPath: string;
  readonly region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localstack: LocalStackContext;
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const region = 'us-east-1';
  const external = process.env['LOCALSTACK_ENDPOINT'];
  if (external) {
    const sfnMockConfigPath = resolve(process.env['LOCALSTACK_SFN_MOCK_CONFIG'] ?? join(root, '.localstack', 'sfn-mock-config.json'));
    mkdirSync(dirname(sfnMockConfigPath), { recursive: true });
    resetSfnMockConfig(sfnMockConfigPath);
    await waitForHealth(external.replace(/\/$/, ''), 60_000);
    project.provide('localstack', { endpoint: external.replace(/\/$/, ''), sfnMockConfigPath, region });
    return async () => {};
  }

  const started = Date.now();
  execFileSync('bash', [join(root, '.ci', 'localstack-setup.sh')], { stdio: 'inherit' });
  const runDir = join(root, '.localstack', `run-${process.pid}`);
  const sfnMockConfigPath = join(runDir, 'sfn-mock-config.json');
  mkdirSync(runDir, { recursive: true });
  resetSfnMockConfig(sfnMockConfigPath);
  const localstack = await startLocalStack({ root, runDir, sfnMockConfigPath });
  console.log(`LocalStack ${localstack.endpoint} (pid ${localstack.pid}) ready in ${Date.now() - started} ms; log: ${localstack.logPath}`);
  project.provide('localstack', { endpoint: localstack.endpoint, sfnMockConfigPath, region });
  return async () => {
    const stopping = Date.now();
    await localstack.stop();
    console.log(`LocalStack (pid ${localstack.pid}) stopped in ${Date.now() - stopping} ms`);
    if (process.env['LOCALSTACK_KEEP'] !== '1') rmSync(runDir, { recursive: true, force: true });
  };
}
