/**
 * `prover capacity`: the smallest maxVcpus, and at the configured maxVcpus the smallest warm pool, with which
 * the capacity model meets a deadline (default: the config's proof window) for a range or epoch shape — where
 * the defaults in lib/config.ts and the README's advice come from. Pure: no AWS calls.
 */
import { type Command, Option } from 'commander';
import { InputError } from '../errors.ts';
import { planCapacity, type CapacityFinding, type CapacityPlan } from '../model/capacity-search.ts';
import { instanceShape } from '../model/pricing.ts';
import { DESIGNS, type Design } from '../model/simulate.ts';
import { cliConfig } from './deployment.ts';
import { addModelOptions, resolveModelInputs, type ModelOptions } from './simulate.ts';

interface CapacityOptions extends ModelOptions {
  readonly design?: Design;
  readonly deadline?: number;
  readonly step?: number;
  readonly json?: boolean;
}

const positive = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
};

export function register(program: Command): void {
  addModelOptions(program.command('capacity'))
    .description('the smallest maxVcpus / warm pool that meets a deadline for a range or epoch (capacity model, no AWS calls)')
    .addOption(new Option('--design <design>', 'levels (the state machine) or dataflow (the broker); default: dataflow for aztec, levels for devnet').choices([...DESIGNS]))
    .option('--deadline <seconds>', 'seconds from the range/epoch end to the root proof (default: config proofWindowMinutes)', positive('--deadline'))
    .option('--step <vcpus>', 'search granularity (default: the smallest instance type\'s vCPUs)', positive('--step'))
    .option('--json', 'print one JSON object')
    .action(async (opts: CapacityOptions) => {
      const config = cliConfig(process.env);
      const inputs = await resolveModelInputs(opts);
      const design: Design = opts.design ?? (inputs.profile.name === 'aztec' ? 'dataflow' : 'levels');
      const deadline = opts.deadline ?? config.proofWindowMinutes * 60;
      const step = opts.step ?? Math.min(...inputs.deployment.instanceTypes.map((t) => instanceShape(t).vcpus));
      const plan = planCapacity(inputs.workload, { ...inputs.base, design }, deadline, step);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ design, step, assumptions: inputs.describe, ...plan }, null, 2)}\n`);
      } else {
        process.stdout.write(formatCapacity(plan, design, inputs.deployment.maxVcpus, inputs.deployment.warmVcpus, inputs.describe));
      }
      if (!plan.maxVcpus && !plan.warmVcpus) process.exitCode = 1;
    });
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const money = (n: number) => (n >= 100 ? `$${int(n)}` : `$${n.toFixed(2)}`);
const outcome = (f: CapacityFinding) =>
  `makespan ${int(f.answer.makespanSeconds!)} s (${f.answer.ratioToCriticalPath!.toFixed(2)}× critical path), peak ${int(f.answer.peakVcpus)} vCPUs, ${money(f.answer.costUsd.spot)} spot / ${money(f.answer.costUsd.onDemand)} on-demand per workload`;

function formatCapacity(plan: CapacityPlan, design: Design, maxVcpus: number, warmVcpus: number, describe: readonly string[]): string {
  const u = plan.unlimited;
  const lines = [
    ...describe,
    '',
    `design ${design}, deadline ${int(plan.deadlineSeconds)} s`,
    `unlimited capacity: ${u.makespanSeconds === undefined ? `fails (${u.failure?.reason})` : `makespan ${int(u.makespanSeconds)} s, peak ${int(u.peakVcpus)} vCPUs`}`,
    plan.maxVcpus
      ? `smallest maxVcpus (warm pool ${int(warmVcpus)}): ${int(plan.maxVcpus.value)} per environment → ${outcome(plan.maxVcpus)}`
      : `no maxVcpus meets the deadline: even unlimited capacity takes ${u.makespanSeconds === undefined ? 'forever' : `${int(u.makespanSeconds)} s`}`,
    plan.warmVcpus
      ? plan.warmVcpus.value === 0
        ? `at maxVcpus ${int(maxVcpus)}: no warm pool needed → ${outcome(plan.warmVcpus)}`
        : `at maxVcpus ${int(maxVcpus)}: smallest warm pool ${int(plan.warmVcpus.value)} vCPUs → ${outcome(plan.warmVcpus)}`
      : `at maxVcpus ${int(maxVcpus)}: no warm pool meets the deadline (raise maxVcpus)`,
  ];
  return `${lines.join('\n')}\n`;
}
