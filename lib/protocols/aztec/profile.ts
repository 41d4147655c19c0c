import type { ProtocolProfile } from '../../proving/profile.ts';
import { aztecCircuits, aztecResourceClasses } from './job-circuit-sizes.ts';
import { AZTEC_JOB_TYPES, AZTEC_TX_KINDS } from './job-types.ts';
import { AZTEC_PROFILE_NAME, planAztecRange } from './tree.ts';

/** The current Aztec rollup: its circuits, tree rules and prover flags. */
export const aztecProfile: ProtocolProfile = {
  name: AZTEC_PROFILE_NAME,
  jobTypes: AZTEC_JOB_TYPES,
  resourceClasses: aztecResourceClasses,
  circuits: aztecCircuits,
  txKinds: AZTEC_TX_KINDS,
  planRange: planAztecRange,
};
