/**
 * The Barretenberg that matches Aztec 4.1.2's circuits: @aztec/bb.js 4.1.2, installed under the npm alias
 * `aztec-bb.js-v4` beside the project's bb 5.0.0 (devnet). Aztec's 4.1.2 artifacts are Noir 1.0.0-beta.18
 * ACIR, which bb 5.0.0 cannot read ("error converting into field Circuit::opcodes").
 *
 * Backends: `native` drives bb.js's own bb 4.1.2 binary over a socket (fast, multi-threaded; it needs glibc
 * >= 2.39, i.e. Debian 13 / Ubuntu 24.04); `wasm` runs the same prover compiled to WebAssembly (slower,
 * 4 GiB address space: fine for small circuits, the only choice on Debian 12). `auto` picks native when the
 * binary starts. Either way the CRS is loaded explicitly from the given directory: bb.js would otherwise
 * download it from Aztec's CDN.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Barretenberg as BarretenbergApi } from 'aztec-bb.js-v4';
import { ProverError } from '../../../errors.ts';
import type { AztecCrsDir } from './crs-dir.ts';

export const AZTEC_BB_VERSION = '4.1.2';
export type AztecBbBackendChoice = 'auto' | 'native' | 'wasm';

export interface OpenAztecBbOptions {
  readonly backend: AztecBbBackendChoice;
  /** Prover threads; default: bb.js's choice (all cores, at most 16). */
  readonly threads?: number;
  /** bb 4.1.2 binary for the native backend; default: the one shipped in bb.js. */
  readonly bbPath?: string;
}

export interface OpenedAztecBb {
  readonly api: BarretenbergApi;
  readonly backend: 'native' | 'wasm';
  close(): Promise<void>;
}

/** bb.js's package root: its `exports` only expose ".", so internal modules are found from the main entry. */
function bbJsRoot(): string {
  const main = createRequire(import.meta.url).resolve('aztec-bb.js-v4'); // …/dest/node-cjs/index.js
  return join(dirname(main), '..', '..');
}

/** The native binary bb.js ships for this platform, if any. */
export function bundledAztecBbPath(): string | undefined {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const os = process.platform === 'darwin' ? 'macos' : 'linux';
  return join(bbJsRoot(), 'build', `${arch}-${os}`, 'bb');
}

/** True when the bb 4.1.2 binary runs here (it needs a newer glibc than Debian 12's). */
export function nativeAztecBbRuns(bbPath = bundledAztecBbPath()): boolean {
  if (bbPath === undefined) return false;
  const probe = spawnSync(bbPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0;
}

export async function openAztecBarretenberg(options: OpenAztecBbOptions): Promise<OpenedAztecBb> {
  const bbPath = options.bbPath ?? bundledAztecBbPath();
  const native = options.backend === 'native' || (options.backend === 'auto' && nativeAztecBbRuns(bbPath));
  if (options.backend === 'native' && !nativeAztecBbRuns(bbPath)) {
    throw new ProverError(`the bb ${AZTEC_BB_VERSION} binary does not run here (${bbPath ?? 'none for this platform'})`, {
      metaMessages: ['it needs glibc >= 2.39 (Debian 13, Ubuntu 24.04); use backend "wasm" or "auto" on older systems'],
    });
  }
  // bb.js's backend factory, without Barretenberg.new's CRS download (we load the CRS ourselves).
  const root = bbJsRoot();
  const { createAsyncBackend } = (await import(pathToFileURL(join(root, 'dest/node/bb_backends/node/index.js')).href)) as {
    createAsyncBackend(type: string, options: object, logger: (msg: string) => void): Promise<BarretenbergApi>;
  };
  const { BackendType } = await import('aztec-bb.js-v4');
  const api = await createAsyncBackend(native ? BackendType.NativeUnixSocket : BackendType.Wasm, {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(native && bbPath !== undefined ? { bbPath } : {}),
  }, () => {});
  return { api, backend: native ? 'native' : 'wasm', close: () => api.destroy() };
}

/** bb.js proof settings for Aztec's three flavours (all proven with --disable_zk). */
export interface AztecProofSettings {
  readonly ipaAccumulation: boolean;
  readonly oracleHashType: 'poseidon2' | 'keccak';
  readonly disableZk: true;
  readonly optimizedSolidityVerifier: false;
}

/** Loads the Grumpkin points the IPA (rollup) circuits need; bb.js would download them otherwise. */
export async function loadGrumpkinCrs(api: BarretenbergApi, crs: AztecCrsDir): Promise<void> {
  if (crs.grumpkinFile === undefined) {
    throw new ProverError(`no Grumpkin CRS in ${crs.dir}`, {
      metaMessages: ['rollup circuits (IPA accumulation) need grumpkin_g1.flat.dat or grumpkin_g1_v2.flat.dat there', 'create it with `prover aztec-crs <dir>` (derived locally by bb, no download)'],
    });
  }
  const g = readFileSync(crs.grumpkinFile);
  await api.srsInitGrumpkinSrs({ pointsBuf: g, numPoints: Math.floor(g.length / 64) });
}

/** Loads `points` BN254 points: the circuit's dyadic size + 1. Fewer makes bb fail or reach for the network. */
export async function loadBn254Crs(api: BarretenbergApi, crs: AztecCrsDir, points: number): Promise<void> {
  if (crs.bn254Points < points) {
    throw new ProverError(`the CRS in ${crs.dir} has ${crs.bn254Points} BN254 points; this circuit needs ${points}`, {
      metaMessages: ['bake a larger CRS into the image (CRS_POINTS) or point CRS_PATH at one'],
    });
  }
  const g1 = new Uint8Array(points * 64);
  const fd = openSync(join(crs.dir, 'bn254_g1.dat'), 'r');
  try {
    readSync(fd, g1, 0, g1.length, 0);
  } finally {
    closeSync(fd);
  }
  await api.srsInitSrs({ pointsBuf: g1, numPoints: points, g2Point: readFileSync(join(crs.dir, 'bn254_g2.dat')) });
}
