/**
 * `prover`: the operator's command line. Each command lives in lib/cli/<command>.ts and registers itself;
 * errors are printed as "what and why" (no stack) with a non-zero exit.
 */
import { Command } from 'commander';
import { describeError } from '../lib/errors.ts';
import { register as registerAztecBroker } from '../lib/cli/aztec-broker.ts';
import { register as registerAztecJob } from '../lib/cli/aztec-job.ts';
import { register as registerBbRemote } from '../lib/cli/bb-remote.ts';
import { register as registerBench } from '../lib/cli/bench.ts';
import { register as registerBenchAztec } from '../lib/cli/bench-aztec.ts';
import { register as registerCapacity } from '../lib/cli/capacity.ts';
import { register as registerLocal } from '../lib/cli/local.ts';
import { register as registerPlan } from '../lib/cli/plan.ts';
import { register as registerProveBlock } from '../lib/cli/prove-block.ts';
import { register as registerReport } from '../lib/cli/report.ts';
import { register as registerSimulate } from '../lib/cli/simulate.ts';
import { register as registerStatus } from '../lib/cli/status.ts';

const program = new Command('prover')
  .description('Prove Aztec rollup blocks on AWS, serverless (and locally on the devnet).')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

registerPlan(program);
registerLocal(program);
registerProveBlock(program);
registerStatus(program);
registerBench(program);
registerBenchAztec(program);
registerBbRemote(program);
registerAztecJob(program);
registerAztecBroker(program);
registerSimulate(program);
registerReport(program);
registerCapacity(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`error: ${describeError(err)}`);
  process.exitCode = 1;
}
