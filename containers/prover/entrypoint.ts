/**
 * The prover container's entrypoint: the job runner behind an explicit exit code.
 * AWS Batch starts it with JOB_ID / RUN_ID from the state machine's container overrides; the local executor
 * starts the same file as a process with the same environment.
 *
 *   run                      prove the job named by $JOB_ID (exit 0 ok/skipped, 1 failed, 75 retryable)
 */
import { Command } from 'commander';
import { describeError } from '../../lib/errors.ts';
import { exitCodeFor, runJob } from '../../lib/proving/job-runner.ts';
import { containerEnvSchema } from './container-env.ts';
import { createJobRunnerDeps } from './deps.ts';

const program = new Command('job-runner').description('aztec-aws-prover job runner (container entrypoint)');

program
  .command('run', { isDefault: true })
  .description('prove the job in $JOB_ID: load its spec from S3, prove with bb, write outputs + result.json')
  .action(async () => {
    const env = containerEnvSchema.parse(process.env);
    const deps = await createJobRunnerDeps(env);
    const outcome = await runJob(env.JOB_ID, deps);
    const line = { job: env.JOB_ID, run: env.RUN_ID, ...outcome };
    // One JSON line: CloudWatch Logs / the local executor parse it.
    (outcome.status === 'failed' ? console.error : console.log)(JSON.stringify(line));
    process.exitCode = exitCodeFor(outcome);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(describeError(err));
  process.exitCode = 1;
}
