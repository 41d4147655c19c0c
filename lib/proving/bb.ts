/**
 * The `bb` subprocess runner: the one place that spawns barretenberg. Returns `BbSuccess | BbFailure`, never
 * throws (after Aztec's bb-prover `execute.ts`), measures wall time and peak RSS, and turns bb's quirks into
 * explicit failures:
 * - `bb prove` exits 0 on an unsatisfied circuit, printing "Builder failure when we have real witnesses!"
 *   and writing a proof that will not verify: that line is a (non-retryable) failure, except for write_vk,
 *   which builds the circuit from dummy witnesses on purpose.
 * - Killed by a signal (OOM killer, spot reclaim, our timeout): retryable.
 * No AWS imports here (lib/proving is the pure core).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BbFailure, BbInvocation, BbOutcome, BbSuccess, ProvingBackend } from './backend.ts';

export type { BbFailure, BbInvocation, BbOutcome, BbSuccess } from './backend.ts';

/** bb's verifier targets (`-t`): hash function and ZK-ness of the proof. */
export type BbVerifierTarget =
  | 'evm'
  | 'evm-no-zk'
  | 'noir-recursive'
  | 'noir-recursive-no-zk'
  | 'noir-rollup'
  | 'noir-rollup-no-zk';

const BUILDER_FAILURE = 'Builder failure when we have real witnesses';
/** Enough of each stream to diagnose a failure without holding a verbose log in memory. */
const TAIL_BYTES = 16 * 1024;
/**
 * VmHWM is the kernel's own high-water mark, so sampling it only misses growth in the last interval before
 * exit; 25 ms keeps even sub-second runs measured at negligible cost.
 */
const RSS_POLL_MS = 25;


/** Live bb processes: killed when this process exits, so an interrupted run leaves no orphan prover. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('close', () => live.delete(child));
}

/**
 * `BB_BINARY` if set, else the native binary shipped in @aztec/bb.js. The package is found by Node's own
 * resolution from this file, not a path relative to it: bundled, this module lives in a chunk directory.
 */
export function bbBinaryPath(): string {
  const fromEnv = process.env.BB_BINARY;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const main = createRequire(import.meta.url).resolve('@aztec/bb.js'); // …/dest/node-cjs/index.js
  return join(dirname(main), '..', '..', 'build', 'amd64-linux', 'bb');
}

export interface RunBbOptions extends BbInvocation {
  /** Binary to run (default `bbBinaryPath()`). */
  readonly bbPath?: string;
  /** Kill bb (SIGKILL) after this long; the failure is retryable. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Extra environment (e.g. HARDWARE_CONCURRENCY). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs bb with `args` in `cwd`. The CRS directory (`crsPath`, else `$CRS_PATH`) is passed both as
 * `CRS_PATH` and, for commands that read it, as `-c` — bb would otherwise try to download Aztec's CRS.
 */
export function runBb(options: RunBbOptions): Promise<BbOutcome> {
  const started = performance.now();
  const bbPath = options.bbPath ?? bbBinaryPath();
  const crsPath = options.crsPath ?? nonEmpty(process.env.CRS_PATH);
  const args = [...options.args];
  if (crsPath !== undefined && commandReadsCrs(args[0]) && !args.includes('-c') && !args.includes('--crs_path')) {
    args.push('-c', crsPath);
  }
  const elapsed = (): number => Math.round(performance.now() - started);
  const fail = (reason: string, retry: boolean, stdout = '', stderr = '', peakRssKiB?: number): BbFailure => ({
    ok: false,
    durationMs: elapsed(),
    reason,
    retry,
    stdout,
    stderr,
    ...(peakRssKiB === undefined ? {} : { peakRssKiB }),
  });

  if (!existsSync(bbPath)) {
    return Promise.resolve(fail(`bb binary not found at ${bbPath} (set BB_BINARY or install @aztec/bb.js)`, false));
  }
  if (options.signal?.aborted === true) return Promise.resolve(fail('aborted before start', true));

  return new Promise<BbOutcome>((resolvePromise) => {
    const child = spawn(bbPath, args, {
      cwd: options.cwd,
      env: { ...process.env, ...(crsPath === undefined ? {} : { CRS_PATH: crsPath }), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const stdout = new TailBuffer(TAIL_BYTES);
    const stderr = new TailBuffer(TAIL_BYTES);
    let sawBuilderFailure = false;
    let peakRssKiB: number | undefined;
    let killedBy: 'timeout' | 'abort' | undefined;
    const watch = (chunk: Buffer, into: TailBuffer): void => {
      // Check before trimming so a match across the tail boundary is not lost.
      if (!sawBuilderFailure && (into.text() + chunk.toString('utf8')).includes(BUILDER_FAILURE)) sawBuilderFailure = true;
      into.push(chunk);
    };
    child.stdout.on('data', (c: Buffer) => watch(c, stdout));
    child.stderr.on('data', (c: Buffer) => watch(c, stderr));

    const pollRss = (): void => {
      const kib = readPeakRssKiB(child.pid);
      if (kib !== undefined && (peakRssKiB === undefined || kib > peakRssKiB)) peakRssKiB = kib;
    };
    const poller = setInterval(pollRss, RSS_POLL_MS);
    child.once('spawn', pollRss);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            killedBy = 'timeout';
            child.kill('SIGKILL');
          }, options.timeoutMs);
    const onAbort = (): void => {
      killedBy = 'abort';
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const finish = (outcome: BbOutcome): void => {
      if (settled) return;
      settled = true;
      clearInterval(poller);
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise(outcome);
    };

    child.on('error', (err) => finish(fail(`could not run ${bbPath}: ${err.message}`, false, stdout.text(), stderr.text())));
    child.on('exit', () => pollRss());
    const onEnd = (code: number | null, signal: NodeJS.Signals | null): void => {
      const out = stdout.text();
      const err = stderr.text();
      const command = args[0] ?? '(none)';
      if (killedBy === 'timeout') {
        return finish(fail(`bb ${command} timed out after ${options.timeoutMs} ms`, true, out, err, peakRssKiB));
      }
      if (killedBy === 'abort') return finish(fail(`bb ${command} aborted`, true, out, err, peakRssKiB));
      if (signal !== null) {
        // SIGKILL without our timeout is usually the OOM killer or the host going away: try again.
        return finish(fail(`bb ${command} killed by ${signal}`, true, out, err, peakRssKiB));
      }
      if (code !== 0) {
        return finish(fail(`bb ${command} exited with code ${code}: ${lastLine(err) ?? lastLine(out) ?? 'no output'}`, false, out, err, peakRssKiB));
      }
      if (sawBuilderFailure && command !== 'write_vk' && command !== 'gates') {
        return finish(
          fail(`bb ${command}: the witness does not satisfy the circuit ("${BUILDER_FAILURE}")`, false, out, err, peakRssKiB),
        );
      }
      const success: BbSuccess = {
        ok: true,
        durationMs: elapsed(),
        stdout: out,
        stderr: err,
        ...(peakRssKiB === undefined ? {} : { peakRssKiB }),
      };
      finish(success);
    };
    // Normally wait for 'close' (all output read). When we killed bb ourselves, its pipes may stay open in
    // grandchildren, so settle on 'exit'.
    child.on('close', onEnd);
    child.on('exit', (code, signal) => {
      if (killedBy !== undefined) onEnd(code, signal);
    });
  });
}

/** The native bb as a `ProvingBackend` for the job runner. */
export class NativeBbBackend implements ProvingBackend {
  readonly name = 'bb-native';
  readonly bbPath: string;
  private readonly timeoutMs: number | undefined;

  constructor(options: { readonly bbPath?: string; readonly timeoutMs?: number } = {}) {
    this.bbPath = options.bbPath ?? bbBinaryPath();
    this.timeoutMs = options.timeoutMs;
  }

  async version(): Promise<string> {
    return bbVersion(this.bbPath);
  }

  run(invocation: BbInvocation): Promise<BbOutcome> {
    return runBb({ ...invocation, bbPath: this.bbPath, ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }) });
  }
}

/** `bb --version`, e.g. "5.0.0-nightly.20260710". Throws when bb cannot run. */
export async function bbVersion(bbPath: string = bbBinaryPath()): Promise<string> {
  const outcome = await runBb({ args: ['--version'], cwd: process.cwd(), bbPath });
  if (!outcome.ok) throw new Error(`cannot run bb: ${outcome.reason}`);
  return outcome.stdout.trim();
}

// ---------------------------------------------------------------------------------------------------------
// Typed helpers for the commands the devnet uses. Paths are absolute or relative to `cwd`.

export interface BbProveParameters {
  readonly bytecodePath: string;
  readonly witnessPath: string;
  readonly outputDir: string;
  readonly target: BbVerifierTarget;
  /** Precomputed vk (bb recomputes it otherwise, which costs time). */
  readonly vkPath?: string;
  readonly crsPath?: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly bbPath?: string;
}

/** Arguments of `bb prove` for the given files (for job specs that run bb elsewhere). */
export function bbProveArgs(p: Omit<BbProveParameters, 'crsPath' | 'cwd' | 'timeoutMs' | 'bbPath'>): string[] {
  return [
    'prove',
    '--scheme',
    'ultra_honk',
    '-t',
    p.target,
    '-b',
    p.bytecodePath,
    '-w',
    p.witnessPath,
    ...(p.vkPath === undefined ? [] : ['-k', p.vkPath]),
    '-o',
    p.outputDir,
  ];
}

/** Writes `proof` and `public_inputs` into `outputDir`. */
export function bbProve(p: BbProveParameters): Promise<BbOutcome> {
  return runBb({ args: bbProveArgs(p), cwd: p.cwd ?? process.cwd(), ...optional(p) });
}

/** Writes `vk` and `vk_hash` into `outputDir`. */
export function bbWriteVk(p: {
  readonly bytecodePath: string;
  readonly outputDir: string;
  readonly target: BbVerifierTarget;
  readonly crsPath?: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly bbPath?: string;
}): Promise<BbOutcome> {
  return runBb({
    args: ['write_vk', '--scheme', 'ultra_honk', '-t', p.target, '-b', p.bytecodePath, '-o', p.outputDir],
    cwd: p.cwd ?? process.cwd(),
    ...optional(p),
  });
}

/** Circuit size (gates) as bb counts it for `target`. */
export async function bbGates(p: {
  readonly bytecodePath: string;
  readonly target: BbVerifierTarget;
  readonly cwd?: string;
  readonly bbPath?: string;
}): Promise<{ readonly outcome: BbOutcome; readonly circuitSize?: number }> {
  const outcome = await runBb({
    args: ['gates', '--scheme', 'ultra_honk', '-t', p.target, '-b', p.bytecodePath],
    cwd: p.cwd ?? process.cwd(),
    ...(p.bbPath === undefined ? {} : { bbPath: p.bbPath }),
  });
  if (!outcome.ok) return { outcome };
  const match = /"circuit_size":\s*(\d+)/.exec(outcome.stdout);
  return match === null ? { outcome } : { outcome, circuitSize: Number(match[1]) };
}

/** Writes a Solidity verifier for `vkPath` to `outputPath`. */
export function bbWriteSolidityVerifier(p: {
  readonly vkPath: string;
  readonly outputPath: string;
  readonly target: BbVerifierTarget;
  readonly optimized?: boolean;
  readonly cwd?: string;
  readonly bbPath?: string;
}): Promise<BbOutcome> {
  return runBb({
    args: [
      'write_solidity_verifier',
      '--scheme',
      'ultra_honk',
      '-t',
      p.target,
      '-k',
      p.vkPath,
      '-o',
      p.outputPath,
      ...(p.optimized === true ? ['--optimized'] : []),
    ],
    cwd: p.cwd ?? process.cwd(),
    ...(p.bbPath === undefined ? {} : { bbPath: p.bbPath }),
  });
}

// ---------------------------------------------------------------------------------------------------------

function optional(p: { readonly crsPath?: string; readonly timeoutMs?: number; readonly bbPath?: string }): {
  crsPath?: string;
  timeoutMs?: number;
  bbPath?: string;
} {
  return {
    ...(p.crsPath === undefined ? {} : { crsPath: p.crsPath }),
    ...(p.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs }),
    ...(p.bbPath === undefined ? {} : { bbPath: p.bbPath }),
  };
}

function commandReadsCrs(command: string | undefined): boolean {
  return command === 'prove' || command === 'write_vk' || command === 'verify' || command === 'check';
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function lastLine(s: string): string | undefined {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.at(-1);
}

/** VmHWM (peak resident set) of a live process, in KiB; undefined once it has exited or off Linux. */
function readPeakRssKiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Keeps the last `limit` bytes of a stream (as text). */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
