/**
 * INSECURE test CRS for the devnet profile.
 *
 * Barretenberg needs a structured reference string ([τ^i]·G1 for i < N, plus [τ]·G2). Aztec's ceremony
 * points are not on npm and this machine is offline, so the devnet proves with a CRS generated here from a
 * *publicly known* τ. Anyone who knows τ can forge proofs: this CRS exists only so the whole pipeline can
 * run with real proofs on one machine. `assertDevnetCrsAllowed` refuses every other profile, and the cache
 * directory carries a warning file. Real networks use the ceremony CRS baked into the prover image.
 *
 * File format (what `bb -c DIR` reads): `bn254_g1.dat` = N affine points, 64 bytes each (x‖y, 32-byte
 * big-endian, no header, first point (1,2)); `bn254_g2.dat` = [τ]·G2 as x.c0‖x.c1‖y.c0‖y.c1 (128 bytes).
 *
 * Generation: a fixed-base comb over G1 (16 windows of 16 bits, table built once per worker) with affine
 * additions batched through Montgomery's inversion trick, ~6 field multiplications per addition. The index
 * range is split across worker threads that write into one SharedArrayBuffer. That JS generator is the
 * portable reference; when Go is at hand the same bytes come 10x+ faster from scripts/test-crs (see
 * crs-native.ts), which makes a 2^24-point CRS a matter of a minute instead of ~11.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { bn254 } from '@noble/curves/bn254';
import { devnetCacheRoot } from './cache-dir.ts';
import { NATIVE_BUILD_MIN_POINTS, NATIVE_CRS_HINT, nativeCrsTool, runNativeG1 } from './crs-native.ts';

/** Base field (coordinates) and scalar field of BN254. */
export const BN254_FQ = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
export const BN254_FR = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

/** The only profile allowed to use a test CRS. */
export const DEVNET_PROFILE = 'devnet';

const INSECURE_CRS_WARNING =
  'INSECURE TEST CRS: generated from a publicly known tau (aztec-aws-prover devnet). Anyone can forge ' +
  'proofs against it. Never use it for a real network; real provers use the Aztec ceremony CRS.';

/** The devnet's τ: public on purpose, derived from a label so nobody mistakes it for a secret. */
export const DEVNET_TAU: bigint =
  BigInt('0x' + createHash('sha256').update('aztec-aws-prover devnet INSECURE tau v1').digest('hex')) % BN254_FR;

const G1_FILE = 'bn254_g1.dat';
const G2_FILE = 'bn254_g2.dat';
const COMPLETE_MARKER = 'complete.json';
const WORKER_TASK = 'aztec-aws-prover/devnet-crs-g1';

/** Throws unless `profile` is the devnet: a test CRS must never reach a real network's prover. */
export function assertDevnetCrsAllowed(profile: string): void {
  if (profile !== DEVNET_PROFILE) {
    throw new Error(
      `refusing to use the insecure devnet test CRS for profile '${profile}': only '${DEVNET_PROFILE}' may use it ` +
        '(a known-tau CRS lets anyone forge proofs); provide the Aztec ceremony CRS via CRS_PATH instead',
    );
  }
}

export interface DevnetCrs {
  /** Directory to pass to `bb -c` (or CRS_PATH). */
  readonly dir: string;
  /** Number of G1 points in `bn254_g1.dat` (may exceed the request when a larger cached CRS is reused). */
  readonly points: number;
  /** Wall time spent generating, 0 when served from the cache. */
  readonly generatedMs: number;
  /** Which generator wrote `bn254_g1.dat` (same bytes either way); absent when served from the cache. */
  readonly generator?: 'native' | 'js';
}

export interface EnsureDevnetCrsOptions {
  /** Must be 'devnet' (see `assertDevnetCrsAllowed`). */
  readonly profile: string;
  /** Minimum number of G1 points: bb reads the largest circuit's dyadic size (next power of two of its gates). */
  readonly points: number;
  /** Cache root; default `devnetCacheRoot()`. The CRS lives in `<root>/crs-devnet-<points>/`. */
  readonly cacheRoot?: string;
  /** Worker threads; default: available parallelism (at most 4 for the JS generator). */
  readonly workers?: number;
  /** Progress and fallback notes; default console.warn. */
  readonly log?: (line: string) => void;
}

/**
 * Returns a devnet CRS directory with at least `points` G1 points, generating and caching it if needed.
 * Idempotent and safe against concurrent callers: generation happens in a private temp directory that is
 * renamed into place; a loser of the race discards its copy.
 */
export async function ensureDevnetCrs(options: EnsureDevnetCrsOptions): Promise<DevnetCrs> {
  assertDevnetCrsAllowed(options.profile);
  if (!Number.isSafeInteger(options.points) || options.points < 2) {
    throw new Error(`devnet CRS: points must be an integer >= 2, got ${options.points}`);
  }
  const root = options.cacheRoot ?? devnetCacheRoot();
  const cached = findCachedCrs(root, options.points);
  if (cached !== undefined) return { dir: cached.dir, points: cached.points, generatedMs: 0 };

  const started = performance.now();
  const finalDir = join(root, `crs-devnet-${options.points}`);
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  const native = await pickNativeTool(options.points, options.log ?? defaultLog); // may build it first
  mkdirSync(tmpDir, { recursive: true });
  try {
    if (native !== undefined) {
      // Straight to the file: a 2^24-point CRS is 1 GiB.
      const threads = options.workers ?? availableParallelism();
      await runNativeG1(native, { tau: DEVNET_TAU, start: 0, count: options.points, threads, out: join(tmpDir, G1_FILE) });
    } else {
      writeFileSync(join(tmpDir, G1_FILE), await generateG1PowersJs(DEVNET_TAU, options.points, options.workers));
    }
    writeFileSync(join(tmpDir, G2_FILE), encodeG2ForBb(devnetG2Tau()));
    writeFileSync(join(tmpDir, 'INSECURE-TEST-CRS.txt'), INSECURE_CRS_WARNING + '\n');
    writeFileSync(
      join(tmpDir, COMPLETE_MARKER),
      JSON.stringify({ points: options.points, tauSha256: sha256Hex(DEVNET_TAU.toString(16)), warning: INSECURE_CRS_WARNING }, null, 2),
    );
    try {
      renameSync(tmpDir, finalDir);
    } catch (err) {
      // Another process finished first (rename onto a non-empty dir fails): keep theirs.
      if (!existsSync(join(finalDir, COMPLETE_MARKER))) throw err;
      rmSync(tmpDir, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
  const generatedMs = Math.round(performance.now() - started);
  return { dir: finalDir, points: options.points, generatedMs, generator: native !== undefined ? 'native' : 'js' };
}

function findCachedCrs(root: string, points: number): { dir: string; points: number } | undefined {
  if (!existsSync(root)) return undefined;
  let best: { dir: string; points: number } | undefined;
  for (const name of readdirSync(root)) {
    const match = /^crs-devnet-(\d+)$/.exec(name);
    if (match === null) continue;
    const n = Number(match[1]);
    const dir = join(root, name);
    if (n < points || !madeWithDevnetTau(dir)) continue;
    if (best === undefined || n < best.points) best = { dir, points: n };
  }
  return best;
}

/** Complete, and generated from the current τ (a changed τ label must not reuse an old CRS). */
function madeWithDevnetTau(dir: string): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, COMPLETE_MARKER), 'utf8')) as { tauSha256?: unknown };
    return marker.tauSha256 === sha256Hex(DEVNET_TAU.toString(16));
  } catch {
    return false;
  }
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// G2

export interface G2Affine {
  readonly x: readonly [c0: bigint, c1: bigint];
  readonly y: readonly [c0: bigint, c1: bigint];
}

/** [τ]·G2 for the devnet τ. */
export function devnetG2Tau(): G2Affine {
  const p = bn254.G2.ProjectivePoint.BASE.multiply(DEVNET_TAU).toAffine();
  return { x: [p.x.c0, p.x.c1], y: [p.y.c0, p.y.c1] };
}

/** bb's `bn254_g2.dat` layout: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, 32-byte big-endian each. */
export function encodeG2ForBb(p: G2Affine): Uint8Array {
  const out = Buffer.alloc(128);
  [p.x[0], p.x[1], p.y[0], p.y[1]].forEach((v, i) => out.write(toHex32(v), i * 32, 'hex'));
  return out;
}

/** The order the EVM pairing precompile (and bb's Solidity verifier) takes: x.c1, x.c0, y.c1, y.c0. */
export function g2ToEvmWords(p: G2Affine): readonly [bigint, bigint, bigint, bigint] {
  return [p.x[1], p.x[0], p.y[1], p.y[0]];
}

export function toHex32(v: bigint): string {
  return v.toString(16).padStart(64, '0');
}

// ---------------------------------------------------------------------------------------------------------
// G1 powers of τ

function defaultLog(line: string): void {
  console.warn(line);
}

/**
 * The native generator's path when it is (or is worth getting) built, else undefined after a note on how
 * to get it when the JS generator will take a while.
 */
async function pickNativeTool(count: number, log: (line: string) => void): Promise<string | undefined> {
  const big = count >= NATIVE_BUILD_MIN_POINTS;
  const tool = await nativeCrsTool({ build: big, log });
  if ('path' in tool) return tool.path;
  if (big) {
    const seconds = Math.round(count * 39e-6) + 5; // ~39 µs a point with 2 workers, plus the comb table
    const eta = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
    log(`devnet CRS: native generator unavailable (${tool.unavailable}); ${count} points with the JS generator (~${eta} on 2 cores); ${NATIVE_CRS_HINT}`);
  }
  return undefined;
}

function assertG1Request(tau: bigint, count: number): void {
  if (tau <= 0n || tau >= BN254_FR) throw new Error(`devnet CRS: τ must be in [1, r), got 0x${tau.toString(16)}`);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`devnet CRS: count must be an integer >= 1, got ${count}`);
}

/**
 * [τ^i]·G1 for i in [0, count), encoded as bb's bn254_g1.dat (64 bytes per point, x‖y big-endian): from the
 * native generator when it is available (see `pickNativeTool`), else `generateG1PowersJs`. Same bytes.
 */
export async function generateG1Powers(
  tau: bigint,
  count: number,
  workers?: number,
  log: (line: string) => void = defaultLog,
): Promise<Uint8Array> {
  assertG1Request(tau, count);
  const native = await pickNativeTool(count, log);
  if (native === undefined) return generateG1PowersJs(tau, count, workers);
  const dir = mkdtempSync(join(tmpdir(), 'devnet-crs-'));
  try {
    const out = join(dir, G1_FILE);
    await runNativeG1(native, { tau, start: 0, count, threads: workers ?? availableParallelism(), out });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The portable reference generator (pure JS): same result as `generateG1Powers`.
 * Splits the range over `workers` threads (1 = compute on the calling thread).
 */
export async function generateG1PowersJs(tau: bigint, count: number, workers?: number): Promise<Uint8Array> {
  assertG1Request(tau, count);
  const threads = Math.max(1, Math.min(workers ?? Math.min(availableParallelism(), 4), Math.ceil(count / 65536)));
  const shared = new SharedArrayBuffer(count * 64);
  const out = new Uint8Array(shared);
  if (threads === 1) {
    computeG1Range(tau, 0, count, out, 0);
    return out;
  }
  const chunk = Math.ceil(count / threads);
  const jobs: Promise<void>[] = [];
  for (let t = 0; t < threads; t++) {
    const start = t * chunk;
    const n = Math.min(chunk, count - start);
    if (n <= 0) break;
    jobs.push(
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: { task: WORKER_TASK, tau: tau.toString(16), start, count: n, shared },
        });
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`devnet CRS worker exited with code ${code}`));
        });
      }),
    );
  }
  await Promise.all(jobs);
  return out;
}

interface WorkerInput {
  task: string;
  tau: string;
  start: number;
  count: number;
  shared: SharedArrayBuffer;
}

const P = BN254_FQ;
const WINDOW_BITS = 16;
const WINDOWS = 16; // 16 × 16 = 256 ≥ 254 scalar bits
const WINDOW_SIZE = 1 << WINDOW_BITS;
const LANES = 4096;
const SMALL_RANGE = 8192;

function modInv(a: bigint): bigint {
  // Extended Euclid; inputs are non-zero field elements.
  let [r0, r1] = [P, ((a % P) + P) % P];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1n) throw new Error('devnet CRS: inverse of zero');
  return t0 < 0n ? t0 + P : t0;
}

function modPowFr(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % BN254_FR;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % BN254_FR;
    b = (b * b) % BN254_FR;
    e >>= 1n;
  }
  return result;
}

function doubleAffine(x: bigint, y: bigint): [bigint, bigint] {
  const l = (((3n * x * x) % P) * modInv(2n * y)) % P;
  let x3 = (l * l - 2n * x) % P;
  if (x3 < 0n) x3 += P;
  let y3 = (l * (x - x3) - y) % P;
  if (y3 < 0n) y3 += P;
  return [x3, y3];
}

/**
 * In place: (ax[i], ay[i]) += (bx[i], by[i]) for i < n, all affine, one inversion for the whole batch.
 * Returns the indices whose x-coordinates collided (P = ±Q): their results are garbage, callers recompute them.
 */
function batchAddAffine(ax: bigint[], ay: bigint[], bx: bigint[], by: bigint[], n: number, scratch: bigint[]): number[] {
  const collided: number[] = [];
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    let d = bx[i]! - ax[i]!;
    if (d < 0n) d += P;
    if (d === 0n) {
      collided.push(i);
      d = 1n;
    }
    scratch[i] = acc;
    scratch[n + i] = d;
    acc = (acc * d) % P;
  }
  let inv = modInv(acc);
  for (let i = n - 1; i >= 0; i--) {
    const invD = (inv * scratch[i]!) % P;
    inv = (inv * scratch[n + i]!) % P;
    const x1 = ax[i]!;
    const y1 = ay[i]!;
    const x2 = bx[i]!;
    let dy = by[i]! - y1;
    if (dy < 0n) dy += P;
    const l = (dy * invD) % P;
    let x3 = (l * l - x1 - x2) % P;
    if (x3 < 0n) x3 += P;
    let y3 = (l * (x1 - x3) - y1) % P;
    if (y3 < 0n) y3 += P;
    ax[i] = x3;
    ay[i] = y3;
  }
  // Collided lanes got garbage above; callers recompute them (see computeG1Range).
  return collided;
}

/** Affine table T[j][v] = v·2^(16j)·G for v in [1, 2^16): index j·2^16 + v. */
function buildCombTable(): { tx: bigint[]; ty: bigint[] } {
  const size = WINDOWS * WINDOW_SIZE;
  const tx = new Array<bigint>(size).fill(0n);
  const ty = new Array<bigint>(size).fill(0n);
  let [bx, by] = [1n, 2n];
  for (let j = 0; j < WINDOWS; j++) {
    const o = j * WINDOW_SIZE;
    tx[o + 1] = bx;
    ty[o + 1] = by;
    for (let k = 1; k < WINDOW_BITS; k++) {
      [tx[o + (1 << k)]!, ty[o + (1 << k)]!] = doubleAffine(tx[o + (1 << (k - 1))]!, ty[o + (1 << (k - 1))]!);
    }
    [bx, by] = doubleAffine(tx[o + (1 << (WINDOW_BITS - 1))]!, ty[o + (1 << (WINDOW_BITS - 1))]!);
  }
  // T[j][v] = T[j][v − 2^k] + T[j][2^k] for v in (2^k, 2^(k+1)); never P = ±Q since 0 < v − 2^k < 2^k.
  for (let k = 1; k < WINDOW_BITS; k++) {
    const span = 1 << k;
    const ax: bigint[] = [];
    const ay: bigint[] = [];
    const bxs: bigint[] = [];
    const bys: bigint[] = [];
    const targets: number[] = [];
    for (let j = 0; j < WINDOWS; j++) {
      const o = j * WINDOW_SIZE;
      for (let v = span + 1; v < 2 * span; v++) {
        ax.push(tx[o + v - span]!);
        ay.push(ty[o + v - span]!);
        bxs.push(tx[o + span]!);
        bys.push(ty[o + span]!);
        targets.push(o + v);
      }
    }
    const collided = batchAddAffine(ax, ay, bxs, bys, targets.length, new Array<bigint>(2 * targets.length));
    if (collided.length > 0) throw new Error('devnet CRS: unexpected collision while building the comb table');
    targets.forEach((t, i) => {
      tx[t] = ax[i]!;
      ty[t] = ay[i]!;
    });
  }
  return { tx, ty };
}

/** Writes [τ^i]·G for i in [start, start + count) into `out` at byte offset `offset`. */
export function computeG1Range(tau: bigint, start: number, count: number, out: Uint8Array, offset: number): void {
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  let scalar = modPowFr(tau, BigInt(start));
  if (count <= SMALL_RANGE) {
    // Building the comb table (~1M points) costs seconds: not worth it for a small test CRS.
    for (let i = 0; i < count; i++) {
      const p = bn254.G1.ProjectivePoint.BASE.multiply(scalar).toAffine();
      buf.write(toHex32(p.x), offset + i * 64, 'hex');
      buf.write(toHex32(p.y), offset + i * 64 + 32, 'hex');
      scalar = (scalar * tau) % BN254_FR;
    }
    return;
  }
  const { tx, ty } = buildCombTable();
  const ax = new Array<bigint>(LANES).fill(0n);
  const ay = new Array<bigint>(LANES).fill(0n);
  const has = new Uint8Array(LANES);
  const digits = new Uint16Array(LANES * WINDOWS);
  const pendX = new Array<bigint>(LANES).fill(0n);
  const pendY = new Array<bigint>(LANES).fill(0n);
  const addX = new Array<bigint>(LANES).fill(0n);
  const addY = new Array<bigint>(LANES).fill(0n);
  const pendLane = new Int32Array(LANES);
  const scratch = new Array<bigint>(2 * LANES).fill(0n);
  const scalars = new Array<bigint>(LANES).fill(0n);

  for (let base = 0; base < count; base += LANES) {
    const lanes = Math.min(LANES, count - base);
    for (let l = 0; l < lanes; l++) {
      scalars[l] = scalar;
      const hex = scalar.toString(16).padStart(64, '0');
      for (let j = 0; j < WINDOWS; j++) {
        digits[l * WINDOWS + j] = parseInt(hex.slice(60 - 4 * j, 64 - 4 * j), 16);
      }
      has[l] = 0;
      scalar = (scalar * tau) % BN254_FR;
    }
    const slow = new Set<number>();
    for (let j = 0; j < WINDOWS; j++) {
      const o = j * WINDOW_SIZE;
      let n = 0;
      for (let l = 0; l < lanes; l++) {
        const d = digits[l * WINDOWS + j]!;
        if (d === 0) continue;
        if (has[l] === 0) {
          ax[l] = tx[o + d]!;
          ay[l] = ty[o + d]!;
          has[l] = 1;
          continue;
        }
        pendX[n] = ax[l]!;
        pendY[n] = ay[l]!;
        addX[n] = tx[o + d]!;
        addY[n] = ty[o + d]!;
        pendLane[n] = l;
        n++;
      }
      if (n === 0) continue;
      const collided = batchAddAffine(pendX, pendY, addX, addY, n, scratch);
      for (const c of collided) slow.add(pendLane[c]!);
      for (let i = 0; i < n; i++) {
        const l = pendLane[i]!;
        ax[l] = pendX[i]!;
        ay[l] = pendY[i]!;
      }
    }
    for (let l = 0; l < lanes; l++) {
      let x = ax[l]!;
      let y = ay[l]!;
      if (slow.has(l)) {
        // P = ±Q during the comb: astronomically unlikely for powers of a random τ; recompute generically.
        const p = bn254.G1.ProjectivePoint.BASE.multiply(scalars[l]!).toAffine();
        x = p.x;
        y = p.y;
      }
      const at = offset + (base + l) * 64;
      buf.write(toHex32(x), at, 'hex');
      buf.write(toHex32(y), at + 32, 'hex');
    }
  }
}

/** Reads point `index` of a bn254_g1.dat buffer. */
export function readG1Point(g1: Uint8Array, index: number): { x: bigint; y: bigint } {
  const b = Buffer.from(g1.buffer, g1.byteOffset + index * 64, 64);
  return { x: BigInt('0x' + b.subarray(0, 32).toString('hex')), y: BigInt('0x' + b.subarray(32, 64).toString('hex')) };
}

/** Reads the G2 point of a CRS directory (for checks and the Solidity verifier). */
export function readCrsG2(dir: string): G2Affine {
  const b = readFileSync(join(dir, G2_FILE));
  if (b.length !== 128) throw new Error(`${join(dir, G2_FILE)}: expected 128 bytes, got ${b.length}`);
  const w = (i: number): bigint => BigInt('0x' + b.subarray(i * 32, i * 32 + 32).toString('hex'));
  return { x: [w(0), w(1)], y: [w(2), w(3)] };
}

// Worker entry: kept last so every module-level constant above is initialised when it runs.
if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.task === WORKER_TASK) {
  const input = workerData as WorkerInput;
  computeG1Range(BigInt('0x' + input.tau), input.start, input.count, new Uint8Array(input.shared), input.start * 64);
  parentPort?.postMessage('done');
}
