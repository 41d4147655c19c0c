/**
 * Setup file of the unit tier, whose test files share worker processes (isolate: false): each file leaves
 * process.env as it found it, so a file that points the AWS SDK at a dead endpoint does not reach the next.
 */
import { afterAll } from 'vitest';

const initial = { ...process.env };

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in initial)) delete process.env[key];
  Object.assign(process.env, initial);
});
