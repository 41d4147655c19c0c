/**
 * `npm run bench:model [-- --json] [--thread-scaling X]`: the capacity model (lib/model) on a mainnet-like epoch (32 checkpoints ×
 * 72 txs: all private, and half public) and a contest-like 4-tx block, under the current design and each fix
 * in turn (cumulative), as ratios to the critical path, with $ per epoch beside a fixed 24/7 fleet sized to meet
 * the same deadline. A model, not a measurement: its assumptions are printed with it (lib/model/latencies.ts,
 * durations.ts, pricing.ts); `prover simulate` answers the same for any shape and configuration.
 */
import { parseArgs } from 'node:util';
import { runModelBench, type BenchShape } from '../lib/model/bench.ts';
import { DEFAULT_THREAD_SCALING_EXPONENT } from '../lib/model/durations.ts';
import { AWS_LATENCIES, MAINNET_EPOCH_SECONDS } from '../lib/model/latencies.ts';
import { C7A_ON_DEMAND_USD_PER_VCPU_HOUR, C7A_SPOT_USD_PER_VCPU_HOUR } from '../lib/model/pricing.ts';
import { aztecProfile } from '../lib/protocols/aztec/profile.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, 'thread-scaling': { type: 'string' } } });
const exponent = values['thread-scaling'] === undefined ? DEFAULT_THREAD_SCALING_EXPONENT : Number(values['thread-scaling']);
if (!Number.isFinite(exponent) || exponent < 0) {
  console.error(`bench:model: --thread-scaling must be a number ≥ 0, got ${values['thread-scaling']}`);
  process.exit(1);
}
const started = Date.now();
const result = runModelBench(aztecProfile, exponent, values.json ? () => {} : (line) => process.stderr.write(`${line}\n`));

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const money = (n: number) => (n >= 100 ? `$${int(n)}` : `$${n.toFixed(2)}`);
  console.log('');
  console.log(`capacity model (lib/model) — Aztec's per-circuit times on 64 vCPUs scaled to each resource class with exponent ${exponent}; ` +
    `cold start ${AWS_LATENCIES.instanceColdStartSeconds} s, Batch scheduling ${AWS_LATENCIES.batchSchedulingSeconds} s, SubmitJob ${AWS_LATENCIES.submitJobRate}/s, ` +
    `Distributed Map ${AWS_LATENCIES.distributedMapFixedSeconds} s per level; c7a $${C7A_ON_DEMAND_USD_PER_VCPU_HOUR}/vCPU-h on-demand, $${C7A_SPOT_USD_PER_VCPU_HOUR.toFixed(4)} spot; ` +
    `fleet: 64-vCPU agents paid 24/7, per ${MAINNET_EPOCH_SECONDS} s epoch`);
  for (const shape of result.shapes) printShape(shape);
  console.log('');
  console.log('with Aztec\'s 64-vCPU times on every class (thread scaling 0, as the issue\'s estimate), unlimited capacity, Plan/Map/retries as filed:');
  for (const u of result.unscaled) console.log(`  ${u.name}, ${u.cold ? 'cold' : 'warm'}: levels ${u.levels?.toFixed(2) ?? 'fails'}× critical path, dataflow ${u.dataflow?.toFixed(2) ?? 'fails'}×`);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);

  function printShape(shape: BenchShape): void {
    console.log('');
    console.log(`${shape.name}: ${int(shape.jobs)} jobs, critical path ${int(shape.criticalPathSeconds)} s`);
    const header = ['', 'end → root', '× crit. path', 'peak vCPUs', '$ spot / on-demand', 'fleet for same deadline: agents, $ spot / on-demand'];
    const rows = shape.rows.map(({ step, answer: a }) => [
      step,
      a.makespanSeconds === undefined ? `FAILS at ${int(a.failure!.at)} s` : `${int(a.makespanSeconds)} s`,
      a.ratioToCriticalPath === undefined ? '–' : a.ratioToCriticalPath.toFixed(2),
      int(a.peakVcpus),
      `${money(a.costUsd.spot)} / ${money(a.costUsd.onDemand)}`,
      a.fleet ? `${int(a.fleet.agents)}, ${money(a.fleet.costUsd.spot)} / ${money(a.fleet.costUsd.onDemand)}` : '–',
    ]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]) => `  ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`;
    console.log(line(header));
    for (const r of rows) console.log(line(r));
    for (const { step, answer: a } of shape.rows) if (a.failure) console.log(`  ${step}: ${a.failure.reason}`);
    if (shape.capacity && (shape.capacity.levels || shape.capacity.dataflow)) {
      console.log(`  prover capacity (smallest maxVcpus for the ${int(result.proofWindowSeconds)} s window, fixes in, cold): levels ${shape.capacity.levels ? int(shape.capacity.levels) : 'none'}, dataflow ${shape.capacity.dataflow ? int(shape.capacity.dataflow) : 'none'}`);
    }
    if (shape.windowFleet) {
      const f = shape.windowFleet;
      console.log(`  cheapest fixed fleet meeting the ${int(result.proofWindowSeconds)} s window: ${int(f.agents)} × ${f.agentVcpus} vCPUs, ${money(f.costUsd.spot)} / ${money(f.costUsd.onDemand)} per epoch (${money(f.costPerDayUsd.onDemand)}/day on-demand)`);
    }
  }
}
