/** Wires the job runner for the container (and the local executor, which runs the same bundle). */
import { createS3Client } from '../../lib/aws/s3-client.ts';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { NativeBbBackend } from '../../lib/proving/bb.ts';
import type { JobRunnerDeps } from '../../lib/proving/job-runner.ts';
import { createAztecJobProver } from '../../lib/protocols/aztec/prover/aztec-job-prover.ts';
import { devnetJobAdapter } from '../../lib/protocols/devnet/job-adapter.ts';
import type { ContainerEnv } from './container-env.ts';

export async function createJobRunnerDeps(env: ContainerEnv): Promise<JobRunnerDeps> {
  const client = createS3Client({ region: env.AWS_REGION, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) });
  // Local S3 servers (s3rver) ignore If-None-Match; the runner only overwrites its own content-addressed keys.
  const store = new S3ArtifactStore({ client, bucket: env.ARTIFACT_BUCKET, ...(env.S3_ENDPOINT ? { conditionalWrites: 'check-then-put' as const } : {}) });
  return {
    store,
    backend: new NativeBbBackend(env.BB_BINARY ? { bbPath: env.BB_BINARY } : {}),
    ...(env.BB_VERSIONS_DIR ? { bbVersionsDir: env.BB_VERSIONS_DIR } : {}),
    adapters: { devnet: devnetJobAdapter },
    // Aztec jobs need the CRS; without one the runner refuses them with a message saying so.
    ...(env.CRS_PATH
      ? { aztecProver: createAztecJobProver({ crsPath: env.CRS_PATH, backend: env.AZTEC_BB_BACKEND, ...(env.AZTEC_BB_BINARY ? { bbPath: env.AZTEC_BB_BINARY } : {}) }) }
      : {}),
    ...(env.CRS_PATH ? { crsPath: env.CRS_PATH } : {}),
    ...(env.SCRATCH_DIR ? { scratchRoot: env.SCRATCH_DIR } : {}),
  };
}
