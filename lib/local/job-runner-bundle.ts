/**
 * The local Batch executor runs the prover container's entrypoint as a process. It is bundled once with
 * esbuild (dependencies stay in the repo's node_modules), so each job starts in a fraction of a second,
 * from the same source the image runs.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { DEVNET_ARTIFACTS_DIR } from '../protocols/devnet/artifacts.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalJobRunner {
  /** Node 22 binary: the one running us. */
  readonly node: string;
  readonly bundle: string;
  /** Environment the bundle needs to find what it would find next to its source. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * How the job runner (containers/prover/entrypoint.ts) is bundled, for the local runtime and for the image
 * (containers/prover/stage-context.ts): `<outDir>/job-runner.mjs`, ESM for Node 22, and dynamic imports as
 * chunks in `<outDir>/chunks/`, so a devnet job never loads what only Aztec jobs import (~90 MB of circuits).
 */
export function jobRunnerBuildOptions(repoRoot: string, outDir: string): BuildOptions {
  return {
    entryPoints: [{ in: join(repoRoot, 'containers/prover/entrypoint.ts'), out: 'job-runner' }],
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    absWorkingDir: repoRoot,
  };
}

/** ESM resolves bare imports from the file's own location, so the bundle must live inside the repo. */
export async function bundleLocalJobRunner(outDir = join(REPO_ROOT, '.cache', 'local-runner')): Promise<LocalJobRunner> {
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, 'job-runner.mjs');
  // Dependencies stay in the repo's node_modules.
  await build({ ...jobRunnerBuildOptions(REPO_ROOT, outDir), packages: 'external', sourcemap: 'inline', logLevel: 'error' });
  return { node: process.execPath, bundle, env: { DEVNET_ARTIFACTS_DIR } };
}
