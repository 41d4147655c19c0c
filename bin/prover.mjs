#!/usr/bin/env node
// The `prover` executable. The project pins Node 22 (the `node` devDependency, as on Lambda); when started by
// an older system node, re-run under the pinned one. Then register tsx so the TypeScript CLI runs as is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const pinned = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(`prover needs Node >= 22 (running ${process.version}); run npm ci to install the pinned Node 22`);
    process.exit(1);
  }
  const result = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
await import('./cli.ts');
