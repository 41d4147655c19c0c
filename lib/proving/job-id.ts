import { createHash } from 'node:crypto';

import { InputError } from '../errors.ts';

/** 24 lowercase hex chars = 96 bits of sha256: collision-free for any realistic number of jobs. */
export const JOB_ID_PATTERN = /^[0-9a-f]{24}$/;

/** Step Functions execution names: 1–80 chars of [A-Za-z0-9-_]; also safe as an S3 key segment. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

const PROFILE_NAME_PATTERN = /^[a-z][a-z0-9]*$/;
const MAX_BLOCK = 9_999_999_999; // 10 digits in the run id

function sha256Hex(value: unknown): string {
  // JSON keeps the parts unambiguous: ['ab', 'c'] and ['a', 'bc'] hash differently.
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * Content-addressed id of a proving job: the same circuit over the same inputs always gets the same id, so a
 * resumed or repeated run finds earlier results (like Aztec's broker, which keys jobs by input hash).
 * `parts` is the identity of the inputs: the tx hash (+ block) for leaves, the ordered child ids (+ block or
 * checkpoint where the circuit needs it) for inner jobs.
 */
export function jobId(profile: string, type: string, parts: readonly string[]): string {
  assertProfileName(profile);
  if (type.length === 0) throw new InputError('job type must be a non-empty string');
  return sha256Hex(['job', profile, type, parts]).slice(0, 24);
}

/**
 * Deterministic run id, used as the Step Functions execution name so a duplicate start is a no-op:
 * `<profile>-<from, 10 digits>-<to, 10 digits>-<8 hex of sha256(profile, from, to, txHashes)>`.
 * Pass tx hashes per block (`string[][]`) so moving a tx between blocks changes the id.
 */
export function runId(
  profile: string,
  from: number,
  to: number,
  txHashes: readonly string[] | readonly (readonly string[])[],
): string {
  assertProfileName(profile);
  assertBlockNumber('from', from);
  assertBlockNumber('to', to);
  if (to < from) throw new InputError(`run range is empty: to (${to}) < from (${from})`);
  const digest = sha256Hex(['run', profile, from, to, txHashes]).slice(0, 8);
  const id = `${profile}-${pad10(from)}-${pad10(to)}-${digest}`;
  assertRunId(id);
  return id;
}

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}

export function assertJobId(value: unknown): asserts value is string {
  if (!isJobId(value)) {
    throw new InputError(`malformed job id ${JSON.stringify(value)}: expected 24 lowercase hex characters`);
  }
}

export function assertRunId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !RUN_ID_PATTERN.test(value)) {
    throw new InputError(
      `malformed run id ${JSON.stringify(value)}: expected 1-80 characters of [A-Za-z0-9-_] (a Step Functions execution name)`,
    );
  }
}

function assertProfileName(profile: string): void {
  // Bounded so the run id (profile + 32 chars) stays within the 80-char execution-name limit.
  if (!PROFILE_NAME_PATTERN.test(profile) || profile.length > 40) {
    throw new InputError(
      `malformed profile name ${JSON.stringify(profile)}: expected 1-40 lowercase letters/digits starting with a letter`,
    );
  }
}

function assertBlockNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_BLOCK) {
    throw new InputError(`${what} block must be an integer in 0..${MAX_BLOCK}, got ${n}`);
  }
}

function pad10(n: number): string {
  return String(n).padStart(10, '0');
}
