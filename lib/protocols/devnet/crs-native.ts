/**
 * Fast path for the devnet test CRS: the Go tool in scripts/test-crs (gnark-crypto), built once per source
 * hash into `<cache>/bin/` and run as a child process. It writes exactly the bytes of crs.ts's JS generator
 * (the portable reference), 10x+ faster: 2^24 points in ~1 minute on 2 cores instead of ~11.
 * Everything here degrades to "unavailable" (no Go, Go too old, offline first build, bundled without the
 * source) so callers fall back to JS.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devnetCacheRoot } from './cache-dir.ts';

/** `0` forces the JS generator. */
const NATIVE_CRS_ENV = 'AZTEC_AWS_PROVER_NATIVE_CRS';

/** Below this many points a cold `go build` (15–25 s) costs more than JS; an already built tool is always used. */
export const NATIVE_BUILD_MIN_POINTS = 1 << 16;

export const NATIVE_CRS_HINT =
  'for the 10x+ faster native generator put Go >= 1.25.7 on PATH (or set GO=/path/to/go); see scripts/test-crs/README.md';

const SOURCE_DIR = fileURLToPath(new URL('../../../scripts/test-crs/', import.meta.url));

export type NativeCrsTool = { readonly path: string } | { readonly unavailable: string };

let building: Promise<NativeCrsTool> | undefined;

/**
 * The native tool if it is built for the current source, else (when `build`) builds it. Never throws: the
 * reason it cannot be had comes back as `unavailable`.
 */
export async function nativeCrsTool(options: { build: boolean; log?: (line: string) => void }): Promise<NativeCrsTool> {
  if (process.env[NATIVE_CRS_ENV] === '0') return { unavailable: `${NATIVE_CRS_ENV}=0` };
  if (!existsSync(join(SOURCE_DIR, 'go.mod'))) return { unavailable: `no Go source at ${SOURCE_DIR} (bundled copy?)` };
  const path = join(devnetCacheRoot(), 'bin', `test-crs-${sourceHash()}`);
  if (existsSync(path)) return { path };
  if (!options.build) return building ?? { unavailable: 'not built yet' };
  building ??= buildTool(path, options.log ?? (() => {}));
  return building;
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const name of readdirSync(SOURCE_DIR).sort()) {
    if (name === 'go.mod' || name === 'go.sum' || (name.endsWith('.go') && !name.endsWith('_test.go'))) {
      h.update(name).update('\0').update(readFileSync(join(SOURCE_DIR, name))).update('\0');
    }
  }
  return h.digest('hex').slice(0, 16);
}

function findGo(): string | undefined {
  const env = process.env.GO;
  if (env !== undefined && env !== '') return existsSync(env) ? env : undefined;
  const onPath = (process.env.PATH ?? '').split(':').find((dir) => dir !== '' && existsSync(join(dir, 'go')));
  if (onPath !== undefined) return join(onPath, 'go');
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

async function buildTool(path: string, log: (line: string) => void): Promise<NativeCrsTool> {
  const go = findGo();
  if (go === undefined) return { unavailable: 'no go: not on PATH, not at $GO or /usr/local/go/bin/go' };
  mkdirSync(join(path, '..'), { recursive: true });
  // Private output name, renamed into place: concurrent builders (vitest workers) each finish atomically.
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  log(`devnet CRS: building the native generator (${go} build in scripts/test-crs, once per source change)`);
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        go,
        ['build', '-trimpath', '-buildvcs=false', '-o', tmp, '.'],
        // GOTOOLCHAIN=local: a Go older than go.mod's line fails (and we fall back) instead of fetching a toolchain.
        { cwd: SOURCE_DIR, env: { ...process.env, GOTOOLCHAIN: 'local' }, timeout: 5 * 60_000, maxBuffer: 1 << 20 },
        (err, _stdout, stderr) => (err === null ? resolve() : reject(new Error([err.message.split('\n')[0], stderr.trim()].filter(Boolean).join(': ')))),
      );
    });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    return { unavailable: `go build failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  log(`devnet CRS: native generator built in ${Math.round(performance.now() - started)} ms: ${path}`);
  return { path };
}

export interface NativeG1Request {
  /** τ in [1, r). */
  readonly tau: bigint;
  /** Index of the first point. */
  readonly start: number;
  readonly count: number;
  readonly threads: number;
  /** File to write (created or truncated). */
  readonly out: string;
}

/** Runs the tool; rejects with its own error message (bad τ or count included) on failure. */
export function runNativeG1(toolPath: string, req: NativeG1Request): Promise<void> {
  const args = ['-tau', req.tau.toString(16), '-count', String(req.count), '-start', String(req.start)];
  args.push('-threads', String(req.threads), '-out', req.out);
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`native CRS generator failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}
