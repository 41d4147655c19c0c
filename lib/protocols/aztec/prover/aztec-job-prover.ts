/**
 * The job runner's Aztec prover (lib/proving/job-runner.ts `AztecJobProver`): Aztec's inputs → Aztec's
 * result JSON, with the CRS in `crsPath`. The proving module (and with it every Aztec circuit artifact) is
 * imported on the first Aztec job only, so devnet and raw bb jobs start as fast as before.
 */
import type { AztecJobProver } from '../../../proving/job-runner.ts';
import type { AztecBbBackendChoice } from './barretenberg.ts';
import { inspectCrsDir } from './crs-dir.ts';

export interface AztecJobProverOptions {
  readonly crsPath: string;
  readonly backend?: AztecBbBackendChoice;
  readonly threads?: number;
  readonly bbPath?: string;
}

export function createAztecJobProver(options: AztecJobProverOptions): AztecJobProver {
  return {
    async prove({ type, inputs }) {
      const { proveAztecJob } = await import('./prove-aztec-job.ts');
      const { AZTEC_BB_VERSION } = await import('./barretenberg.ts');
      const proof = await proveAztecJob({
        type,
        inputs,
        crs: inspectCrsDir(options.crsPath),
        backend: options.backend ?? 'auto',
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.bbPath !== undefined ? { bbPath: options.bbPath } : {}),
      });
      return {
        output: Buffer.from(proof.resultJson, 'utf8'),
        proveMs: proof.metrics.proveMs,
        backend: proof.metrics.backend,
        backendVersion: AZTEC_BB_VERSION,
      };
    },
  };
}
