/**
 * Plan writes job specs and level lists in parallel, bounded: against a store that takes 25 ms per write (S3
 * from Lambda, issue 14) a 1-block × 40-tx devnet range (121 jobs) is planned with at most
 * PLAN_WRITE_CONCURRENCY writes in flight, plan.json still last, and in a fraction of the one-by-one time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { writeBlockRecord } from '../../lib/pipeline/block-record.ts';
import { PLAN_WRITE_CONCURRENCY, planRun, readPlan } from '../../lib/pipeline/plan-run.ts';
import type { RollupView } from '../../lib/pipeline/rollup-view.ts';
import { MemoryArtifactStore, type ArtifactBody, type PutOptions } from '../../lib/proving/artifact-store.ts';
import { jobSpecKey, planKey } from '../../lib/proving/keys.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';

const hex = (n: number) => toHex(BigInt(n), { size: 32 });

/** A memory store whose writes take `ms` and which records the order and concurrency of writes. */
class SlowStore extends MemoryArtifactStore {
  inFlight = 0;
  maxInFlight = 0;
  readonly order: string[] = [];
  constructor(private readonly ms: number) {
    super();
  }
  override async put(key: string, body: ArtifactBody, _options?: PutOptions): Promise<void> {
    await this.#slow(key, () => super.put(key, body));
  }
  override async putIfAbsent(key: string, body: Uint8Array, _options?: PutOptions): Promise<boolean> {
    return this.#slow(key, () => super.putIfAbsent(key, body));
  }
  async #slow<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(this.ms);
      return await write();
    } finally {
      this.inFlight--;
      this.order.push(key);
    }
  }
}

async function plan(writeConcurrency?: number) {
  const store = new SlowStore(25);
  await writeBlockRecord(store, {
    profile: 'devnet',
    number: 1,
    effectsHash: hex(11),
    archive: hex(21),
    previousArchive: hex(20),
    txs: Array.from({ length: 40 }, (_, i) => ({ hash: hex(1000 + i), kind: 'tx', inputs: { client_proof: `txs/${hex(1000 + i)}/proof` } })),
  });
  store.order.length = 0;
  const rollup: RollupView = {
    readTips: async () => ({ pending: 1n, proven: 0n }),
    blockProposal: async () => ({ effectsHash: hex(11), archive: hex(21) }),
  };
  const started = performance.now();
  const out = await planRun({ runId: 'devnet-0000000001-0000000001-abcdef01', fromBlock: 1, toBlock: 1, profile: devnetProfile, store, rollup, maxBlocks: 1, proverId: hex(7) as `0x${string}`, ...(writeConcurrency ? { writeConcurrency } : {}) });
  return { store, out, ms: performance.now() - started };
}

describe('Plan writes', () => {
  it(`keeps at most ${PLAN_WRITE_CONCURRENCY} writes in flight, writes plan.json last, and is much faster than one by one`, async () => {
    const parallel = await plan();
    // 40 tubes, 40 bases, 38 merges, a block root and the root.
    expect(parallel.out.jobs).toBe(120);
    expect(parallel.store.maxInFlight).toBe(PLAN_WRITE_CONCURRENCY);
    expect(parallel.store.order.at(-1)).toBe(planKey(parallel.out.runId));
    const plan1 = (await readPlan(parallel.store, parallel.out.runId))!;
    for (const job of plan1.graph.jobs) expect(await parallel.store.exists(jobSpecKey(job.id))).toBe(true);

    const serial = await plan(1);
    expect(serial.store.maxInFlight).toBe(1);
    expect(serial.out).toEqual(parallel.out);
    console.log(`Plan of 120 jobs at 25 ms per write: one by one ${serial.ms.toFixed(0)} ms, ${PLAN_WRITE_CONCURRENCY} at a time ${parallel.ms.toFixed(0)} ms`);
    // One by one: ≥ 120 spec writes + 5 level lists + the prover id + plan.json at 25 ms each.
    expect(serial.ms).toBeGreaterThan(127 * 25);
    expect(parallel.ms).toBeLessThan(serial.ms / 4);
  });
});
