/**
 * A loopback TCP proxy in front of anvil: one of the L1 RPC URLs the drill's prover uses. `down()` drops every
 * open connection and resets each new one (an RPC node that went away), `up()` forwards again. Counts what it
 * refused, so the drill can show a fault was really felt.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface RpcProxy {
  readonly url: string;
  readonly stats: { forwarded: number; refused: number; responsesDropped: number };
  isDown(): boolean;
  /**
   * The next request whose bytes contain `marker` (e.g. `eth_sendRawTransaction`) reaches anvil, but its
   * response is dropped and the connection closed: the node did the work, the client never hears. Resolves
   * when that happened.
   */
  dropNextResponseTo(marker: string): Promise<void>;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startRpcProxy(target: { host: string; port: number }): Promise<RpcProxy> {
  const open = new Set<Socket>();
  const stats = { forwarded: 0, refused: 0, responsesDropped: 0 };
  let isDown = false;
  let dropArmed: { marker: string; fired: () => void } | undefined;
  const server = createServer((client) => {
    if (isDown) {
      stats.refused++;
      client.resetAndDestroy();
      return;
    }
    stats.forwarded++;
    const upstream = createConnection({ host: target.host, port: target.port });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    let dropping = false;
    client.on('data', (chunk: Buffer) => {
      if (dropArmed && chunk.includes(dropArmed.marker)) {
        dropping = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) {
        client.write(chunk);
        return;
      }
      stats.responsesDropped++;
      const fired = dropArmed?.fired;
      dropArmed = undefined;
      client.destroy();
      upstream.destroy();
      fired?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('rpc proxy: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    isDown: () => isDown,
    down() {
      isDown = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    up() {
      isDown = false;
    },
    dropNextResponseTo: (marker) => new Promise<void>((resolve) => (dropArmed = { marker, fired: resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
