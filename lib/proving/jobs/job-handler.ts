/**
 * What the job runner (lib/proving/job-runner.ts) hands a job kind's handler, and what it gets back. The runner
 * owns resume, the result and error records and the exit code; a handler only proves one kind of job and
 * uploads its outputs: bb-job.ts (raw bb, bb-remote), protocol-job.ts (a protocol's tree, devnet) and
 * aztec-job.ts (Aztec's own circuits and formats).
 */
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifact-store.ts';
import type { ProvingBackend } from '../backend.ts';
import type { JobAdapter } from '../job-adapter.ts';
import type { JobResult } from '../job-spec.ts';
import type { AztecJobProver } from './aztec-job.ts';

/** What proving needs, whatever runs the job (the Batch container, the local executor, tests). */
export interface JobProvingDeps {
  readonly store: ArtifactStore;
  readonly backend: ProvingBackend;
  /** `<version>/bb` binaries for raw-bb jobs that name a bb version (lib/proving/bb-versions.ts). */
  readonly bbVersionsDir?: string;
  /** Adapters by profile name, for protocol jobs. */
  readonly adapters: Readonly<Record<string, JobAdapter>>;
  /** Proves `kind: 'aztec'` jobs (Aztec's own circuits and formats); absent where the image has no Aztec prover. */
  readonly aztecProver?: AztecJobProver;
  readonly crsPath?: string;
}

export interface JobContext extends JobProvingDeps {
  /** This job's scratch directory; the runner removes it afterwards. */
  readonly workDir: string;
  /** A job's result if it finished and its outputs are intact (the runner's resume check), else undefined. */
  finishedResult(jobId: string): Promise<JobResult | undefined>;
}

/** A proven job, its outputs uploaded: the runner adds timing and host and writes result.json. */
export interface ProvedJob {
  readonly outputs: JobResult['outputs'];
  readonly proveMs: number;
  readonly peakRssKiB?: number;
  readonly backend: string;
  readonly backendVersion: string;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The result's record of one uploaded output. */
export function outputRecord(key: string, bytes: Uint8Array): JobResult['outputs'][string] {
  return { key, sha256: sha256(bytes), bytes: bytes.length };
}
