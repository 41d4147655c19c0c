/**
 * The native test-CRS generator (scripts/test-crs, Go) must write exactly the JS reference generator's bytes.
 * Builds the tool once into the machine cache (15–25 s cold). It needs Go (CI machines have it at
 * /usr/local/go), so it lives in the container tier, the tier of tools beyond `npm ci`: the epoch test there
 * makes its 2^24-point CRS with this generator. Without Go it fails, saying how to get it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_CRS_HINT, nativeCrsTool, runNativeG1 } from '../../lib/protocols/devnet/crs-native.ts';
import {
  BN254_FR,
  DEVNET_TAU,
  computeG1Range,
  ensureDevnetCrs,
  generateG1Powers,
  generateG1PowersJs,
  readG1Point,
} from '../../lib/protocols/devnet/crs.ts';

let tool: string;
let work: string;

beforeAll(async () => {
  const found = await nativeCrsTool({ build: true, log: (line) => console.log(line) });
  if (!('path' in found)) throw new Error(`native CRS generator unavailable: ${found.unavailable}; ${NATIVE_CRS_HINT}`);
  tool = found.path;
  work = mkdtempSync(join(tmpdir(), 'devnet-crs-native-'));
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

let runs = 0;
async function native(tau: bigint, start: number, count: number, threads = 2): Promise<Buffer> {
  const out = join(work, `g1-${runs++}.dat`);
  await runNativeG1(tool, { tau, start, count, threads, out });
  return readFileSync(out);
}

/** Small ranges: the JS generator's per-point path (noble's multiply), independent of both combs. */
function js(tau: bigint, start: number, count: number): Buffer {
  const out = Buffer.alloc(count * 64);
  computeG1Range(tau, start, count, out, 0);
  return out;
}

describe('native devnet CRS generator', () => {
  it('writes the JS comb generator’s bytes for [0, 9000), starting at (1, 2)', async () => {
    // 9,000 > 8,192 points takes the JS comb; natively 3 blocks of lanes (the last partial) on 2 threads.
    const [fromJs, fromNative] = await Promise.all([generateG1PowersJs(DEVNET_TAU, 9000, 1), native(DEVNET_TAU, 0, 9000)]);
    expect(readG1Point(fromNative, 0)).toEqual({ x: 1n, y: 2n });
    expect(fromNative.length).toBe(9000 * 64);
    expect(Buffer.from(fromNative).equals(Buffer.from(fromJs))).toBe(true);
  }, 60_000);

  it.each([
    ['a lane-block boundary', 4000],
    ['2^24 (the end of a root-rollup CRS)', (1 << 24) - 100],
    ['an odd large index', 123_456_789],
  ])('matches at %s', async (_label, start) => {
    expect((await native(DEVNET_TAU, start, 200, 1)).equals(js(DEVNET_TAU, start, 200))).toBe(true);
  });

  it.each([
    ['τ = 1 (every point is G)', 1n],
    ['τ = r − 1 (points alternate ±G)', BN254_FR - 1n],
    ['τ = 2^253 + 12345', (1n << 253n) + 12345n],
  ])('matches for %s', async (_label, tau) => {
    expect((await native(tau, 0, 64)).equals(js(tau, 0, 64))).toBe(true);
  });

  it.each([
    ['-tau', '0', /-tau must be in \[1, r\)/],
    ['-tau', BN254_FR.toString(16), /-tau must be in \[1, r\)/],
    ['-tau', 'xyz', /-tau must be a hex integer/],
    ['-count', '0', /-count must be in \[1, 268435456\]/],
    ['-count', String(2 ** 28 + 1), /-count must be in/],
  ])('refuses %s %s with a clear error', (flag, value, message) => {
    const args = { '-tau': '5', '-count': '4', '-out': join(work, 'refused.dat'), [flag]: value };
    const run = spawnSync(tool, Object.entries(args).flat(), { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a bad τ or count in the TypeScript API too', async () => {
    await expect(generateG1Powers(0n, 4)).rejects.toThrow(/τ must be in \[1, r\)/);
    await expect(generateG1Powers(BN254_FR, 4)).rejects.toThrow(/τ must be in \[1, r\)/);
    await expect(generateG1Powers(5n, 0)).rejects.toThrow(/count must be an integer >= 1/);
    await expect(generateG1Powers(5n, 1.5)).rejects.toThrow(/count must be an integer >= 1/);
  });

  it('is what ensureDevnetCrs writes once built', async () => {
    const crs = await ensureDevnetCrs({ profile: 'devnet', points: 5000, cacheRoot: join(work, 'cache') });
    expect(crs.generator).toBe('native');
    expect(readFileSync(join(crs.dir, 'bn254_g1.dat')).equals(await native(DEVNET_TAU, 0, 5000))).toBe(true);
    expect((await generateG1Powers(DEVNET_TAU, 300, 1)).subarray(64 * 250)).toEqual(js(DEVNET_TAU, 250, 50));
  });
});
