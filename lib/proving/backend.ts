/**
 * The proving backend the job runner talks to: the real `bb` binary (lib/proving/bb.ts) or a test double
 * (named as such). Results are a union, never a throw, after Aztec's bb-prover: the runner decides what a
 * failure means for the Batch retry strategy from `retry`.
 */
export interface BbInvocation {
  /** Arguments after the binary, e.g. ['prove', '--scheme', 'ultra_honk', '-b', 'bytecode', ...]. */
  readonly args: readonly string[];
  readonly cwd: string;
  /** Directory holding bn254_g1.dat / bn254_g2.dat; passed to bb as CRS_PATH. */
  readonly crsPath?: string;
}

export interface BbSuccess {
  readonly ok: true;
  readonly durationMs: number;
  /** Peak resident memory of the bb process in KiB, when the platform lets us measure it. */
  readonly peakRssKiB?: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BbFailure {
  readonly ok: false;
  readonly durationMs: number;
  readonly reason: string;
  /** Killed by a signal (OOM, spot reclaim) or similar: worth another attempt. */
  readonly retry: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export type BbOutcome = BbSuccess | BbFailure;

export interface ProvingBackend {
  readonly name: string;
  version(): Promise<string>;
  run(invocation: BbInvocation): Promise<BbOutcome>;
}
