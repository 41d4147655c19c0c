import { InputError } from '../errors.ts';
import { PROFILE_NAMES, type ProfileName } from '../profile-names.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { aztecProfile } from './aztec/profile.ts';
import { devnetProfile } from './devnet/profile.ts';

/** One profile per name in PROFILE_NAMES (a name without a profile does not compile). */
const PROFILES: Readonly<Record<ProfileName, ProtocolProfile>> = {
  devnet: devnetProfile,
  aztec: aztecProfile,
};

export function getProfile(name: string): ProtocolProfile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name as ProfileName] : undefined;
  if (!profile) {
    throw new InputError(`unknown protocol profile ${JSON.stringify(name)} (known: ${PROFILE_NAMES.join(', ')})`);
  }
  return profile;
}
