/**
 * A whole devnet on one machine: anvil with the DevnetRollup (and a Honk verifier generated for the devnet's
 * root circuit and CRS), a local S3 server holding the tx source, and a sequencer that makes users' client
 * proofs and proposes blocks. This is the "L1 + network" side of `prover local`; proving happens elsewhere.
 */
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { createS3Client } from '../aws/s3-client.ts';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { proverIdFromAddress } from '../l1/root-public-inputs.ts';
import { writeBlockRecord, txInputKey } from '../pipeline/block-record.ts';
import { compileDevnetContracts } from '../protocols/devnet/compile-contracts.ts';
import { ensureDevnetCrs, type DevnetCrs } from '../protocols/devnet/crs.ts';
import { deployDevnetRollup } from '../protocols/devnet/deploy.ts';
import { loadDevnetManifest } from '../protocols/devnet/artifacts.ts';
import { proveDevnetClientTx, randomField } from '../protocols/devnet/client.ts';
import { fieldToHex } from '../protocols/devnet/fields.ts';
import { encodeDevnetArchiveLeaf, encodeDevnetClientTx } from '../protocols/devnet/inputs.ts';
import { sequenceBlock } from '../protocols/devnet/sequencer.ts';
import { devnetStateTransition, loadDevnetRules, type DevnetChainState } from '../protocols/devnet/state.ts';
import { writeDevnetSolidityVerifier } from '../protocols/devnet/solidity-verifier.ts';
import { anvilWallet, startAnvil, type Anvil } from './anvil.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';

export interface DevnetEnvOptions {
  /** Working directory for the S3 server's data and generated sources. */
  readonly dataDir: string;
  readonly bucket?: string;
  /** Proof window of the rollup, in L1 seconds. @default 3600 */
  readonly proofWindowSeconds?: bigint;
}

export interface DevnetEnv {
  readonly anvil: Anvil;
  readonly s3: LocalS3;
  readonly store: S3ArtifactStore;
  readonly rollup: Address;
  readonly crs: DevnetCrs;
  /** Account 0 proposes blocks; account 1 submits proofs (the prover). */
  readonly sequencer: ReturnType<typeof wallet>;
  readonly prover: ReturnType<typeof wallet>;
  readonly proverId: Hex;
  /** Makes `txs` client proofs and proposes the next block with them; returns its number. */
  proposeBlock(txs: number): Promise<number>;
  stop(): Promise<void>;
}

const wallet = (anvil: Anvil, index: number) => anvilWallet(anvil, index, { retryCount: 2 });

export async function startDevnetEnv(options: DevnetEnvOptions): Promise<DevnetEnv> {
  const manifest = loadDevnetManifest();
  const crs = await ensureDevnetCrs({ profile: 'devnet', points: manifest.crsPoints });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const s3 = await startLocalS3({ directory: join(options.dataDir, 's3'), bucket: options.bucket ?? 'prover-artifacts' });
    cleanups.push(() => s3.stop());
    const client = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: s3.credentials });
    const store = new S3ArtifactStore({ client, bucket: s3.bucket, conditionalWrites: 'check-then-put' });

    const rules = await loadDevnetRules();
    const transition = devnetStateTransition(rules);
    const verifier = await writeDevnetSolidityVerifier(join(options.dataDir, 'verifier'), { circuit: 'root_single' });
    const contracts = await compileDevnetContracts({ verifierSource: verifier.source });
    const sequencer = wallet(anvil, 0);
    const prover = wallet(anvil, 1);
    let state: DevnetChainState = rules.genesis();
    const { rollup } = await deployDevnetRollup(sequencer, {
      contracts,
      sequencer: sequencer.account.address,
      genesisArchive: fieldToHex(state.archive),
      proofWindowSeconds: options.proofWindowSeconds ?? 3600n,
    });

    return {
      anvil,
      s3,
      store,
      rollup,
      crs,
      sequencer,
      prover,
      proverId: proverIdFromAddress(prover.account.address),
      async proposeBlock(txCount) {
        const clientTxs = [];
        for (let i = 0; i < txCount; i++) {
          const note = { secret: randomField(), value: BigInt(i + 1) };
          clientTxs.push((await proveDevnetClientTx({ note, newSecret: randomField(), crsPath: crs.dir })).tx);
        }
        const previous = state;
        const effects = clientTxs.map((tx) => ({ nullifier: tx.nullifier, commitment: tx.commitment }));
        const applied = rules.applyBlock(previous, { number: previous.leaf.blockNumber + 1n, txs: effects });
        const proposed = await sequenceBlock(sequencer, { address: rollup, transition, state: previous, txs: effects });
        state = proposed.state;
        const number = Number(proposed.blockNumber);
        const txs = [];
        for (const tx of clientTxs) {
          const hash = fieldToHex(tx.nullifier);
          const key = txInputKey(hash, 'client_tx');
          await store.put(key, encodeDevnetClientTx(tx));
          txs.push({ hash, kind: 'tx', inputs: { client_tx: key } });
        }
        await writeBlockRecord(store, {
          profile: 'devnet',
          number,
          effectsHash: proposed.effectsHash,
          archive: proposed.archive,
          previousArchive: fieldToHex(previous.archive),
          txs,
          data: {
            previousBlock: JSON.parse(Buffer.from(encodeDevnetArchiveLeaf(previous.leaf)).toString('utf8')) as unknown,
            txStartStates: applied.txStartStates.map(fieldToHex),
          },
        });
        return number;
      },
      async stop() {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    throw err;
  }
}
