/**
 * How a protocol turns one job of its tree into a `bb` invocation: it reads its leaf inputs and its children's
 * outputs, generates the witness, and says which bb arguments to run and which output files to keep.
 * One adapter per profile; the job runner is the same for all of them.
 */
import type { ProtocolJobSpec } from './job-spec.ts';

export interface JobIo {
  /** Scratch directory for this job (inputs, witness, bb output). */
  readonly workDir: string;
  /** An output file of a finished child job (e.g. 'proof', 'public_inputs', 'vk'). */
  readChildOutput(childId: string, name: string): Promise<Uint8Array>;
  /** A leaf input named in the spec's `inputs`. */
  readInput(name: string): Promise<Uint8Array>;
}

export interface PreparedProof {
  /** bb arguments; paths are absolute or relative to `workDir`. */
  readonly args: readonly string[];
  /** Directory bb writes to. */
  readonly outDir: string;
  /** Files in `outDir` to upload as the job's outputs. */
  readonly outputs: readonly string[];
  /** Files in `outDir` to upload only if bb wrote them. */
  readonly optionalOutputs?: readonly string[];
}

export interface JobAdapter {
  readonly profile: string;
  prepare(spec: ProtocolJobSpec, io: JobIo): Promise<PreparedProof>;
}
