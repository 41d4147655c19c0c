/**
 * Aztec's own broker client pieces (@aztec/prover-client 4.1.2), loaded from their leaf modules by file URL:
 * the package's `./broker` entry also loads Aztec's native world state, which needs glibc ≥ 2.39, and these
 * leaves do not. They are exactly what an Aztec prover node uses to talk to a broker.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The package exports no ./package.json; resolve the config entry (a leaf too) and walk to its directory.
const brokerDir = dirname(fileURLToPath(import.meta.resolve('@aztec/prover-client/broker/config')));
const load = <T>(file: string): Promise<T> => import(pathToFileURL(join(brokerDir, file)).href) as Promise<T>;

/** The producer side of Aztec's broker API, as the node's client exposes it. */
export interface AztecBrokerClient {
  enqueueProvingJob(job: { id: string; type: number; epochNumber: number; inputsUri: string }): Promise<{ status: string; value?: string; reason?: string }>;
  getProvingJobStatus(id: string): Promise<{ status: string; value?: string; reason?: string }>;
  cancelProvingJob(id: string): Promise<void>;
  getCompletedJobs(ids: string[]): Promise<string[]>;
  getProvingJob(filter?: unknown): Promise<unknown>;
}

/** Aztec's `ServerCircuitProver` over a broker (only the calls the tests make are typed). */
interface AztecFacade {
  start(): void;
  stop(): Promise<void>;
  getCheckpointPaddingRollupProof(inputs: unknown, signal?: AbortSignal, epoch?: number): Promise<AztecProofResult>;
  getBaseParityProof(inputs: unknown, signal?: AbortSignal, epoch?: number): Promise<AztecProofResult>;
}

export interface AztecProofResult {
  readonly inputs: Record<string, unknown> & { toBuffer(): Buffer };
  readonly proof: { readonly proof: { toBuffer(): Buffer }[]; readonly binaryProof: { readonly buffer: Buffer; readonly numPublicInputs: number } };
  readonly verificationKey: { readonly keyAsBytes: Buffer };
}

export interface AztecBrokerPieces {
  createClient(url: string): AztecBrokerClient;
  /** `proofStore`: PROVER_PROOF_STORE (undefined: Aztec's inline store). */
  createFacade(client: AztecBrokerClient, proofStore: string | undefined, pollIntervalMs?: number): Promise<AztecFacade>;
}

export async function loadAztecBrokerPieces(): Promise<AztecBrokerPieces> {
  const rpc = await load<{ createProvingJobBrokerClient(url: string, versions: object): AztecBrokerClient }>('rpc.js');
  const facade = await load<{ BrokerCircuitProverFacade: new (broker: AztecBrokerClient, store: unknown, failed?: unknown, pollMs?: number) => AztecFacade }>(
    'broker_prover_facade.js',
  );
  const stores = await load<{ createProofStore(config: string | undefined): Promise<unknown> }>('proof_store/factory.js');
  return {
    createClient: (url) => rpc.createProvingJobBrokerClient(url, {}),
    createFacade: async (client, proofStore, pollIntervalMs = 250) =>
      new facade.BrokerCircuitProverFacade(client, await stores.createProofStore(proofStore), undefined, pollIntervalMs),
  };
}
