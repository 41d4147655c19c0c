/**
 * Starts LocalStack on the host from the project's virtualenv (.venv-localstack, built by
 * .ci/localstack-setup.sh), waits for its health endpoint, and stops exactly the process it started.
 * No Docker: S3, Step Functions, EventBridge, Scheduler, SQS, IAM, STS and Logs all run in-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Services the tier uses; the health check waits for each of them. */
const LOCALSTACK_SERVICES = ['s3', 'stepfunctions', 'events', 'scheduler', 'sqs', 'iam', 'sts', 'logs'] as const;

export interface StartOptions {
  /** Repository root (holds .venv-localstack and .localstack). */
  readonly root: string;
  /** Per-run directory under .localstack/: state, log and the SFN mock config live here. */
  readonly runDir: string;
  /** Path LocalStack reads Step Functions mocked responses from (hot-reloaded when its mtime changes). */
  readonly sfnMockConfigPath: string;
  readonly startTimeoutMs?: number;
}

export interface RunningLocalStack {
  readonly endpoint: string;
  readonly pid: number;
  readonly logPath: string;
  stop(): Promise<void>;
}

function venvPython(root: string): string {
  return join(root, '.venv-localstack', 'bin', 'python');
}

export async function startLocalStack(options: StartOptions): Promise<RunningLocalStack> {
  const python = venvPython(options.root);
  if (!existsSync(python)) {
    throw new Error(`LocalStack virtualenv missing: ${python} does not exist. Run: bash .ci/localstack-setup.sh`);
  }
  mkdirSync(join(options.runDir, 'tmp'), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logPath = join(options.runDir, 'localstack.log');
  const log = createWriteStream(logPath);
  const logClosed = new Promise<void>((resolve) => log.once('close', () => resolve()));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    // Hypercorn binds the address given; the default (twisted) server ignores the host and binds 0.0.0.0.
    GATEWAY_SERVER: 'hypercorn',
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    LOCALSTACK_HOST: `127.0.0.1:${port}`,
    SERVICES: LOCALSTACK_SERVICES.join(','),
    EAGER_SERVICE_LOADING: '1',
    FILESYSTEM_ROOT: join(options.runDir, 'fs'),
    // LocalStack clears <tmpdir>/localstack at start and stop: keep it per run, not the machine's shared /tmp.
    TMPDIR: join(options.runDir, 'tmp'),
    SFN_MOCK_CONFIG: options.sfnMockConfigPath,
    // Offline and quiet: no DNS server on :53, no certificate download, no analytics, no update checks.
    DNS_ADDRESS: '0',
    SKIP_SSL_CERT_DOWNLOAD: '1',
    DISABLE_EVENTS: '1',
    LOCALSTACK_TELEMETRY: '0',
    DEBUG: process.env['LOCALSTACK_DEBUG'] ?? '0',
  };
  const child = spawn(python, ['-m', 'localstack.runtime.main'], { cwd: options.runDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Two sources into one file: end it once both pipes are drained ('close' comes after all stdio closed).
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${python}`);

  // If the test runner dies without running teardown, do not leave our LocalStack behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopChild(child, exited);
    process.removeListener('exit', killOnExit);
  };
  let settled = false;
  const died = exited.then((code) => {
    if (!settled) throw new Error(`LocalStack exited with code ${code} during startup`);
  });
  try {
    await Promise.race([waitForHealth(endpoint, options.startTimeoutMs ?? 60_000, () => settled), died]);
    settled = true;
  } catch (err) {
    settled = true;
    await stop();
    await Promise.race([logClosed, new Promise((resolve) => setTimeout(resolve, 2_000))]); // so the tail below is complete
    throw new Error(`LocalStack did not start: ${(err as Error).message}\n--- ${logPath} (tail) ---\n${tail(logPath)}`, { cause: err });
  }
  return { endpoint, pid, logPath, stop };
}

/**
 * Resolves once the runtime is READY (/_localstack/init/ready: the gateway is up and startup hooks ran) and
 * every service in LOCALSTACK_SERVICES reports available/running. Health alone answers before READY.
 */
export async function waitForHealth(endpoint: string, timeoutMs: number, abandoned: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline && !abandoned()) {
    try {
      const ready = await getJson(`${endpoint}/_localstack/init/ready`);
      if ((ready.body as { completed?: boolean }).completed !== true) {
        last = `runtime not READY (HTTP ${ready.status})`;
      } else {
        const health = await getJson(`${endpoint}/_localstack/health`);
        const services = (health.body as { services?: Record<string, string> }).services ?? {};
        const notReady = LOCALSTACK_SERVICES.filter((s) => !['available', 'running'].includes(services[s] ?? 'missing'));
        if (health.status === 200 && notReady.length === 0) return;
        last = `HTTP ${health.status}, not ready: ${notReady.map((s) => `${s}=${services[s] ?? 'missing'}`).join(', ')}`;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${endpoint}/_localstack/health not ready after ${timeoutMs} ms (${last})`);
}

/**
 * One GET without keep-alive. (fetch would pool the connection in this long-lived process, and LocalStack's
 * server then waits for it to close before it can shut down.)
 */
function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, headers: { connection: 'close' }, timeout: 2_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: {} });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** SIGTERM (LocalStack shuts down cleanly in a few seconds), SIGKILL if it hangs. Only our own child. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
