/**
 * Witness generation for the devnet circuits with noir_js (ACVM in WASM; the native `acvm` is not on npm).
 * A failing `assert` (wrong secret, broken state continuity …) surfaces here as `WitnessGenerationError`,
 * before any proving time is spent.
 */
import { Noir } from '@noir-lang/noir_js';
import type { InputMap, InputValue } from '@noir-lang/types';
import { InputError } from '../../errors.ts';
import { loadDevnetCircuit, type DevnetCircuitArtifact, type DevnetCircuitName } from './artifacts.ts';

export interface DevnetWitness {
  /** Gzipped witness stack: bb's `-w` file. */
  readonly witness: Uint8Array;
  /** The circuit's return value (its public outputs). */
  readonly returnValue: InputValue;
  readonly durationMs: number;
}

/** The inputs do not satisfy the circuit: deterministic, never worth retrying. */
export class WitnessGenerationError extends InputError {
  override name = 'WitnessGenerationError';
  readonly circuit: string;
  /** The circuit's assertion message when there is one, e.g. "secret does not open the note". */
  readonly assertion: string | undefined;

  constructor(circuit: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const assertion = /Circuit execution failed: (.*)$/s.exec(message)?.[1]?.trim();
    super(`witness generation failed for devnet circuit '${circuit}': ${assertion ?? message}`, { cause });
    this.circuit = circuit;
    this.assertion = assertion;
  }
}

const programs = new Map<DevnetCircuitArtifact, Noir>();

export async function generateDevnetWitness(
  circuit: DevnetCircuitName | DevnetCircuitArtifact,
  inputs: InputMap,
): Promise<DevnetWitness> {
  const artifact = typeof circuit === 'string' ? loadDevnetCircuit(circuit) : circuit;
  let noir = programs.get(artifact);
  if (noir === undefined) {
    noir = new Noir(artifact.program);
    programs.set(artifact, noir);
  }
  const started = performance.now();
  try {
    const { witness, returnValue } = await noir.execute(inputs);
    return { witness, returnValue, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    throw new WitnessGenerationError(artifact.name, err);
  }
}
