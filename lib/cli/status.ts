/**
 * `prover status <run>`: one run of the deployed state machine — the execution's status and times
 * (DescribeExecution of the run name) and, when the artifact bucket is known, its plan's progress (jobs whose
 * result.json exists, the job runner's "done" marker), the recorded failure and the L1 submission.
 */
import type { Command } from 'commander';
import pLimit from 'p-limit';
import type { ExecutionDescription, SfnExecutions } from '../aws/sfn-executions.ts';
import { InputError } from '../errors.ts';
import { readPlan } from '../pipeline/plan-run.ts';
import { parseRunName } from '../pipeline/run-name.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { failureKey, jobResultKey, submissionKey } from '../proving/keys.ts';
import { addDeploymentOptions, artifactStore, cliConfig, resolveDeployment, sfnExecutions, type DeploymentOptions, type Env } from './deployment.ts';

export interface StatusOptions extends DeploymentOptions {
  readonly json?: boolean;
}

export interface RunStatus {
  readonly run: string;
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly attempt: number;
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: string | undefined;
  readonly stopDate: string | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** From the bucket; undefined when the bucket is unknown. */
  readonly artifacts: RunArtifacts | undefined;
}

interface RunArtifacts {
  readonly bucket: string;
  /** undefined until Plan has written plan.json. */
  readonly jobs: { readonly total: number; readonly done: number } | undefined;
  /** runs/<run>/failure.json (the Catch path's record). */
  readonly failure: unknown;
  /** runs/<run>/submission.json (Submit's record). */
  readonly submission: unknown;
}

const HELP = `
<run> is an execution name as prove-block prints it, e.g. devnet-0000000003-0000000004-1a2b3c4d (a retried
range adds -r2, -r3, …). Jobs done = jobs of the run's plan whose result.json exists (a job proven by an earlier
run counts as done). AWS region, credentials and endpoints come from the usual AWS_* variables.
`;

export function register(program: Command, env: Env = process.env): void {
  addDeploymentOptions(program.command('status').argument('<run>', 'run name (the execution name)'))
    .description("show a run of the deployed state machine: status, times, jobs done, failure")
    .option('--json', 'print the status as JSON')
    .addHelpText('after', HELP)
    .action(async (run: string, opts: StatusOptions) => {
      const status = await runStatus(run, opts, env);
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatRunStatus(status));
    });
}

export async function runStatus(run: string, opts: StatusOptions, env: Env = process.env): Promise<RunStatus> {
  const parsed = parseRunName(run);
  if (!parsed) {
    throw new InputError(`${JSON.stringify(run)} is not a run name`, {
      metaMessages: ['expected <profile>-<from, 10 digits>-<to, 10 digits>-<8 hex>[-r<attempt>], as prove-block prints it'],
    });
  }
  const deployment = await resolveDeployment(opts, cliConfig(env));
  const executions = sfnExecutions(deployment);
  const execution = await executions.describe(run);
  if (!execution) throw new InputError(`no run ${run} on ${deployment.stateMachineArn} (${deployment.source})`);
  return describeRun(execution, executions, deployment.bucket === undefined ? undefined : artifactStore(deployment.bucket), deployment.bucket);
}

/** The status of an existing execution, with its artifacts when a store is given. */
export async function describeRun(
  execution: ExecutionDescription,
  executions: Pick<SfnExecutions, 'stateMachineArn'>,
  store: ArtifactStore | undefined,
  bucket: string | undefined,
): Promise<RunStatus> {
  const parsed = parseRunName(execution.name);
  return {
    run: execution.name,
    fromBlock: parsed?.from ?? 0,
    toBlock: parsed?.to ?? 0,
    attempt: parsed?.attempt ?? 1,
    stateMachineArn: executions.stateMachineArn,
    executionArn: execution.executionArn,
    status: execution.status,
    startDate: execution.startDate?.toISOString(),
    stopDate: execution.stopDate?.toISOString(),
    error: execution.error,
    cause: execution.cause,
    artifacts: store && bucket ? await runArtifacts(store, bucket, execution.name) : undefined,
  };
}

async function runArtifacts(store: ArtifactStore, bucket: string, run: string): Promise<RunArtifacts> {
  const plan = await readPlan(store, run);
  let jobs: RunArtifacts['jobs'];
  if (plan) {
    // One HEAD per job, a few at a time: an epoch plan has thousands of jobs.
    const limit = pLimit(16);
    const done = await Promise.all(plan.graph.jobs.map((job) => limit(() => store.exists(jobResultKey(job.id)))));
    jobs = { total: plan.graph.jobs.length, done: done.filter(Boolean).length };
  }
  return { bucket, jobs, failure: await readJson(store, failureKey(run)), submission: await readJson(store, submissionKey(run)) };
}

async function readJson(store: ArtifactStore, key: string): Promise<unknown> {
  const raw = await store.get(key);
  if (raw === undefined) return undefined;
  const text = Buffer.from(raw).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function formatRunStatus(s: RunStatus): string {
  const lines = [
    `run ${s.run}: ${s.status}`,
    `  blocks ${s.fromBlock}..${s.toBlock}${s.attempt > 1 ? `, attempt ${s.attempt}` : ''}`,
    `  started ${s.startDate ?? '-'}${s.stopDate ? `, stopped ${s.stopDate}` : ''}`,
    `  execution ${s.executionArn}`,
  ];
  if (s.error !== undefined || s.cause !== undefined) lines.push(`  error ${s.error ?? '-'}: ${s.cause ?? ''}`);
  if (s.artifacts) {
    const a = s.artifacts;
    lines.push(a.jobs ? `  jobs done ${a.jobs.done}/${a.jobs.total}` : `  jobs: no plan yet (s3://${a.bucket}/runs/${s.run}/plan.json)`);
    if (a.failure !== undefined) lines.push(`  failure.json ${JSON.stringify(a.failure)}`);
    if (a.submission !== undefined) lines.push(`  submission.json ${JSON.stringify(a.submission)}`);
  } else {
    lines.push('  jobs: bucket unknown (pass --bucket, or use the stack outputs)');
  }
  return `${lines.join('\n')}\n`;
}
