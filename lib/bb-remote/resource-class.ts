/**
 * Which job definition (resource class) a delegated call runs on. The Aztec prover agent writes each
 * circuit's bytecode as `<circuit>-bytecode` (`@aztec/bb-prover` src/bb/execute.ts `generateProof`), where
 * 4.1.2's BBNativeRollupProver names the circuit by its artifact (`TxMergeRollupArtifact-bytecode`); Aztec's
 * own map turns that into the circuit name (`rollup-tx-merge`), and lib/protocols/aztec/job-circuit-sizes.ts gives its class:
 * a tx merge gets a 16-vCPU job, the root a 64-vCPU one. AVM proofs run on the `avm` class.
 */
import { basename } from 'node:path';
import { mapProtocolArtifactNameToCircuitName, type ProtocolArtifact } from '@aztec/noir-protocol-circuits-types/types';
import { InputError } from '../errors.ts';
import { aztecCircuits } from '../protocols/aztec/job-circuit-sizes.ts';
import type { DelegatedCall } from './bb-argv.ts';

const CLASS_BY_CIRCUIT: ReadonlyMap<string, string> = new Map(Object.values(aztecCircuits).map((c) => [c.circuitName, c.resourceClass]));

/** The class this call needs, or undefined when nothing identifies it (then the default job definition runs it). */
export function resourceClassFor(call: Pick<DelegatedCall, 'command' | 'bytecodePath'>, forced?: string): string | undefined {
  if (forced !== undefined) return forced;
  if (call.command === 'avm_prove') return 'avm';
  if (call.bytecodePath === undefined) return undefined;
  const circuit = basename(call.bytecodePath).replace(/-bytecode$/, '');
  return CLASS_BY_CIRCUIT.get(circuit) ?? CLASS_BY_CIRCUIT.get(circuitNameOfArtifact(circuit) ?? '');
}

/** Aztec's circuit name for an artifact name (`ParityBaseArtifact` → `parity-base`), undefined for other names. */
function circuitNameOfArtifact(name: string): string | undefined {
  try {
    return mapProtocolArtifactNameToCircuitName(name as ProtocolArtifact);
  } catch {
    return undefined; // "Unknown circuit type"
  }
}

/** The job definition for a class: the class's own if configured, else the default. */
export function jobDefinitionFor(
  resourceClass: string | undefined,
  config: { readonly jobDefinition: string | undefined; readonly jobDefinitions: Readonly<Record<string, string>> },
): string {
  const own = resourceClass === undefined ? undefined : config.jobDefinitions[resourceClass];
  const definition = own ?? config.jobDefinition;
  if (definition === undefined) {
    throw new InputError(`bb-remote: no job definition for resource class ${resourceClass ?? '(none)'}`, {
      metaMessages: [
        `BB_REMOTE_JOB_DEFINITIONS has: ${Object.keys(config.jobDefinitions).join(', ') || '(nothing)'}`,
        'set BB_REMOTE_JOB_DEFINITION as the fallback, or add the class',
      ],
    });
  }
  return definition;
}
