/**
 * `npx cdk synth` as a user runs it from a fresh clone: the real CLI, no AWS credentials, no Docker, cdk-nag on.
 * Slow (stages the prover image context and bundles three Lambdas), so it runs once for the whole file.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/infra/prover-function.ts';
import { BROKER_OUTPUTS, STACK_OUTPUTS } from '../../lib/infra/prover-stack.ts';
import { offlineEnv } from './cdk-cli.ts';

describe('npx cdk synth (no AWS credentials, no Docker)', () => {
  let outdir: string;
  let result: SpawnSyncReturns<string>;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
    env = offlineEnv();
    result = spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-c', 'nag=true', '-o', outdir], {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
  }, 300_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    if (env['HOME']) rmSync(env['HOME'], { recursive: true, force: true });
  });

  it('exits 0 and writes the stack template', () => {
    expect(result.error).toBeUndefined();
    expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'AztecProver.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
      Outputs: Record<string, unknown>;
    };
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    for (const type of ['AWS::StepFunctions::StateMachine', 'AWS::Batch::JobQueue', 'AWS::Batch::JobDefinition', 'AWS::S3::Bucket', 'AWS::Scheduler::Schedule']) {
      expect(types).toContain(type);
    }
    // The default (devnet) stack has every output but the proving broker's, which only the aztec profile has.
    const aztecOnly = BROKER_OUTPUTS;
    expect(Object.keys(template.Outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).filter((o) => !aztecOnly.includes(o)).sort());
  });

  it('bundled every project Lambda (Plan, Poller, Submit, DescribeFailedJobs) with the local esbuild and staged the prover image as a Docker asset', () => {
    const assets = JSON.parse(readFileSync(join(outdir, 'AztecProver.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
      dockerImages: Record<string, { source: { directory: string; dockerBuildArgs: Record<string, string> } }>;
    };
    const template = JSON.parse(readFileSync(join(outdir, 'AztecProver.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown } } }>;
    };
    const bundles = Object.entries(assets.files).filter(([, f]) => existsSync(join(outdir, f.source.path, 'index.mjs')));
    expect(bundles).toHaveLength(4);
    // Each bundle is the code of a function in the template (none is a stray asset).
    const functionKeys = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Code?.S3Key);
    for (const [hash] of bundles) expect(functionKeys).toContain(`${hash}.zip`);
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source.dockerBuildArgs).toMatchObject({ CRS_SOURCE: 'devnet-insecure', CRS_POINTS: expect.stringMatching(/^\d+$/) });
    expect(readdirSync(join(outdir, images[0]!.source.directory))).toContain('Dockerfile');
  });

  it('a bundled handler loads and validates its event (the Lambda runtime would run this file)', async () => {
    const assets = JSON.parse(readFileSync(join(outdir, 'AztecProver.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const template = JSON.parse(readFileSync(join(outdir, 'AztecProver.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } } }>;
    };
    // The Plan function's code asset: its S3 key is the asset hash.
    const plan = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.startsWith('Plans a proving run'),
    );
    const hash = plan?.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    expect(hash && assets.files[hash]).toBeTruthy();
    const bundleDir = join(outdir, assets.files[hash!]!.source.path);
    const { handler } = (await import(pathToFileURL(join(bundleDir, 'index.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const context = { functionName: 'plan', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 };
    await expect(handler({ runId: 'x', request: { fromBlock: 'one' } }, context)).rejects.toThrow(/parse|fromBlock/i);
    const saved = { ...process.env };
    Object.assign(process.env, { PROFILE: 'devnet', ARTIFACT_BUCKET: 'bucket', L1_CHAIN_ID: '31337', MAX_BLOCKS_PER_RUN: '4' });
    try {
      // A valid event reaches the wiring in the bundle, which names the missing deployment setting.
      await expect(handler({ runId: 'devnet-run', request: { blockNumber: 3 } }, context)).rejects.toThrow(/no prover address configured \(config key proverAddress/);
    } finally {
      process.env = saved;
    }
  });
});
