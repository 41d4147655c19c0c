/**
 * `prover simulate`, `prover capacity` and `prover report` through commander, in process: the JSON contract,
 * the table, the capacity search on a small hand-checkable workload, the Gantt report, and bad input failing
 * with a clear InputError.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { register as registerCapacity } from '../../lib/cli/capacity.ts';
import { register as registerReport } from '../../lib/cli/report.ts';
import { register as registerSimulate } from '../../lib/cli/simulate.ts';
import { InputError } from '../../lib/errors.ts';
import { planCapacity } from '../../lib/model/capacity-search.ts';
import type { Latencies } from '../../lib/model/latencies.ts';
import { AWS_LATENCIES } from '../../lib/model/latencies.ts';
import { C7A_ON_DEMAND_USD_PER_VCPU_HOUR, C7A_SPOT_USD_PER_VCPU_HOUR } from '../../lib/model/pricing.ts';
import type { Workload } from '../../lib/model/workload.ts';
import { observedCriticalPath, renderRunReport, summarizeRecords } from '../../lib/report/gantt.ts';
import { parseRunRecords, type RunRecords } from '../../lib/report/run-records.ts';

async function prover(args: string[]): Promise<string> {
  const program = new Command('prover').exitOverride();
  registerSimulate(program);
  registerCapacity(program);
  registerReport(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    out += `${parts.join(' ')}\n`;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
});

describe('prover simulate', () => {
  it('--json: one object with the headline numbers, for each design on aztec', async () => {
    const json = JSON.parse(await prover(['simulate', '--profile', 'aztec', '--txs', '3+1pub,2', '--checkpoints', '1,1', '--max-vcpus', '2048', '--json']));
    for (const key of ['makespanSeconds', 'criticalPathSeconds', 'vcpuHours', 'peakVcpus', 'costUsd']) expect(json).toHaveProperty(key);
    expect(json.design).toBe('levels');
    expect(Object.keys(json.designs)).toEqual(['levels', 'dataflow']);
    // The dataflow design never waits on barriers, so it is faster here; both are above the critical path.
    expect(json.designs.dataflow.makespanSeconds).toBeLessThan(json.designs.levels.makespanSeconds);
    for (const a of Object.values(json.designs) as { makespanSeconds: number; criticalPathSeconds: number; costUsd: { spot: number; onDemand: number } }[]) {
      expect(a.makespanSeconds).toBeGreaterThan(a.criticalPathSeconds);
      expect(a.costUsd.spot).toBeLessThan(a.costUsd.onDemand);
    }
    expect(json.fleet.agentVcpus).toBe(64);
  });

  it('--warm is never slower than --cold; the table names both designs and the fleet', async () => {
    const args = ['simulate', '--profile', 'aztec', '--txs', '4', '--design', 'levels', '--json'];
    const cold = JSON.parse(await prover([...args, '--cold']));
    const warm = JSON.parse(await prover([...args, '--warm']));
    // The first jobs wait one cold start (180 s) in the cold run.
    expect(cold.makespanSeconds - warm.makespanSeconds).toBeGreaterThan(AWS_LATENCIES.instanceColdStartSeconds - 1e-6);
    const table = await prover(['simulate', '--profile', 'aztec', '--txs', '4']);
    expect(table).toMatch(/levels \(state machine\)\s+dataflow \(broker\)/);
    expect(table).toMatch(/fixed fleet for the same deadline\s+\d+ × 64 vCPUs/);
  });

  it('--durations overrides job types (seconds on their class) and rejects what it cannot use', async () => {
    const file = join(dir, 'durations.json');
    await writeFile(file, JSON.stringify({ ROOT: 100 }));
    const json = JSON.parse(await prover(['simulate', '--profile', 'devnet', '--txs', '1', '--durations', file, '--warm', '--json']));
    // devnet 1 tx: TUBE 21 → BASE 21 → BLOCK_ROOT 39 → ROOT 100.
    expect(json.criticalPathSeconds).toBe(181);
    await writeFile(file, JSON.stringify({ NOT_A_TYPE: 1 }));
    await expect(prover(['simulate', '--profile', 'devnet', '--txs', '1', '--durations', file])).rejects.toThrow(/names job types this profile does not have: NOT_A_TYPE/);
    await writeFile(file, JSON.stringify({ ROOT: -1 }));
    await expect(prover(['simulate', '--profile', 'devnet', '--txs', '1', '--durations', file])).rejects.toBeInstanceOf(InputError);
  });

  it.each([
    [['--profile', 'devnet', '--txs', 'x'], /--txs: "x" in block 1 is not/],
    [['--profile', 'aztec', '--txs', '4', '--max-vcpus', '16'], /resource class .* fits no instance type within maxVcpus 16/],
    [['--profile', 'aztec', '--txs', '4', '--max-vcpus', '0'], /--max-vcpus must be an integer ≥ 1/],
    [['--profile', 'aztec', '--txs', '4', '--instance-types', 'm7i.large'], /not a c7a size the model knows/],
    [['--profile', 'aztec', '--txs', '4', '--no-spot', '--no-on-demand-fallback'], /leaves no compute environment/],
  ])('bad input %j fails clearly', async (args, message) => {
    await expect(prover(['simulate', ...args])).rejects.toThrow(message);
  });
});

/** Four 100-s leaves (16 vCPUs) under a 10-s root; only cold starts (100 s) cost time. */
function fan(): Workload {
  const leaf = (id: string) => ({ id, type: 'LEAF', resourceClass: 'small', vcpus: 16, memoryMiB: 16_384, seconds: 100, children: [] });
  const jobs = [leaf('L1'), leaf('L2'), leaf('L3'), leaf('L4'), { id: 'R', type: 'ROOT', resourceClass: 'small', vcpus: 16, memoryMiB: 16_384, seconds: 10, children: ['L1', 'L2', 'L3', 'L4'] }];
  return { profile: 'test', jobs, root: 'R', levels: [[['L1'], ['L2'], ['L3'], ['L4']], [['R']]], threadScalingExponent: 0, durationsSource: 'test' };
}

describe('prover capacity', () => {
  const latencies: Latencies = { ...AWS_LATENCIES, pollDelaySeconds: 0, startExecutionSeconds: 0, orchestratorEnqueueSeconds: 0, brokerDispatchSeconds: 0, batchSchedulingSeconds: 0, containerStartSeconds: 0, syncCompletionSeconds: 0, brokerRecordSeconds: 0, facadePollSeconds: 0, instanceColdStartSeconds: 100 };
  const scenario = (maxVcpus: number) => ({
    design: 'dataflow' as const,
    latencies,
    cold: true,
    deployment: { maxVcpus, warmVcpus: 0, instanceTypes: ['c7a.4xlarge'], spotEnabled: true, onDemandFallback: false },
  });

  it('finds the smallest maxVcpus: 4 leaves at once need 64 vCPUs to finish by 215 s', () => {
    // Cold: leaves run 100–200, the root 200–210 with 64 vCPUs; with 48 the fourth leaf runs 200–300.
    const plan = planCapacity(fan(), scenario(16), 215, 16);
    expect(plan.unlimited.makespanSeconds).toBe(210);
    expect(plan.maxVcpus?.value).toBe(64);
    expect(plan.maxVcpus?.answer.makespanSeconds).toBe(210);
    // At the configured 16 vCPUs no warm pool meets it (16 vCPUs: one leaf at a time).
    expect(plan.warmVcpus).toBeUndefined();
  });

  it('a deadline below one cold start needs a warm pool: all 64 vCPUs at maxVcpus 64', () => {
    const plan = planCapacity(fan(), scenario(64), 150, 16);
    expect(plan.maxVcpus).toBeUndefined();
    expect(plan.warmVcpus?.value).toBe(64);
    expect(plan.warmVcpus?.answer.makespanSeconds).toBe(110);
  });

  it('prints both answers for a real shape', async () => {
    const out = await prover(['capacity', '--profile', 'aztec', '--txs', '4', '--deadline', '419', '--design', 'levels']);
    expect(out).toMatch(/design levels, deadline 419 s/);
    expect(out).toMatch(/at maxVcpus 14,336: smallest warm pool [\d,]+ vCPUs → makespan \d+ s/);
  });
});

describe('prover report', () => {
  const records: RunRecords = {
    version: 1,
    run: 'devnet-0000000001-0000000001-abcdef01',
    profile: 'devnet',
    source: 'local',
    t0: 1_000_000,
    closedAt: 1_000_000 + 60_000,
    concurrency: 1,
    graph: {
      jobs: [
        { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', type: 'TUBE', children: [], block: 1, tx: 0 },
        { id: 'bbbbbbbbbbbbbbbbbbbbbbbb', type: 'TUBE', children: [], block: 1, tx: 1 },
        { id: 'cccccccccccccccccccccccc', type: 'ROOT', children: ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb'], block: 1 },
      ],
      root: 'cccccccccccccccccccccccc',
    },
    levels: [[['aaaaaaaaaaaaaaaaaaaaaaaa'], ['bbbbbbbbbbbbbbbbbbbbbbbb']], [['cccccccccccccccccccccccc']]],
    jobs: [
      { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', type: 'TUBE', resourceClass: 'small', vcpus: 2, submittedAt: 1_001_000, attempts: [{ startedAt: 1_001_000, stoppedAt: 1_011_000, ok: true }] },
      // A failed attempt (a spot reclaim) and a retry; queued 11 s behind the other tube.
      { id: 'bbbbbbbbbbbbbbbbbbbbbbbb', type: 'TUBE', resourceClass: 'small', vcpus: 2, submittedAt: 1_001_000, attempts: [{ startedAt: 1_012_000, stoppedAt: 1_015_000, ok: false, reason: 'Host EC2 terminated' }, { startedAt: 1_015_000, stoppedAt: 1_035_000, ok: true }] },
      { id: 'cccccccccccccccccccccccc', type: 'ROOT', resourceClass: 'small', vcpus: 2, submittedAt: 1_036_000, attempts: [{ startedAt: 1_036_000, stoppedAt: 1_056_000, ok: true }] },
    ],
  };

  it('summarizes: root time, observed critical path (through the child that finished last), retries, $', () => {
    const s = summarizeRecords(records);
    expect(s.rootSeconds).toBe(56);
    expect(s.closedSeconds).toBe(60);
    expect(observedCriticalPath(records)).toEqual(['bbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccccccc']);
    expect(s.criticalPathSeconds).toBe(55);
    expect(s.retries).toBe(1);
    expect(s.jobSeconds).toBe(10 + 3 + 20 + 20);
    expect(s.costUsd.spot).toBeCloseTo(((53 * 2) / 3600) * C7A_SPOT_USD_PER_VCPU_HOUR, 12);
    expect(s.costUsd.onDemand).toBeCloseTo(((53 * 2) / 3600) * C7A_ON_DEMAND_USD_PER_VCPU_HOUR, 12);
  });

  it('draws every job: queue wait, the failed attempt in red, the critical path in black, one colour per circuit', () => {
    const html = renderRunReport(records);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('queued 11.0 s');
    expect(html).toMatch(/fill="#fff" stroke="#d00"[^>]*><title>TUBE bbbbbbbbbbbbbbbbbbbbbbbb, level 0: attempt 1 12\.0–15\.0 s \(3\.0 s\) failed: Host EC2 terminated/);
    expect(html).toMatch(/stroke="#000"[^>]*><title>ROOT cccccccccccccccccccccccc, level 1: attempt 1 36\.0–56\.0 s \(20\.0 s\), on the critical path/);
    expect(html).toContain('<i style="background:#4e79a7"></i>TUBE');
    expect(html).toContain('<i style="background:#f28e2b"></i>ROOT');
    expect(html).toMatch(/level 0: 1\.0–35\.0 s, 2 items/);
  });

  it('renders a records file to HTML, and refuses files that are not records', async () => {
    const file = join(dir, 'run.records.json');
    await writeFile(file, JSON.stringify(records));
    const out = join(dir, 'run.html');
    const printed = await prover(['report', file, '--out', out]);
    expect(printed).toContain(`report: ${out}`);
    expect(await readFile(out, 'utf8')).toContain('cccccccccccccccccccccccc');
    await writeFile(file, JSON.stringify({ ...records, jobs: [{ ...records.jobs[0], id: 'zzzzzzzzzzzzzzzzzzzzzzzz' }] }));
    await expect(prover(['report', file])).rejects.toThrow(/job zzzzzzzzzzzzzzzzzzzzzzzz is not in the run's graph/);
    expect(() => parseRunRecords({ version: 2 }, 'x.json')).toThrow(/x.json is not a run's records/);
    await expect(prover(['report', 'not-a-run'])).rejects.toThrow(/neither a records file nor a run name/);
  });
});
