/**
 * `prover bb-remote <bb arguments…>`: bb's command line, with the heavy commands run remotely (see
 * lib/bb-remote/bb-remote.ts). Every argument after `bb-remote` belongs to bb, `--help` and `--version`
 * included, so the command has no options of its own. The Aztec prover agent should use the `bin/bb-remote`
 * shim (BB_BINARY_PATH), which starts in milliseconds for pass-through commands.
 */
import type { Command } from 'commander';
import { bbRemoteMain } from '../bb-remote/main.ts';

const HELP = `
Configuration (environment): BB_REMOTE_MODE=aws|local, BB_REMOTE_DELEGATE (default prove,avm_prove),
BB_REMOTE_BUCKET, BB_REMOTE_JOB_QUEUE, BB_REMOTE_JOB_DEFINITION(S), BB_REMOTE_TIMEOUT_SECONDS,
BB_REMOTE_REAL_BB; see docs/bb-remote.md. "prover bb-remote --help" prints bb's help.
`;

export function register(program: Command): void {
  program
    .command('bb-remote')
    .summary('a drop-in bb that runs prove / avm_prove as AWS Batch (or local) jobs')
    .description(`Runs bb's command line; delegated commands run as jobs, others run the real bb.${HELP}`)
    .argument('[bbArgs...]', "bb's arguments, passed on unchanged")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (bbArgs: string[]) => {
      process.exitCode = await bbRemoteMain(bbArgs);
    });
}
