/** Process entry of the `bin/bb-remote` shim for delegated commands: bb's arguments in, bb's exit code out. */
import { bbRemoteMain } from './main.ts';

process.exitCode = await bbRemoteMain(process.argv.slice(2));
