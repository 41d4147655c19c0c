import { describe, expect, it } from 'vitest';
import { assertClassesFitInstances, instanceCapacity, isArmInstanceType } from '../../lib/infra/instance-capacity.ts';
import { getProfile } from '../../lib/protocols/registry.ts';

describe('instanceCapacity', () => {
  it.each([
    ['c7a.8xlarge', { vcpus: 32, memoryMiB: 65_536 }],
    ['c7a.16xlarge', { vcpus: 64, memoryMiB: 131_072 }],
    ['c7a.24xlarge', { vcpus: 96, memoryMiB: 196_608 }],
    ['c7a.large', { vcpus: 2, memoryMiB: 4096 }],
    ['m7i.xlarge', { vcpus: 4, memoryMiB: 16_384 }],
    ['r6a.2xlarge', { vcpus: 8, memoryMiB: 65_536 }],
  ])('%s', (type, capacity) => {
    expect(instanceCapacity(type)).toEqual(capacity);
  });

  it.each(['x2iedn.xlarge', 'g5.xlarge', 'c7a.metal-48xl', 'nonsense'])('unknown: %s', (type) => {
    expect(instanceCapacity(type)).toBeUndefined();
  });

  it('recognises Graviton types', () => {
    expect(['c7g.16xlarge', 'm6gd.large', 'c6gn.xlarge'].map(isArmInstanceType)).toEqual([true, true, true]);
    expect(['c7a.16xlarge', 'm7i-flex.large', 'g5.xlarge'].map(isArmInstanceType)).toEqual([false, false, false]);
  });
});

describe('assertClassesFitInstances', () => {
  const aztec = getProfile('aztec').resourceClasses;

  it('the default c7a types run every class of both profiles', () => {
    const types = ['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge'];
    expect(() => assertClassesFitInstances(aztec, types, 768)).not.toThrow();
    expect(() => assertClassesFitInstances(getProfile('devnet').resourceClasses, types, 768)).not.toThrow();
  });

  it('fails synth when no allowed type is big enough for a class', () => {
    expect(() => assertClassesFitInstances(aztec, ['c7a.8xlarge'], 768)).toThrow(
      /config: "instanceTypes" \(c7a\.8xlarge\) has no type with 64 vCPUs and 122880 MiB for resource class "avm"/,
    );
  });

  it('fails when maxVcpus is below a class', () => {
    expect(() => assertClassesFitInstances(aztec, ['c7a.16xlarge'], 32)).toThrow(
      /config: "maxVcpus" \(32\) is below resource class "avm"'s 64 vCPUs/,
    );
  });

  it('rejects Graviton types (the prover image is linux/amd64)', () => {
    expect(() => assertClassesFitInstances(aztec, ['c7a.16xlarge', 'c7g.16xlarge'], 768)).toThrow(
      /config: "instanceTypes" must be x86_64 instance types: c7g\.16xlarge is Graviton/,
    );
  });

  it('does not judge types it does not know', () => {
    expect(() => assertClassesFitInstances(aztec, ['x2iedn.32xlarge'], 768)).not.toThrow();
  });
});
