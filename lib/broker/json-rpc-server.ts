/**
 * Aztec's broker wire protocol over HTTP (what `createProvingJobBrokerClient` in @aztec/prover-client 4.1.2
 * speaks, answered the way @aztec/foundation's SafeJsonRpcServer answers):
 *   - POST / with a JSON-RPC 2.0 request or a batch array of them (Aztec's client always batches, ≤ 100 calls);
 *     bodies may be gzip-encoded (its undici client compresses bodies ≥ 1 KiB); positional params;
 *   - methods `proverBroker_<m>` (and the producer/consumer namespaces), an array back in the same order, each
 *     item `{ jsonrpc, id, result }` or `{ jsonrpc, id, error: { code, message } }` with HTTP 200; a void result
 *     has no `result` key;
 *   - GET /status → 200 while healthy.
 * There is no authentication on this protocol (Aztec's client sends none): listen on loopback or a private
 * network only. The default host is 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, inflate as inflateCb } from 'node:zlib';
import { z } from 'zod';
import { describeError } from '../errors.ts';
import { provingJobSchema } from './contract.ts';
import type { ProvingBroker } from './broker.ts';

const gunzip = promisify(gunzipCb);
const inflate = promisify(inflateCb);

/** Aztec's client refuses to send more than 10 MB per request; leave room for a larger peer. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const NAMESPACES = ['proverBroker', 'provingJobProducer', 'provingJobConsumer'] as const;

const jobIdParam = z.string().min(1);
/** Positional params of each method, validated like Aztec's schema validates them. */
const METHODS = {
  enqueueProvingJob: z.tuple([provingJobSchema]),
  getProvingJobStatus: z.tuple([jobIdParam]),
  cancelProvingJob: z.tuple([jobIdParam]),
  getCompletedJobs: z.tuple([z.array(jobIdParam)]),
  // Agent side: answered, never given work (see ProvingBroker.noJobForAgents).
  getProvingJob: z.array(z.unknown()),
  reportProvingJobSuccess: z.array(z.unknown()),
  reportProvingJobError: z.array(z.unknown()),
  reportProvingJobProgress: z.array(z.unknown()),
} as const;
type MethodName = keyof typeof METHODS;

interface RpcRequest {
  readonly jsonrpc?: unknown;
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

type RpcResponse =
  | { jsonrpc: '2.0'; id: unknown; result?: unknown }
  | { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string } };

export interface BrokerServerOptions {
  readonly broker: ProvingBroker;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Health of what the broker depends on (GET /status); default: always healthy. */
  readonly healthy?: () => Promise<boolean>;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface RunningBrokerServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startBrokerServer(options: BrokerServerOptions): Promise<RunningBrokerServer> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      options.log?.('broker request failed', { error: describeError(err) });
      if (!res.headersSent) send(res, 500, { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } });
    });
  });
  // Long-lived keep-alive connections from the node's client must not hold a shutdown forever.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(options: BrokerServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/status') {
    const ok = await (options.healthy?.() ?? Promise.resolve(true)).catch(() => false);
    res.writeHead(ok ? 200 : 500).end();
    return;
  }
  if (req.method !== 'POST' || path !== '/') {
    res.writeHead(req.method === 'POST' || req.method === 'GET' ? 404 : 405).end();
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (err) {
    send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${describeError(err).split('\n')[0]}` } });
    return;
  }
  if (Array.isArray(payload)) {
    if (payload.length === 0) {
      send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: empty batch' } });
      return;
    }
    // Calls of one batch run concurrently (Aztec's broker answers them independently too).
    send(res, 200, await Promise.all(payload.map((item) => call(options, item as RpcRequest))));
    return;
  }
  send(res, 200, await call(options, payload as RpcRequest));
}

async function call(options: BrokerServerOptions, request: RpcRequest): Promise<RpcResponse> {
  if (!request || typeof request !== 'object' || typeof request.method !== 'string') {
    return { jsonrpc: '2.0', id: request?.id ?? null, error: { code: -32600, message: 'Invalid Request' } };
  }
  const id = request.id ?? null;
  const method = methodName(request.method);
  if (method === undefined) return { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${request.method}` } };
  const params = METHODS[method].safeParse(request.params ?? []);
  if (!params.success) {
    const message = params.error.issues.map((i) => `${i.message} (${i.path.join('.')})`).join('. ');
    return { jsonrpc: '2.0', id, error: { code: -32701, message } };
  }
  try {
    const result = await dispatch(options.broker, method, params.data as unknown[]);
    return result === undefined ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result };
  } catch (err) {
    options.log?.(`${request.method} failed`, { error: describeError(err) });
    return { jsonrpc: '2.0', id, error: { code: -32702, message: describeError(err) } };
  }
}

function dispatch(broker: ProvingBroker, method: MethodName, params: unknown[]): Promise<unknown> | undefined {
  switch (method) {
    case 'enqueueProvingJob':
      return broker.enqueueProvingJob(params[0] as z.infer<typeof provingJobSchema>);
    case 'getProvingJobStatus':
      return broker.getProvingJobStatus(params[0] as string);
    case 'cancelProvingJob':
      return broker.cancelProvingJob(params[0] as string);
    case 'getCompletedJobs':
      return broker.getCompletedJobs(params[0] as string[]);
    default:
      return Promise.resolve(broker.noJobForAgents());
  }
}

function methodName(wire: string): MethodName | undefined {
  const [namespace, name, ...rest] = wire.split('_');
  if (rest.length > 0 || name === undefined || !(NAMESPACES as readonly string[]).includes(namespace ?? '')) return undefined;
  return Object.hasOwn(METHODS, name) ? (name as MethodName) : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'gzip') return gunzip(body, { maxOutputLength: MAX_BODY_BYTES });
  if (encoding === 'deflate') return inflate(body, { maxOutputLength: MAX_BODY_BYTES });
  if (encoding !== 'identity') throw new Error(`unsupported content-encoding ${encoding}`);
  return body;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
}
