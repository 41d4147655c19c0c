/**
 * A broker process: the JSON-RPC server plus the housekeeping Aztec's broker does on a timer — here, reconciling
 * unsettled jobs with their executions and dropping old epochs. Shared by `prover aztec-broker --stack` (AWS)
 * and `--local`.
 */
import { describeError } from '../errors.ts';
import type { ProvingBroker } from './broker.ts';
import { startBrokerServer } from './json-rpc-server.ts';

export interface ServeBrokerOptions {
  readonly broker: ProvingBroker;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default 30 s */
  readonly housekeepingMs?: number;
  readonly healthy?: () => Promise<boolean>;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface ServedBroker {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveBroker(options: ServeBrokerOptions): Promise<ServedBroker> {
  const log = options.log ?? (() => {});
  const { broker } = options;
  // Before taking calls: jobs a previous process left unsettled get their executions.
  await broker.reconcile();
  let busy = false;
  const housekeeping = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all([broker.reconcile(), broker.dropOldEpochs()])
      .catch((err: unknown) => log('housekeeping failed', { error: describeError(err) }))
      .finally(() => (busy = false));
  }, options.housekeepingMs ?? 30_000);
  housekeeping.unref();
  const server = await startBrokerServer({
    broker,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    log,
    ...(options.healthy ? { healthy: options.healthy } : {}),
  });
  return {
    url: server.url,
    close: async () => {
      clearInterval(housekeeping);
      await server.close();
    },
  };
}
