/**
 * Which bb runs a raw-bb job. A job names the bb version it was made for (bb-remote: the agent's bb), because
 * bb versions do not read each other's circuits or verify each other's proofs (bb 5.0.0 cannot read Aztec
 * 4.1.2's ACIR). A runner carries several bbs in a versions directory, one per version as `bb --version`
 * prints it:
 *
 *   <BB_VERSIONS_DIR>/<version>/bb        the prover image: /opt/bb/4.1.2/bb, /opt/bb/5.0.0-nightly.…/bb
 *
 * and falls back to its default bb (BB_BINARY) when that one reports the version asked for. Anything else is a
 * deterministic failure that says which versions the runner has: retrying on the same image cannot help.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProverError } from '../errors.ts';
import type { ProvingBackend } from './backend.ts';
import { NativeBbBackend } from './bb.ts';
import { BB_VERSION_PATTERN } from './job-spec.ts';

export interface BbVersionsOptions {
  /** The runner's default bb: runs jobs that name no version, and those naming its own version. */
  readonly fallback: ProvingBackend;
  /** Directory of `<version>/bb` binaries. */
  readonly versionsDir?: string;
}

/** The backend for a job that asks for bb `version` (undefined: the default bb). Throws a non-retryable ProverError. */
export async function bbBackendForVersion(version: string | undefined, options: BbVersionsOptions): Promise<ProvingBackend> {
  if (version === undefined) return options.fallback;
  if (!BB_VERSION_PATTERN.test(version)) throw new ProverError(`bb version ${JSON.stringify(version)} is not a version bb prints`, { retryable: false });
  if (options.versionsDir !== undefined) {
    const bbPath = join(options.versionsDir, version, 'bb');
    if (existsSync(bbPath)) return new NativeBbBackend({ bbPath });
  }
  const fallbackVersion = await versionOf(options.fallback);
  if (fallbackVersion === version) return options.fallback;
  const has = [
    ...listVersionsDir(options.versionsDir).map((v) => `${v} (${join(options.versionsDir!, v, 'bb')})`),
    `${fallbackVersion ?? 'unknown'} (the default bb${options.fallback instanceof NativeBbBackend ? `, ${options.fallback.bbPath}` : ''})`,
  ];
  throw new ProverError(`this job runner has no bb ${version}, the version the job was made for`, {
    retryable: false,
    metaMessages: [
      `it has: ${has.join(', ')}`,
      'a raw bb job runs only the bb it names (bb-remote: BB_REMOTE_REAL_BB --version or BB_REMOTE_BB_VERSION); add that bb as <BB_VERSIONS_DIR>/<version>/bb (the prover image: /opt/bb)',
    ],
  });
}

/** Versions in a versions directory (those with a `bb` inside), sorted. */
function listVersionsDir(dir: string | undefined): string[] {
  if (dir === undefined || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => BB_VERSION_PATTERN.test(name) && existsSync(join(dir, name, 'bb')))
    .sort();
}

async function versionOf(backend: ProvingBackend): Promise<string | undefined> {
  try {
    return (await backend.version()).trim();
  } catch {
    return undefined;
  }
}
