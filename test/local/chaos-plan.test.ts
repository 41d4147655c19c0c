/**
 * The chaos drill's seeded plan (pure, fast) and its L1 RPC proxy (real loopback TCP, no chain): the same seed
 * gives the same plan, every fault kind is planned, and a proxy that is "down" really refuses connections.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEVNET_JOB_TYPES, FAULT_KINDS, formatPlan, parseSeed, planFaults } from '../../lib/local/chaos/plan.ts';
import { startRpcProxy } from '../../lib/local/chaos/rpc-proxy.ts';

describe('chaos fault plan', () => {
  it('the same seed gives the same plan; another seed another one', () => {
    expect(planFaults(266)).toEqual(planFaults(266));
    expect(formatPlan(planFaults(266))).toBe(formatPlan(planFaults(266)));
    expect(planFaults(266)).not.toEqual(planFaults(267));
  });

  it('pins the plan of the e2e seed (266): a changed PRNG or draw order shows here first', () => {
    const byKind = Object.fromEntries(planFaults(266).faults.map((f) => [f.kind, f]));
    expect(byKind['kill-job']).toMatchObject({ jobType: 'ROOT', afterMs: 2011 });
    expect(byKind['spot-reclaim']).toMatchObject({ jobOrdinal: 1, instanceId: 'i-e43001a209bdb9b7e' });
    expect(byKind['corrupt-output']).toMatchObject({ jobType: 'ROOT', output: 'public_inputs' });
    expect(byKind['lose-result']).toMatchObject({ jobType: 'BLOCK_ROOT' });
    expect(byKind['l1-rpc-one-down']).toMatchObject({ untilJobType: 'TUBE' });
  });

  it('plans every fault kind once, with parameters in range, for many seeds', () => {
    for (let seed = 0; seed < 500; seed++) {
      const plan = planFaults(seed);
      expect(plan.faults.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
      for (const f of plan.faults) {
        switch (f.kind) {
          case 'kill-job':
            expect(DEVNET_JOB_TYPES).toContain(f.jobType);
            expect(f.afterMs).toBeGreaterThanOrEqual(2_000);
            expect(f.afterMs).toBeLessThanOrEqual(8_000);
            break;
          case 'spot-reclaim':
            expect(f.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
            expect(f.jobOrdinal).toBeGreaterThanOrEqual(1);
            expect(f.jobOrdinal).toBeLessThanOrEqual(DEVNET_JOB_TYPES.length);
            break;
          case 'corrupt-output':
            expect(f.offsetFraction).toBeGreaterThanOrEqual(0);
            expect(f.offsetFraction).toBeLessThanOrEqual(1);
            break;
          case 'l1-rpc-all-down':
            expect(f.durationMs).toBeGreaterThanOrEqual(5_000);
            expect(f.durationMs).toBeLessThanOrEqual(15_000);
            break;
          case 'proof-window-closing':
            expect(f.secondsLeft).toBeGreaterThan(0);
            break;
          default:
            break;
        }
      }
      const corrupt = plan.faults.find((f) => f.kind === 'corrupt-output')!;
      const lose = plan.faults.find((f) => f.kind === 'lose-result')!;
      // Two tamperings of one job would be detected as one.
      expect('jobType' in lose && 'jobType' in corrupt && lose.jobType !== corrupt.jobType).toBe(true);
    }
  });

  it('over seeds, every job type is a target of each job fault', () => {
    const plans = Array.from({ length: 200 }, (_, seed) => planFaults(seed).faults);
    for (const kind of ['kill-job', 'corrupt-output', 'lose-result'] as const) {
      const types = new Set(plans.flat().flatMap((f) => (f.kind === kind ? [f.jobType] : [])));
      expect([...types].sort()).toEqual([...DEVNET_JOB_TYPES].sort());
    }
  });

  it('dropping a kind leaves the other faults where they were', () => {
    const all = planFaults(42).faults;
    const some = planFaults(42, ['kill-job', 'proof-window-closing']).faults;
    expect(some).toEqual(all.filter((f) => f.kind === 'kill-job' || f.kind === 'proof-window-closing'));
  });

  it('parses seeds: integers as given, words hashed stably', () => {
    expect(parseSeed('266')).toBe(266);
    expect(parseSeed('monday-drill')).toBe(parseSeed('monday-drill'));
    expect(parseSeed('monday-drill')).not.toBe(parseSeed('tuesday-drill'));
    expect(parseSeed('99999999999')).toBeLessThanOrEqual(0xffffffff);
  });
});

describe('chaos L1 RPC proxy', () => {
  it('forwards while up, refuses (and counts) while down, forwards again after up', async () => {
    const server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const proxy = await startRpcProxy({ host: '127.0.0.1', port });
    const get = () => fetch(proxy.url, { headers: { connection: 'close' } }).then((r) => r.text());
    try {
      expect(await get()).toBe('pong');
      proxy.down();
      await expect(get()).rejects.toThrow();
      expect(proxy.stats.refused).toBeGreaterThan(0);
      proxy.up();
      expect(await get()).toBe('pong');
    } finally {
      await proxy.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('drops the response to a marked request after the upstream handled it', async () => {
    const handled: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        handled.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const proxy = await startRpcProxy({ host: '127.0.0.1', port });
    const post = (body: string) => fetch(proxy.url, { method: 'POST', body, headers: { connection: 'close' } }).then((r) => r.text());
    try {
      const dropped = proxy.dropNextResponseTo('eth_sendRawTransaction');
      expect(await post('{"method":"eth_call"}')).toBe('ok');
      await expect(post('{"method":"eth_sendRawTransaction"}')).rejects.toThrow();
      await dropped;
      expect(handled).toEqual(['{"method":"eth_call"}', '{"method":"eth_sendRawTransaction"}']);
      expect(proxy.stats.responsesDropped).toBe(1);
      expect(await post('{"method":"eth_sendRawTransaction"}')).toBe('ok');
    } finally {
      await proxy.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
