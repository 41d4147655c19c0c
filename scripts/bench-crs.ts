/**
 * `npx tsx scripts/bench-crs.ts [--points N] [--threads T] [--full]`: the devnet test CRS's G1
 * powers from the JS generator and from the native one (scripts/test-crs) on the same N points (default
 * 2^18), checked equal, as points per second and their ratio. `--full` also times the native generator alone
 * on 2^24 + 1 points (what Aztec's 2^24-gate root rollup needs; 1 GiB, written to a temp dir and deleted).
 * A benchmark, not a test: the numbers depend on what else runs on the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEVNET_TAU, generateG1PowersJs } from '../lib/protocols/devnet/crs.ts';
import { nativeCrsTool, runNativeG1 } from '../lib/protocols/devnet/crs-native.ts';

export interface CrsBench {
  readonly points: number;
  readonly threads: number;
  readonly jsPointsPerSecond: number;
  readonly nativePointsPerSecond: number;
  /** Native over JS throughput. */
  readonly ratio: number;
  /** Wall time of the native generator on 2^24 + 1 points, with `full`. */
  readonly native2p24Ms?: number;
}

export async function runCrsBench(options: { points: number; threads: number; full: boolean; log: (l: string) => void }): Promise<CrsBench> {
  const tool = await nativeCrsTool({ build: true, log: options.log });
  if (!('path' in tool)) throw new Error(`native CRS generator unavailable: ${tool.unavailable}`);
  const work = mkdtempSync(join(tmpdir(), 'bench-crs-'));
  try {
    const { points, threads } = options;
    const timed = async (run: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await run();
      return performance.now() - t;
    };
    const out = join(work, 'g1.dat');
    const nativeMs = await timed(() => runNativeG1(tool.path, { tau: DEVNET_TAU, start: 0, count: points, threads, out }));
    options.log(`native: ${points} points in ${Math.round(nativeMs)} ms`);
    let fromJs: Uint8Array = new Uint8Array();
    const jsMs = await timed(async () => (fromJs = await generateG1PowersJs(DEVNET_TAU, points, threads)));
    options.log(`JS: ${points} points in ${Math.round(jsMs)} ms`);
    if (!readFileSync(out).equals(fromJs)) throw new Error('native and JS generators disagree');
    rmSync(out);
    let native2p24Ms: number | undefined;
    if (options.full) {
      native2p24Ms = await timed(() => runNativeG1(tool.path, { tau: DEVNET_TAU, start: 0, count: 2 ** 24 + 1, threads, out }));
    }
    const jsPointsPerSecond = Math.round((points * 1000) / jsMs);
    const nativePointsPerSecond = Math.round((points * 1000) / nativeMs);
    return { points, threads, jsPointsPerSecond, nativePointsPerSecond, ratio: jsMs / nativeMs, native2p24Ms };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { points: { type: 'string' }, threads: { type: 'string' }, full: { type: 'boolean' } } });
  const points = Number(values.points ?? 2 ** 18);
  const threads = Number(values.threads ?? Math.min(availableParallelism(), 4));
  runCrsBench({ points, threads, full: values.full === true, log: (l) => console.error(l) })
    .then((b) => {
      console.log(
        `devnet CRS G1, ${b.points} points, ${b.threads} threads: JS ${b.jsPointsPerSecond} points/s, native ` +
          `${b.nativePointsPerSecond} points/s (${b.ratio.toFixed(1)}x)` +
          (b.native2p24Ms !== undefined ? `; native 2^24+1 points: ${(b.native2p24Ms / 1000).toFixed(1)} s` : ''),
      );
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
}
