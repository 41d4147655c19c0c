import { InputError } from '../errors.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { aztecProfile } from './aztec/profile.ts';
import { devnetProfile } from './devnet/profile.ts';

const PROFILES: ReadonlyMap<string, ProtocolProfile> = new Map([
  [devnetProfile.name, devnetProfile],
  [aztecProfile.name, aztecProfile],
]);

export const PROFILE_NAMES: readonly string[] = [...PROFILES.keys()];

export function getProfile(name: string): ProtocolProfile {
  const profile = PROFILES.get(name);
  if (!profile) {
    throw new InputError(`unknown protocol profile ${JSON.stringify(name)} (known: ${PROFILE_NAMES.join(', ')})`);
  }
  return profile;
}
