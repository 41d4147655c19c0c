import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Root of the machine-wide cache for expensive devnet artifacts (test CRS, proof fixtures).
 * `AZTEC_AWS_PROVER_CACHE` overrides it (CI, containers); the default follows the XDG habit.
 */
export function devnetCacheRoot(): string {
  const override = process.env.AZTEC_AWS_PROVER_CACHE;
  if (override !== undefined && override !== '') return override;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'aztec-aws-prover');
}
