/**
 * Which bb bb-remote fronts. A delegated job must run the same bb version as the agent's own bb: versions do
 * not read each other's circuits or verify each other's proofs (bb 5.0.0 cannot read Aztec 4.1.2's circuits),
 * and the version also picks bb-remote's option tables. BB_REMOTE_BB_VERSION names it; else bb-remote asks the
 * real bb (`BB_REMOTE_REAL_BB --version`, ~10 ms), only when a call is delegated.
 */
import { InputError } from '../errors.ts';
import { bbVersion } from '../proving/bb.ts';
import { BB_VERSION_PATTERN } from '../proving/job-spec.ts';

export async function frontedBbVersion(config: { readonly realBb: string; readonly bbVersion: string | undefined }): Promise<string> {
  if (config.bbVersion !== undefined) return config.bbVersion;
  const advice = [
    'delegated jobs run the bb version the agent\'s bb reports: point BB_REMOTE_REAL_BB at the agent\'s bb, or set BB_REMOTE_BB_VERSION (e.g. 4.1.2)',
    'bb 4.1.2 (Aztec 4.1.2) needs glibc >= 2.39: Debian 13 or Ubuntu 24.04, not Debian 12',
  ];
  let printed: string;
  try {
    printed = await bbVersion(config.realBb);
  } catch (cause) {
    throw new InputError(`cannot tell which bb BB_REMOTE_REAL_BB=${config.realBb} is`, { cause, metaMessages: advice });
  }
  if (!BB_VERSION_PATTERN.test(printed)) {
    throw new InputError(`BB_REMOTE_REAL_BB=${config.realBb} --version printed ${JSON.stringify(printed.slice(0, 80))}, not a bb version`, { metaMessages: advice });
  }
  return printed;
}
