/**
 * `prover report <run>`: a run's Gantt chart as one self-contained HTML file (lib/report/gantt.ts). <run> is a
 * records file (`prover local` writes `<data dir>/report-<run>.records.json` next to its chart) or the name of a
 * run of the deployed stack, whose plan and result.json records are read from the artifact bucket.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { STACK_OUTPUTS } from '../infra/prover-stack.ts';
import { parseRunName } from '../pipeline/run-name.ts';
import { getProfile } from '../protocols/registry.ts';
import { renderRunReport, summarizeRecords } from '../report/gantt.ts';
import { deployedRunRecords, parseRunRecords, type RunRecords } from '../report/run-records.ts';
import { artifactStore, cliConfig, stackOutputs, type Env } from './deployment.ts';

interface ReportOptions {
  readonly out?: string;
  readonly stack?: string;
  readonly bucket?: string;
}

const HELP = `
<run> is a records JSON file (prover local writes one per run next to its chart) or a run name of the deployed
stack (e.g. devnet-0000000003-0000000004-1a2b3c4d): then its plan.json and each job's result.json are read from
the bucket (--bucket, else the stack's BucketName output); S3 holds no Batch queue times, so a deployed run's
chart shows each job's run only. AWS region and credentials come from the usual AWS_* variables.
`;

export function register(program: Command, env: Env = process.env): void {
  program
    .command('report')
    .argument('<run>', 'a records JSON file, or a run name of the deployed stack')
    .description("write a run's Gantt chart (queue wait, attempts, critical path, per-circuit colours, totals, $) as one HTML file")
    .option('--out <file>', 'where to write the HTML (default: report-<run>.html here)')
    .option('--stack <name>', 'stack to read BucketName and Profile from (default: config stackName)')
    .option('--bucket <name>', 'artifact bucket of a deployed run')
    .addHelpText('after', HELP)
    .action(async (run: string, opts: ReportOptions) => {
      const records = await loadRecords(run, opts, env);
      const out = opts.out ?? `report-${records.run}.html`;
      await writeFile(out, renderRunReport(records));
      const s = summarizeRecords(records);
      console.log(`${records.profile} run ${records.run} (${records.source}): ${s.jobs} jobs, root proof at ${s.rootSeconds === undefined ? '–' : `${s.rootSeconds.toFixed(1)} s`}; critical path ${s.criticalPath.length} jobs`);
      console.log(`report: ${out}`);
    });
}

async function loadRecords(run: string, opts: ReportOptions, env: Env): Promise<RunRecords> {
  if (existsSync(run)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(run, 'utf8'));
    } catch (cause) {
      throw new InputError(`${run} is not JSON`, { cause });
    }
    return parseRunRecords(json, run);
  }
  if (!parseRunName(run)) {
    throw new InputError(`${run} is neither a records file nor a run name`, { metaMessages: ['a run name looks like devnet-0000000003-0000000004-1a2b3c4d'] });
  }
  const config = cliConfig(env);
  let bucket = opts.bucket;
  let profile: string = config.profile;
  if (!bucket) {
    const outputs = await stackOutputs(opts.stack ?? config.stackName);
    bucket = outputs[STACK_OUTPUTS.bucketName];
    profile = outputs[STACK_OUTPUTS.profile] ?? profile;
    if (!bucket) throw new InputError(`stack ${opts.stack ?? config.stackName} has no ${STACK_OUTPUTS.bucketName} output; pass --bucket`);
  }
  return deployedRunRecords(artifactStore(bucket), run, getProfile(profile));
}
