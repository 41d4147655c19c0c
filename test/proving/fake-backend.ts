/**
 * TEST DOUBLE of the proving backend (lib/proving/backend.ts), shared by the job-runner tests. It proves
 * nothing: it writes placeholder files where bb would (the directory after `-o` in its arguments), or fails
 * the way bb fails, and remembers every invocation. Not a backend: never wire it outside tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BbInvocation, BbOutcome, ProvingBackend } from '../../lib/proving/backend.ts';

export interface TestDoubleBehaviour {
  /** Files written into the `-o` directory. @default ['proof', 'public_inputs', 'vk'] */
  readonly writes?: readonly string[];
  /**
   * Fail instead of writing: bb's failure reason (a string is also bb's stderr), not retryable unless `retry`
   * says so. By default every run fails; `failIf` picks the runs that do.
   */
  readonly fail?: string | { readonly reason: string; readonly stderr?: string; readonly retry?: boolean };
  readonly failIf?: (invocation: BbInvocation) => boolean;
}

export interface TestDoubleBackend extends ProvingBackend {
  /** Every invocation, in order: a job that was skipped never shows up here. */
  readonly runs: readonly BbInvocation[];
}

/** The bytes the double writes for an output file. */
export const testDoubleBytes = (name: string): string => `test-double ${name}`;

export function testDoubleBackend(behaviour: TestDoubleBehaviour = {}): TestDoubleBackend {
  const runs: BbInvocation[] = [];
  return {
    name: 'test-double',
    runs,
    version: async () => 'test-double',
    async run(invocation): Promise<BbOutcome> {
      runs.push(invocation);
      const { fail } = behaviour;
      if (fail !== undefined && (behaviour.failIf?.(invocation) ?? true)) {
        const { reason, stderr = reason, retry = false } = typeof fail === 'string' ? { reason: fail } : fail;
        return { ok: false, durationMs: 1, reason, retry, stdout: '', stderr };
      }
      const flag = invocation.args.indexOf('-o');
      const outDir = invocation.args[flag + 1];
      if (flag < 0 || outDir === undefined) throw new Error(`test double backend: no -o <dir> in ${invocation.args.join(' ')}`);
      await mkdir(outDir, { recursive: true });
      for (const name of behaviour.writes ?? ['proof', 'public_inputs', 'vk']) await writeFile(join(outDir, name), testDoubleBytes(name));
      return { ok: true, durationMs: 1, stdout: '', stderr: '' };
    },
  };
}
