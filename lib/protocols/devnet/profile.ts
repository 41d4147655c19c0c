import type { ProtocolProfile } from '../../proving/profile.ts';
import { DEVNET_JOB_TYPES, DEVNET_TX_KINDS, devnetCircuits, devnetResourceClasses } from './job-circuit-sizes.ts';
import { DEVNET_PROFILE_NAME, planDevnetRange } from './tree.ts';

/** Our own small rollup: real proofs and on-chain verification on one machine. */
export const devnetProfile: ProtocolProfile = {
  name: DEVNET_PROFILE_NAME,
  jobTypes: DEVNET_JOB_TYPES,
  resourceClasses: devnetResourceClasses,
  circuits: devnetCircuits,
  txKinds: DEVNET_TX_KINDS,
  planRange: planDevnetRange,
};
