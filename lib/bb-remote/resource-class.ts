/**
 * Which job definition (resource class) a delegated call runs on. The Aztec prover agent writes each
 * circuit's bytecode as `<circuit name>-bytecode` (`@aztec/bb-prover` src/bb/execute.ts `generateProof`), so
 * the circuit, and from the Aztec circuit table its class, can be read off the file name: a tx merge gets a
 * 16-vCPU job, the root a 64-vCPU one. AVM proofs run on the `avm` class.
 */
import { basename } from 'node:path';
import { InputError } from '../errors.ts';
import { aztecCircuits } from '../protocols/aztec/circuits.ts';
import type { DelegatedCall } from './bb-argv.ts';

const CLASS_BY_CIRCUIT: ReadonlyMap<string, string> = new Map(Object.values(aztecCircuits).map((c) => [c.circuitName, c.resourceClass]));

/** The class this call needs, or undefined when nothing identifies it (then the default job definition runs it). */
export function resourceClassFor(call: Pick<DelegatedCall, 'command' | 'bytecodePath'>, forced?: string): string | undefined {
  if (forced !== undefined) return forced;
  if (call.command === 'avm_prove') return 'avm';
  if (call.bytecodePath === undefined) return undefined;
  const circuit = basename(call.bytecodePath).replace(/-bytecode$/, '');
  return CLASS_BY_CIRCUIT.get(circuit);
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
