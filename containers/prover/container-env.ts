/** The job runner's environment, validated at start so a misconfigured job definition fails loudly. */
import { z } from 'zod';
import { jobIdSchema } from '../../lib/proving/job-spec.ts';

export const containerEnvSchema = z.object({
  JOB_ID: jobIdSchema,
  RUN_ID: z.string().min(1).default('manual'),
  ARTIFACT_BUCKET: z.string().min(3),
  /** Local S3 / LocalStack endpoint; unset on AWS. */
  S3_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  CRS_PATH: z.string().optional(),
  BB_BINARY: z.string().optional(),
  /** Raw bb jobs that name a bb version run `<BB_VERSIONS_DIR>/<version>/bb` (the image: /opt/bb). */
  BB_VERSIONS_DIR: z.string().optional(),
  SCRATCH_DIR: z.string().optional(),
  /** Aztec jobs: bb.js 4.1.2 backend (`auto`: native when its binary runs here, else WASM). */
  AZTEC_BB_BACKEND: z.enum(['auto', 'native', 'wasm']).default('auto'),
  /** Aztec jobs: a bb 4.1.2 binary for the native backend (default: the one in bb.js 4.1.2). */
  AZTEC_BB_BINARY: z.string().optional(),
});
export type ContainerEnv = z.infer<typeof containerEnvSchema>;
