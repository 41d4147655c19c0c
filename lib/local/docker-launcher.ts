/**
 * Runs each job of the local runtime in the prover image instead of as a local process: `docker run --rm
 * --network host <image> <command>`, with the environment a Batch job gets. Host paths the process launcher
 * passes (CRS, bb, devnet artifacts, scratch) are left out, so the image's own apply — the job runs exactly as
 * on AWS Batch, only S3 is the local server on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ContainerLauncher } from './batch-executor.ts';

/** Set by the process launcher for host processes; the image has its own. */
const HOST_ONLY_ENV = ['CRS_PATH', 'BB_BINARY', 'DEVNET_ARTIFACTS_DIR', 'SCRATCH_DIR'];

export interface DockerLauncherOptions {
  readonly image: string;
  /** Docker CLI; default $DOCKER_CLI, else `docker`. */
  readonly dockerCli?: string;
  /** `docker run` processes in flight. Killing one stops waiting for its job; the container itself runs to its end. */
  readonly running?: Set<ChildProcess>;
}

export function dockerLauncher(options: DockerLauncherOptions): ContainerLauncher {
  const cli = options.dockerCli ?? process.env['DOCKER_CLI'] ?? 'docker';
  return (command, env, signal) =>
    new Promise((resolve, reject) => {
      const envArgs = Object.entries(env)
        .filter(([name]) => !HOST_ONLY_ENV.includes(name))
        .flatMap(([name, value]) => ['--env', `${name}=${value}`]);
      const child = spawn(cli, ['run', '--rm', '--network', 'host', ...envArgs, options.image, ...command], {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      options.running?.add(child);
      // docker run proxies signals to the container, which stops it like TerminateJob.
      const stop = () => child.kill('SIGTERM');
      if (signal?.aborted) stop();
      signal?.addEventListener('abort', stop, { once: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (exitCode, killedBy) => {
        options.running?.delete(child);
        signal?.removeEventListener('abort', stop);
        resolve({ exitCode, signal: killedBy, stdout, stderr });
      });
    });
}
