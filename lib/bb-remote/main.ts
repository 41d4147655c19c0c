/**
 * bb-remote as a process: environment → configuration → S3 store and executor (built only when a call is
 * delegated) → runBbRemote. Used by `prover bb-remote …` and by the `bin/bb-remote` shim (via entry.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchClient } from '@aws-sdk/client-batch';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from '../aws/s3-client.ts';
import { describeError } from '../errors.ts';
import { bundleLocalJobRunner } from '../local/job-runner-bundle.ts';
import { AwsBatchRemote } from './aws-batch-remote.ts';
import { EXIT_FAILED, runBbRemote, type Delegation } from './bb-remote.ts';
import { frontedBbVersion } from './bb-version.ts';
import { assertDelegationConfig, bbRemoteConfigFromEnv, type BbRemoteConfig, type Env } from './config.ts';
import { LocalRemote } from './local-remote.ts';
import { jobDefinitionFor } from './resource-class.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Set for the real bb we start: if it is bb-remote again (a misconfigured BB_REMOTE_REAL_BB), stop instead of looping. */
const ACTIVE_MARKER = 'BB_REMOTE_ACTIVE';

/** Runs bb-remote with bb's arguments; resolves with the exit code (a bb killed by a signal re-raises it). */
export async function bbRemoteMain(argv: readonly string[], env: Env = process.env): Promise<number> {
  if (env[ACTIVE_MARKER] === '1') {
    process.stderr.write(`bb-remote: BB_REMOTE_REAL_BB runs bb-remote again; point it at the real bb binary\n`);
    return EXIT_FAILED;
  }
  let config: BbRemoteConfig;
  try {
    config = bbRemoteConfigFromEnv(env);
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n`);
    return EXIT_FAILED;
  }
  const stop = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    received = signal;
    stop.abort(new Error(`stopped by ${signal}`));
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, onSignal);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const code = await runBbRemote(argv, {
      delegate: config.delegate,
      cwd: process.cwd(),
      bbVersion: () => frontedBbVersion(config),
      passThrough: (args) => passThrough(config.realBb, args, env, signals, onSignal),
      delegation: () => createDelegation(config, env, cleanups),
      log: (line) => process.stderr.write(`${line}\n`),
      signal: stop.signal,
    });
    if (received === undefined) return code;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
  // Stopped by the agent: the remote job is stopped; now die of the same signal, as bb would have
  // (bb-prover treats a signal as "retry", an exit code as a failure).
  process.kill(process.pid, received);
  return 128 + constants.signals[received];
}

/**
 * The real bb with our stdio: same output, same exit code. SIGINT/SIGTERM go to bb; a bb killed by a signal
 * kills bb-remote with the same signal, so the caller sees what it would have seen from bb.
 */
function passThrough(
  bb: string,
  args: readonly string[],
  env: Env,
  signals: readonly NodeJS.Signals[],
  ownHandler: (signal: NodeJS.Signals) => void,
): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(bb, args, { stdio: 'inherit', env: { ...env, [ACTIVE_MARKER]: '1' } });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const s of signals) {
      process.off(s, ownHandler);
      process.on(s, forward);
    }
    child.on('error', (err) => {
      process.stderr.write(`bb-remote: cannot run the real bb at ${bb}: ${err.message} (set BB_REMOTE_REAL_BB)\n`);
      resolvePromise(127);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      if (signal !== null) {
        process.kill(process.pid, signal);
        // Only reached for signals the default action does not kill on.
        resolvePromise(128 + (constants.signals[signal] ?? 0));
        return;
      }
      resolvePromise(code ?? EXIT_FAILED);
    });
  });
}

/**
 * Where remote jobs run, from the BB_REMOTE_* configuration: the S3 store and an executor (AWS Batch, or the
 * bundled job runner as a local process). Also used by `prover aztec-job --remote`. `cleanups` run at exit.
 */
export async function createDelegation(config: BbRemoteConfig, env: Env, cleanups: (() => Promise<void>)[]): Promise<Delegation> {
  assertDelegationConfig(config);
  const s3 = s3ConfigFromEnv(env);
  const store = await S3ArtifactStore.connect({
    client: createS3Client(s3),
    bucket: config.bucket,
    // Local S3 servers (s3rver) ignore If-None-Match; every key bb-remote writes is content-addressed.
    ...(s3.endpoint ? { conditionalWrites: 'check-then-put' as const } : {}),
  });
  const common = { store, timeoutMs: config.timeoutMs, attempts: config.attempts, retryDelayMs: config.retryDelayMs, ...(config.aws.resourceClass ? { resourceClass: config.aws.resourceClass } : {}) };
  if (config.mode === 'aws') {
    const remote = new AwsBatchRemote({
      client: new BatchClient({ region: s3.region }),
      jobQueue: config.aws.jobQueue!,
      jobDefinitionFor: (resourceClass) => jobDefinitionFor(resourceClass, config.aws),
      bucket: config.bucket,
      pollMaxMs: config.pollMaxMs,
    });
    return { ...common, remote };
  }
  let bundle = config.local.runnerBundle;
  let runnerEnv: Readonly<Record<string, string>> = {};
  if (bundle === undefined) {
    // A private bundle per call: several bb-remote calls may run at once. Inside the repo so bare imports resolve.
    const dir = join(REPO_ROOT, '.cache', 'bb-remote', `runner-${process.pid}-${randomBytes(4).toString('hex')}`);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const runner = await bundleLocalJobRunner(dir);
    bundle = runner.bundle;
    runnerEnv = runner.env;
  }
  const passEnv = (names: readonly string[]): Record<string, string> =>
    Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]!]] : [])));
  const remote = new LocalRemote({
    node: process.execPath,
    bundle,
    env: {
      ...runnerEnv,
      // BB_VERSIONS_DIR: other bbs for the local runner; BB_BINARY below runs jobs naming its own version.
      ...passEnv(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'DEVNET_ARTIFACTS_DIR', 'BB_VERSIONS_DIR']),
      AWS_REGION: s3.region,
      ARTIFACT_BUCKET: config.bucket,
      ...(s3.endpoint ? { S3_ENDPOINT: s3.endpoint } : {}),
      CRS_PATH: config.local.crsPath!,
      BB_BINARY: config.realBb,
    },
  });
  return { ...common, remote };
}
