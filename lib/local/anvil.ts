/**
 * A local L1: starts anvil (from the pinned @foundry-rs/anvil npm package) on a free loopback port, waits until
 * it answers JSON-RPC, and stops it cleanly. anvil picks the port itself (`--port 0`) and prints it, so there is
 * no find-a-free-port-then-bind race between parallel test files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWalletClient, http, publicActions } from 'viem';
import type { HDAccount } from 'viem/accounts';
import { mnemonicToAccount } from 'viem/accounts';
import { anvil as anvilChain } from 'viem/chains';
import { ProverError } from '../errors.ts';

/** anvil's well-known development mnemonic: its accounts are pre-funded. Never use it outside a local node. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export interface StartAnvilParameters {
  /** Loopback only by default: a dev node with known keys must not listen on a public interface. */
  readonly host?: string;
  /** 0 (default) lets anvil choose a free port. */
  readonly port?: number;
  /** @default 31337 */
  readonly chainId?: number;
  /** Seconds between blocks; undefined = mine on each transaction (automine). */
  readonly blockTime?: number;
  /** Only for contracts above EIP-170's 24,576 bytes. @default false */
  readonly disableCodeSizeLimit?: boolean;
  /** @default 15_000 */
  readonly readyTimeoutMs?: number;
  /** Path to an anvil binary; defaults to the platform binary of @foundry-rs/anvil. */
  readonly binary?: string;
  readonly extraArgs?: readonly string[];
}

export interface Anvil {
  readonly rpcUrl: string;
  readonly host: string;
  readonly port: number;
  readonly chainId: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export class AnvilStartError extends ProverError {
  override name = 'AnvilStartError';
}

/** Pre-funded dev account `index` of the default anvil mnemonic. */
export function anvilAccount(index = 0): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

/** A funded dev account of `anvil` as a wallet client that can also read. */
export function anvilWallet(anvil: Pick<Anvil, 'rpcUrl' | 'chainId'>, index: number, options: { retryCount?: number } = {}) {
  return createWalletClient({
    account: anvilAccount(index),
    chain: { ...anvilChain, id: anvil.chainId },
    transport: http(anvil.rpcUrl, { retryCount: options.retryCount ?? 0 }),
    // anvil automines: poll receipts fast instead of viem's 4 s default.
    pollingInterval: 50,
  }).extend(publicActions);
}

/**
 * @example
 * await using anvil = await startAnvil();
 * const client = createPublicClient({ transport: http(anvil.rpcUrl) });
 * @throws AnvilStartError when the binary is missing, exits early or does not answer in time (with its output)
 */
export async function startAnvil(params: StartAnvilParameters = {}): Promise<Anvil> {
  const host = params.host ?? '127.0.0.1';
  const chainId = params.chainId ?? 31337;
  const binary = params.binary ?? resolveAnvilBinary();
  const args = [
    '--host', host,
    '--port', String(params.port ?? 0),
    '--chain-id', String(chainId),
    ...(params.blockTime !== undefined ? ['--block-time', String(params.blockTime)] : []),
    ...(params.disableCodeSizeLimit ? ['--disable-code-size-limit'] : []),
    ...(params.extraArgs ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep draining both pipes for the node's whole life (anvil logs every request; a full pipe would block it)
  // but remember only the tail, for error messages.
  const tail: string[] = [];
  const remember = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stderr!.on('data', remember);

  // Killing the child when this process exits, however it exits, so no anvil outlives a crashed test run.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    const port = await waitForListening(child, remember, params.readyTimeoutMs ?? 15_000, () => tail);
    const rpcUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    await waitForRpc(rpcUrl, chainId, params.readyTimeoutMs ?? 15_000, () => tail);
    const stop = () => stopChild(child).finally(() => process.removeListener('exit', killOnExit));
    return { rpcUrl, host, port, chainId, pid: child.pid!, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stopChild(child);
    process.removeListener('exit', killOnExit);
    throw err;
  }
}

function resolveAnvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  try {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the error below
  }
  throw new AnvilStartError(`anvil binary not found (npm package ${pkg})`, {
    metaMessages: ['Install dependencies (the @foundry-rs/anvil devDependency) or pass `binary`.'],
  });
}

function waitForListening(
  child: ChildProcess,
  remember: (chunk: Buffer) => void,
  timeoutMs: number,
  tail: () => string[],
): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const fail = (msg: string, cause?: unknown) => {
      cleanup();
      reject(new AnvilStartError(msg, { metaMessages: ['anvil output (tail):', ...tail()], cause }));
    };
    const onData = (chunk: Buffer) => {
      remember(chunk);
      buffered += chunk.toString('utf8');
      const match = /Listening on \S+:(\d+)/.exec(buffered);
      if (match) {
        cleanup();
        child.stdout!.on('data', remember);
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`anvil exited before listening (${signal ?? `code ${code}`})`);
    const onError = (err: Error) => fail(`could not start anvil: ${err.message}`, err);
    const timer = setTimeout(() => fail(`anvil did not start listening within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('close', onExit);
      child.off('error', onError);
    };
    child.stdout!.on('data', onData);
    // 'close' (not 'exit'): it fires after the pipes drained, so the error message has anvil's last words.
    child.once('close', onExit);
    child.once('error', onError);
  });
}

async function waitForRpc(rpcUrl: string, chainId: number, timeoutMs: number, tail: () => string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(2_000),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result !== undefined && Number(body.result) === chainId) return;
      lastError = new Error(`eth_chainId answered ${JSON.stringify(body)}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new AnvilStartError(`anvil at ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms`, {
    cause: lastError,
    metaMessages: ['anvil output (tail):', ...tail()],
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
