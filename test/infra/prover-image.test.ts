import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, Size, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { ProverImage } from '../../lib/infra/prover-image.ts';
import { cleanupOutdirs, constructStack } from './support.ts';

afterAll(cleanupOutdirs);

/** The Docker image entries of the stack's asset manifest (`<stack>.assets.json`). */
function dockerImagesOf(assemblyDir: string, stackName: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, `${stackName}.assets.json`), 'utf8')) as { dockerImages?: Record<string, unknown> };
  return manifest.dockerImages ?? {};
}

/** A job definition running the image (what the stack does with it). */
function useImage(stack: Stack, image: ProverImage): void {
  new batch.EcsJobDefinition(stack, 'Job', {
    container: new batch.EcsEc2ContainerDefinition(stack, 'Container', { image: image.image, cpu: 1, memory: Size.mebibytes(512) }),
  });
}

const FIXTURE = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/prover-image');

describe('ProverImage', () => {
  // If synth ran Docker, it would run this (absent) binary and fail: synth only fingerprints the context.
  let savedDocker: string | undefined;
  beforeAll(() => {
    savedDocker = process.env['CDK_DOCKER'];
    process.env['CDK_DOCKER'] = '/nonexistent/docker';
    return () => {
      if (savedDocker === undefined) delete process.env['CDK_DOCKER'];
      else process.env['CDK_DOCKER'] = savedDocker;
    };
  });

  it('builds the Docker context as an image asset (linux/amd64, build args), with no Docker at synth', () => {
    const stack = constructStack();
    const image = new ProverImage(stack, 'Image', {
      directory: FIXTURE,
      buildArgs: { baseImage: 'public.ecr.aws/docker/library/debian:bookworm-slim', crsSource: 'devnet-insecure', crsPoints: 2_097_153 },
    });
    expect(image.asset).toBeDefined();
    useImage(stack, image);
    const assembly = (stack.node.root as App).synth();
    const docker = dockerImagesOf(assembly.directory, stack.stackName);
    expect(Object.values(docker)).toHaveLength(1);
    expect(Object.values(docker)[0]).toMatchObject({
      source: {
        dockerBuildArgs: { BASE_IMAGE: 'public.ecr.aws/docker/library/debian:bookworm-slim', CRS_SOURCE: 'devnet-insecure', CRS_POINTS: '2097153' },
        platform: 'linux/amd64',
      },
    });
    // The context was copied into the assembly (fingerprinted), not built.
    const [{ source }] = Object.values(docker) as [{ source: { directory: string } }];
    expect(existsSync(join(assembly.directory, source.directory, 'Dockerfile'))).toBe(true);
    // The job definition runs the asset's image (ECR URI tagged with the asset hash).
    const hash = image.asset!.assetHash;
    const [definition] = Object.values(Template.fromStack(stack).findResources('AWS::Batch::JobDefinition'));
    expect(JSON.stringify(definition)).toContain(`:${hash}`);
  });

  it('a prebuilt image: no asset, the registry URI as is', () => {
    const stack = constructStack();
    const image = new ProverImage(stack, 'Image', { imageUri: 'registry.example.org/prover:1' });
    expect(image.asset).toBeUndefined();
    useImage(stack, image);
    const assembly = (stack.node.root as App).synth();
    expect(dockerImagesOf(assembly.directory, stack.stackName)).toEqual({});
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: { Image: 'registry.example.org/prover:1' },
    });
  });

  it('explains how to get a context when the directory has no Dockerfile', () => {
    expect(
      () =>
        new ProverImage(constructStack(), 'Image', {
          directory: join(FIXTURE, 'missing'),
          buildArgs: { baseImage: 'x', crsSource: 'aztec', crsPoints: 1 },
        }),
    ).toThrow(/no Dockerfile in .*missing\. Stage the build context first \(npx tsx containers\/prover\/stage-context\.ts\)/);
  });

  it('takes an image URI or a directory, not both', () => {
    expect(() => new ProverImage(constructStack(), 'Image', { imageUri: 'a', directory: FIXTURE })).toThrow(
      'ProverImage: give either imageUri or directory, not both',
    );
  });
});
