/**
 * A thin, typed way for tests to drive a real Docker engine through its CLI. CI brings the engine up with
 * .ci/docker-setup.sh (Debian's docker.io, dockerd, a debootstrapped base image); a test that needs it calls
 * `requireDockerEngine()` and fails with instructions when there is none — it never skips.
 *
 * CLI choice: Debian's /usr/bin/docker (20.10) drives the engine's built-in BuildKit with DOCKER_BUILDKIT=1.
 * A newer CLI without the buildx plugin (e.g. /usr/local/bin/docker 28) can't, and its legacy builder would
 * run every CRS stage of the prover Dockerfile. Override with $DOCKER_CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const BASE_IMAGE_TAG = process.env.BASE_IMAGE_TAG ?? 'aztec-aws-prover/base:trixie';

export interface DockerEngine {
  /** Path of the docker CLI used for every call. */
  readonly cli: string;
  readonly serverVersion: string;
}

export interface DockerResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DockerRunOptions {
  /** Extra environment for the CLI process (not the container). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the CLI after this long. @default 10 minutes */
  readonly timeoutMs?: number;
  /** Called with each chunk of stderr (build progress), e.g. to echo it. */
  readonly onStderr?: (chunk: string) => void;
}

const SETUP_HINT = 'start one with: sudo .ci/docker-setup.sh (installs docker.io + debootstrap, starts dockerd, builds the base image)';

function pickCli(): string {
  if (process.env.DOCKER_CLI) return process.env.DOCKER_CLI;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** Runs the docker CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
export function docker(engine: Pick<DockerEngine, 'cli'>, args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine.cli, args, {
      env: { ...process.env, DOCKER_BUILDKIT: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${engine.cli} ${args[0] ?? ''}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n[killed by ${signal}]` : stderr });
    });
  });
}

/** Like `docker`, but rejects with the command and its output on a non-zero exit. */
export async function dockerOk(engine: Pick<DockerEngine, 'cli'>, args: readonly string[], options: DockerRunOptions = {}): Promise<string> {
  const result = await docker(engine, args, options);
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${result.code}\n${tailLines(result.stderr || result.stdout, 40)}`);
  }
  return result.stdout;
}

/** The reachable engine, or an error that says how to start one. */
export async function requireDockerEngine(): Promise<DockerEngine> {
  const cli = pickCli();
  let result: DockerResult;
  try {
    result = await docker({ cli }, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  } catch (err) {
    throw new Error(`no docker CLI at ${cli} (${(err as Error).message}); ${SETUP_HINT}`, { cause: err });
  }
  const serverVersion = result.stdout.trim();
  if (result.code !== 0 || serverVersion === '') {
    throw new Error(`no Docker engine reachable through ${cli}: ${tailLines(result.stderr, 5)}\n${SETUP_HINT}`);
  }
  return { cli, serverVersion };
}

/** Fails (with the setup hint) unless the image exists locally: there is no registry to pull it from. */
export async function requireLocalImage(engine: DockerEngine, tag: string): Promise<void> {
  const result = await docker(engine, ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 20_000 });
  if (result.code !== 0) {
    throw new Error(`base image ${tag} is not in the local engine (no registry is reachable to pull it); ${SETUP_HINT}`);
  }
}

export function tailLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
