/**
 * `npm run bench:circuits [-- --crs] [--json FILE]`: proves every devnet circuit once with real inputs and
 * reports gates, witness time, prove time and bb's peak RSS per circuit.
 *
 * Two blocks exercise all nine circuits: block 1 has 3 txs (tube ×3, base ×3, merge, block_root), block 2
 * has 1 tx (tube, base, block_root_single); then block_merge and root (two children) over the two block
 * roots, and root_single over the block merge. `--crs` also times generating the devnet CRS from scratch
 * (into a temp dir). Numbers depend on the machine and on what else runs on it: this is a benchmark, not a
 * test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDevnetManifest, type DevnetCircuitName } from '../lib/protocols/devnet/artifacts.ts';
import { proveDevnetClientTx } from '../lib/protocols/devnet/client.ts';
import { DEVNET_PROFILE, ensureDevnetCrs } from '../lib/protocols/devnet/crs.ts';
import type { DevnetClientTx, DevnetProofOutput } from '../lib/protocols/devnet/inputs.ts';
import { proveDevnetJob, type DevnetJobMetrics } from '../lib/protocols/devnet/prove-tree.ts';
import { loadDevnetRules } from '../lib/protocols/devnet/state.ts';

export interface DevnetCircuitBenchRow {
  readonly circuit: DevnetCircuitName;
  readonly gates: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  readonly peakRssMiB?: number;
}

export interface DevnetCircuitBench {
  readonly rows: readonly DevnetCircuitBenchRow[];
  readonly crsGenerationMs?: number;
  readonly crsPoints: number;
  readonly totalMs: number;
}

export async function runDevnetCircuitBench(options: { readonly timeCrs?: boolean; readonly log?: (l: string) => void } = {}): Promise<DevnetCircuitBench> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const manifest = loadDevnetManifest();
  let crsGenerationMs: number | undefined;
  if (options.timeCrs === true) {
    const scratch = mkdtempSync(join(tmpdir(), 'devnet-crs-bench-'));
    try {
      crsGenerationMs = (await ensureDevnetCrs({ profile: DEVNET_PROFILE, points: manifest.crsPoints, cacheRoot: scratch })).generatedMs;
      log(`CRS: ${manifest.crsPoints} points in ${crsGenerationMs} ms`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const crsPath = (await ensureDevnetCrs({ profile: DEVNET_PROFILE, points: manifest.crsPoints })).dir;
  const rules = await loadDevnetRules();
  const metrics: DevnetJobMetrics[] = [];
  const rows: DevnetCircuitBenchRow[] = [];

  const clientTx = async (i: number): Promise<DevnetClientTx> => {
    const { tx, proveMs, peakRssKiB } = await proveDevnetClientTx({ note: { secret: 1000n + BigInt(i), value: 7n }, newSecret: 2000n + BigInt(i), crsPath });
    if (i === 0) {
      rows.push({
        circuit: 'client',
        gates: manifest.circuits.client.gates,
        witnessMs: 0,
        proveMs,
        ...(peakRssKiB === undefined ? {} : { peakRssMiB: Number(mib(peakRssKiB)) }),
      });
    }
    return tx;
  };
  const run = async (job: Parameters<typeof proveDevnetJob>[0]): Promise<DevnetProofOutput> => {
    const { output, metrics: m } = await proveDevnetJob(job, { crsPath });
    metrics.push(m);
    log(`${m.circuit}: ${m.gates} gates, witness ${m.witnessMs} ms, prove ${m.proveMs} ms, peak ${mib(m.peakRssKiB)} MiB`);
    return output;
  };
  const txsOf = async (from: number, n: number): Promise<DevnetClientTx[]> => {
    const txs: DevnetClientTx[] = [];
    for (let i = 0; i < n; i++) txs.push(await clientTx(from + i));
    return txs;
  };

  const genesis = rules.genesis();
  const txs1 = await txsOf(0, 3);
  const block1 = rules.applyBlock(genesis, { number: 1n, txs: txs1 });
  const bases1: DevnetProofOutput[] = [];
  for (const [i, tx] of txs1.entries()) {
    bases1.push(await run({ type: 'BASE', children: [await run({ type: 'TUBE', tx })], startState: block1.txStartStates[i]! }));
  }
  const merge = await run({ type: 'MERGE', children: [bases1[0]!, bases1[1]!] });
  const blockRoot1 = await run({ type: 'BLOCK_ROOT', children: [merge, bases1[2]!], previousBlock: genesis.leaf });

  const txs2 = await txsOf(3, 1);
  const block2 = rules.applyBlock(block1.state, { number: 2n, txs: txs2 });
  const base2 = await run({ type: 'BASE', children: [await run({ type: 'TUBE', tx: txs2[0]! })], startState: block2.txStartStates[0]! });
  const blockRoot2 = await run({ type: 'BLOCK_ROOT', children: [base2], previousBlock: block1.state.leaf });

  const blockMerge = await run({ type: 'BLOCK_MERGE', children: [blockRoot1, blockRoot2] });
  await run({ type: 'ROOT', children: [blockRoot1, blockRoot2], proverId: 1n });
  await run({ type: 'ROOT', children: [blockMerge], proverId: 1n });

  // One row per circuit: its first proof (later ones of the same circuit are the same work).
  for (const m of metrics) {
    if (rows.some((r) => r.circuit === m.circuit)) continue;
    rows.push({
      circuit: m.circuit,
      gates: m.gates,
      witnessMs: m.witnessMs,
      proveMs: m.proveMs,
      ...(m.peakRssKiB === undefined ? {} : { peakRssMiB: Number(mib(m.peakRssKiB)) }),
    });
  }
  return {
    rows,
    ...(crsGenerationMs === undefined ? {} : { crsGenerationMs }),
    crsPoints: manifest.crsPoints,
    totalMs: Math.round(performance.now() - started),
  };
}

function mib(kib: number | undefined): string {
  return kib === undefined ? '?' : (kib / 1024).toFixed(0);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  runDevnetCircuitBench({ timeCrs: args.includes('--crs'), log: (l) => console.error(l) })
    .then((bench) => {
      console.log('circuit            gates      witness ms  prove ms  peak RSS MiB');
      for (const r of bench.rows) {
        console.log(
          `${r.circuit.padEnd(18)} ${String(r.gates).padStart(9)}  ${String(r.witnessMs).padStart(10)}  ${String(r.proveMs).padStart(8)}  ${String(r.peakRssMiB ?? '?').padStart(12)}`,
        );
      }
      if (bench.crsGenerationMs !== undefined) console.log(`CRS generation (${bench.crsPoints} points): ${bench.crsGenerationMs} ms`);
      console.log(`total: ${bench.totalMs} ms`);
      if (jsonAt >= 0 && args[jsonAt + 1] !== undefined) writeFileSync(args[jsonAt + 1]!, JSON.stringify(bench, null, 2));
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
}
