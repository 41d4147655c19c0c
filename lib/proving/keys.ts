/**
 * S3 key layout (one bucket). Ids arrive in Step Functions / Batch payloads, so every helper validates them:
 * a malformed id must fail loudly instead of reading or writing an unrelated key.
 *
 *   runs/<runId>/plan.json | levels/<k>.json | failure.json | submission.json
 *   jobs/<jobId>/spec.json | inputs/<name> | output/<name> | result.json | error.json
 *   blobs/<sha256>                      content-addressed inputs (bb-remote: bytecode, witness, vk …)
 */
import { assertJobId, assertRunId } from './job-id.ts';
import { InputError } from '../errors.ts';

/** A single path segment: no slashes, no leading dot (so no `..`). */
const FILE_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function runPrefix(runId: string): string {
  assertRunId(runId);
  return `runs/${runId}/`;
}

export function planKey(runId: string): string {
  return `${runPrefix(runId)}plan.json`;
}

export function levelKey(runId: string, level: number): string {
  if (!Number.isSafeInteger(level) || level < 0) {
    throw new InputError(`level must be a non-negative integer, got ${level}`);
  }
  return `${runPrefix(runId)}levels/${level}.json`;
}

export function failureKey(runId: string): string {
  return `${runPrefix(runId)}failure.json`;
}

export function submissionKey(runId: string): string {
  return `${runPrefix(runId)}submission.json`;
}

function jobPrefix(jobId: string): string {
  assertJobId(jobId);
  return `jobs/${jobId}/`;
}

export function jobSpecKey(jobId: string): string {
  return `${jobPrefix(jobId)}spec.json`;
}

function jobInputsPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}inputs/`;
}

export function jobInputKey(jobId: string, name: string): string {
  return `${jobInputsPrefix(jobId)}${fileName(name)}`;
}

function jobOutputPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}output/`;
}

export function jobOutputKey(jobId: string, name: string): string {
  return `${jobOutputPrefix(jobId)}${fileName(name)}`;
}

/** Written last by the job runner: its presence (with matching hashes) marks the job done. */
export function jobResultKey(jobId: string): string {
  return `${jobPrefix(jobId)}result.json`;
}

/**
 * Written by the job runner when a job fails (the message a caller outside the container needs, e.g.
 * bb-remote after a Batch job FAILED); a later attempt may succeed and leave it stale, so readers compare
 * its `failedAt` with their own submission time.
 */
export function jobErrorKey(jobId: string): string {
  return `${jobPrefix(jobId)}error.json`;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** A content-addressed object: the same bytes always live at the same key, so they are uploaded once. */
export function blobKey(sha256: string): string {
  if (!SHA256_PATTERN.test(sha256)) throw new InputError(`malformed sha256 ${JSON.stringify(sha256)}: expected 64 lowercase hex characters`);
  return `blobs/${sha256}`;
}

function fileName(name: string): string {
  if (!FILE_NAME_PATTERN.test(name)) {
    throw new InputError(
      `malformed file name ${JSON.stringify(name)}: expected 1-128 chars of [A-Za-z0-9._-], not starting with a dot`,
    );
  }
  return name;
}
