/** What callers see when L1 is not there: a typed, retryable L1UnreachableError naming the URL. */
import { createPublicClient, createWalletClient, http, toHex } from 'viem';
import { anvil as anvilChain } from 'viem/chains';
import { describe, expect, it } from 'vitest';
import { L1Error, L1UnreachableError } from '../../lib/l1/errors.ts';
import { proposeBlock } from '../../lib/l1/propose-block.ts';
import { readTips } from '../../lib/l1/read-tips.ts';
import { submitRootProof } from '../../lib/l1/submit-root-proof.ts';
import { AnvilStartError, anvilAccount, startAnvil } from '../../lib/local/anvil.ts';

const SOME_ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('anvil lifecycle', () => {
  it('behavior: starts on a free loopback port, answers JSON-RPC, and stop() ends the process', async () => {
    const anvil = await startAnvil();
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    expect(await client.getChainId()).toBe(31337);

    await anvil.stop();
    expect(() => process.kill(anvil.pid, 0)).toThrow();
    await anvil.stop(); // idempotent
  });

  it('behavior: two nodes run side by side on different ports', async () => {
    await using a = await startAnvil();
    await using b = await startAnvil({ chainId: 1337 });
    expect(a.port).not.toBe(b.port);
    expect(await createPublicClient({ transport: http(b.rpcUrl) }).getChainId()).toBe(1337);
  });

  it('behavior: a missing binary fails with AnvilStartError', async () => {
    await expect(startAnvil({ binary: '/nonexistent/anvil' })).rejects.toBeInstanceOf(AnvilStartError);
  });

  it('behavior: a node that exits at startup fails with AnvilStartError carrying its output', async () => {
    const err = await startAnvil({ extraArgs: ['--no-such-flag'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnvilStartError);
    expect((err as AnvilStartError).message).toMatch(/exited before listening[\s\S]*no-such-flag/);
  });
});

describe('L1 unavailable', () => {
  it('behavior: reads and writes against a stopped node fail with L1UnreachableError naming the URL', async () => {
    const anvil = await startAnvil();
    await anvil.stop();
    const transport = http(anvil.rpcUrl, { retryCount: 0 });

    const read = await readTips(createPublicClient({ transport }), { address: SOME_ADDRESS }).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(L1UnreachableError);
    expect(read).toMatchObject({ url: anvil.rpcUrl, retryable: true });
    expect((read as Error).message).toContain('readTips');

    const wallet = createWalletClient({ account: anvilAccount(0), chain: anvilChain, transport });
    const write = await submitRootProof(wallet, {
      address: SOME_ADDRESS,
      fromBlock: 1n,
      toBlock: 1n,
      publicInputs: [toHex(1n, { size: 32 })],
      proof: '0x00',
    }).catch((e: unknown) => e);
    expect(write).toBeInstanceOf(L1UnreachableError);
    expect((write as L1UnreachableError).url).toBe(anvil.rpcUrl);
  });

  it('behavior: a wrong URL fails with L1UnreachableError', async () => {
    const url = 'http://127.0.0.1:9/';
    const wallet = createWalletClient({ account: anvilAccount(0), chain: anvilChain, transport: http(url, { retryCount: 0 }) });
    const err = await proposeBlock(wallet, {
      address: SOME_ADDRESS,
      blockNumber: 1n,
      effectsHash: toHex(1n, { size: 32 }),
      archive: toHex(2n, { size: 32 }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(L1UnreachableError);
    expect((err as L1UnreachableError).message).toContain(url);
  });

  it('behavior: a reachable node without the rollup at the address is an L1Error, not "unreachable"', async () => {
    await using anvil = await startAnvil();
    const err = await readTips(createPublicClient({ transport: http(anvil.rpcUrl) }), { address: SOME_ADDRESS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(L1Error);
    expect(err).not.toBeInstanceOf(L1UnreachableError);
    expect((err as L1Error).retryable).toBe(false);
  });
});
