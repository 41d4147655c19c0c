import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.ts';

/** The repository root (this file is lib/infra/prover-function.ts). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies call require() for Node built-ins, so give the
 * bundle a real one.
 */
const REQUIRE_SHIM =
  "import { createRequire as __lambdaCreateRequire } from 'node:module'; const require = __lambdaCreateRequire(import.meta.url);";

export interface ProverFunctionProps {
  /** Handler module under lambdas/, e.g. `plan` for lambdas/plan.ts (exports `handler`). */
  readonly handlerName: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A project Lambda: lambdas/<name>.ts bundled by the local esbuild (never Docker) into one ESM file,
 * Node.js 22 on ARM64, X-Ray tracing, Powertools structured logging, its own log group (and a role that may write
 * only there; callers add what the function needs).
 */
export class ProverFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProverFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // Not the default role with AWSLambdaBasicExecutionRole (logs on *): the function writes to its own group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lambda ${props.handlerName}: ${props.description}`,
    });
    this.logGroup.grantWrite(role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      entry: join(PROJECT_ROOT, 'lambdas', `${props.handlerName}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.minutes(1),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: `prover-${props.handlerName}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        // Local esbuild (a devDependency) only: synth must work offline and without a Docker daemon.
        forceDockerBundling: false,
        // The runtime's SDK v3 is used; everything else (zod, viem, Powertools, lib/) is bundled.
        externalModules: ['@aws-sdk/*'],
      },
    });

    acknowledgeNag(this, 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.', [
      'AwsSolutions-IAM5[Resource::*]',
    ]);
    acknowledgeNag(
      this,
      'Node.js 22 is pinned project-wide (package.json engines, the node devDependency the tests and the local ' +
        'runtime use); the runtimes move together.',
      ['AwsSolutions-L1'],
    );
  }
}
