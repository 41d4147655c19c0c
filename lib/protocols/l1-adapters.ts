/**
 * One L1 adapter per protocol profile, in one place: how the pipeline reads the profile's rollup (`view`) and
 * how it sends a root proof (`submitter`). The Lambda wiring (Plan, Poller, Submit), the CLI (`prove-block`)
 * and the local runtime all take their adapter from here, so a profile cannot be readable in one and refused
 * in another.
 *
 * A profile whose proofs we do not send says so: `submitter` is undefined and `noSubmitter` says why;
 * {@link l1Submitter} turns that into an InputError when something asks to submit anyway.
 */
import type { Address, Chain, Client, Transport } from 'viem';
import { InputError } from '../errors.ts';
import { devnetRollupSubmitter, devnetRollupView } from '../l1/devnet-rollup-port.ts';
import type { L1WalletClient } from '../l1/send-rollup-transaction.ts';
import type { RollupSubmitter, RollupView } from '../pipeline/rollup-view.ts';
import { aztecRollupView } from './aztec/l1/aztec-rollup-port.ts';
import { aztecProfile } from './aztec/profile.ts';
import { devnetProfile } from './devnet/profile.ts';
import { getProfile } from './registry.ts';

/** Any client that can read L1 (a public client, or a wallet client). */
export type L1ReadClient = Client<Transport, Chain | undefined>;

export interface L1Adapter {
  readonly profile: string;
  /** Reads the rollup at `address`: tips, proposals (and, where proofs cover fixed units, the next range). */
  view(client: L1ReadClient, address: Address): RollupView;
  /** Sends root proofs from `wallet`'s account; undefined when this deployment never submits for the profile. */
  readonly submitter: ((wallet: L1WalletClient, address: Address) => RollupSubmitter) | undefined;
  /** Why there is no submitter (set exactly when `submitter` is undefined). */
  readonly noSubmitter?: { readonly reason: string; readonly metaMessages: readonly string[] };
}

const ADAPTERS: ReadonlyMap<string, L1Adapter> = new Map<string, L1Adapter>([
  [devnetProfile.name, { profile: devnetProfile.name, view: devnetRollupView, submitter: devnetRollupSubmitter }],
  [
    aztecProfile.name,
    {
      profile: aztecProfile.name,
      // The pipeline's block numbers are the Rollup's checkpoint numbers; ranges are whole epochs (nextRange).
      view: aztecRollupView,
      submitter: undefined,
      noSubmitter: {
        reason:
          "profile aztec has no L1 submitter: Aztec's own prover node submits the epoch root proof (submitEpochRootProof needs, besides the root proof, the attestations of the epoch's last checkpoint and the KZG opening of the epoch's batched blob, which aztec runs do not produce)",
        metaMessages: [
          'this deployment reads the Aztec Rollup (tips, checkpoints, epoch ranges) and proves epochs; Submit cannot send them',
          'lib/protocols/aztec/l1/submit-epoch-root-proof.ts builds and sends the call once those inputs exist',
        ],
      },
    },
  ],
]);

/** The profile's L1 adapter. @throws InputError for an unknown profile, or a known one without an adapter. */
export function l1Adapter(profile: string): L1Adapter {
  getProfile(profile);
  const adapter = ADAPTERS.get(profile);
  if (!adapter) throw new InputError(`profile ${profile} has no L1 adapter (known: ${[...ADAPTERS.keys()].join(', ')})`);
  return adapter;
}

/** The profile's submitter factory. @throws InputError saying why when the profile has none (aztec). */
export function l1Submitter(profile: string): (wallet: L1WalletClient, address: Address) => RollupSubmitter {
  const adapter = l1Adapter(profile);
  if (adapter.submitter) return adapter.submitter;
  throw new InputError(adapter.noSubmitter?.reason ?? `profile ${profile} has no L1 submitter`, { metaMessages: adapter.noSubmitter?.metaMessages ?? [] });
}
