/**
 * The protocol profiles this prover knows, by name: the config's `profile`, the CLI's `--profile` and the
 * registry (lib/protocols/registry.ts, one profile per name) all read this list. No imports.
 */
export const PROFILE_NAMES = ['devnet', 'aztec'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
