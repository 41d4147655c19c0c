/**
 * Synth-time sanity checks of the compute configuration against the profile's resource classes. A job whose
 * class needs more vCPUs or memory than any allowed instance offers — or more vCPUs than the environment's
 * maxVcpus — sits in RUNNABLE forever; better to fail `cdk synth` with the reason.
 */
import { ConfigError } from '../config.ts';
import type { ResourceClass } from '../proving/profile.ts';

export interface InstanceCapacity {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** GiB of memory per vCPU of the general families (c: compute, m: general purpose, r: memory). */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { c: 2, m: 4, r: 8 };

const INSTANCE_TYPE = /^([a-z]+?)(\d+)([a-z-]*)\.([a-z0-9]+)$/;

/** vCPUs and memory of common c/m/r instance types; undefined for families this table does not know. */
export function instanceCapacity(instanceType: string): InstanceCapacity | undefined {
  const m = INSTANCE_TYPE.exec(instanceType);
  if (!m) return undefined;
  const [, family, , , size] = m as unknown as [string, string, string, string, string];
  const gibPerVcpu = GIB_PER_VCPU[family];
  if (gibPerVcpu === undefined) return undefined;
  const vcpus = sizeToVcpus(size);
  if (vcpus === undefined) return undefined;
  return { vcpus, memoryMiB: vcpus * gibPerVcpu * 1024 };
}

/** Graviton (arm64) families carry a `g` attribute: c7g, m6gd, c6gn … */
export function isArmInstanceType(instanceType: string): boolean {
  const m = INSTANCE_TYPE.exec(instanceType);
  return m !== null && (m[3] ?? '').includes('g');
}

function sizeToVcpus(size: string): number | undefined {
  if (size === 'medium') return 1;
  if (size === 'large') return 2;
  if (size === 'xlarge') return 4;
  const n = /^(\d+)xlarge$/.exec(size);
  return n ? Number(n[1]) * 4 : undefined;
}

/** Throws naming the first resource class no allowed instance type can run. */
export function assertClassesFitInstances(
  classes: Readonly<Record<string, ResourceClass>>,
  instanceTypes: readonly string[],
  maxVcpus: number,
): void {
  const arm = instanceTypes.filter(isArmInstanceType);
  if (arm.length > 0) {
    throw new ConfigError([
      {
        key: 'instanceTypes',
        message:
          `must be x86_64 instance types: ${arm.join(', ')} ${arm.length === 1 ? 'is' : 'are'} ` +
          'Graviton (arm64) and cannot run the linux/amd64 prover image',
      },
    ]);
  }
  const known = instanceTypes.map((t) => ({ type: t, capacity: instanceCapacity(t) })).filter((k) => k.capacity);
  for (const [name, c] of Object.entries(classes)) {
    if (c.vcpus > maxVcpus) {
      throw new ConfigError([
        { key: 'maxVcpus', message: `(${maxVcpus}) is below resource class "${name}"'s ${c.vcpus} vCPUs: its jobs could never run` },
      ]);
    }
    // Only judge when every allowed type is known: an unknown type might be the one that fits.
    if (known.length !== instanceTypes.length) continue;
    const fits = known.some(({ capacity }) => capacity!.vcpus >= c.vcpus && capacity!.memoryMiB >= c.memoryMiB);
    if (!fits) {
      throw new ConfigError([
        {
          key: 'instanceTypes',
          message:
            `(${instanceTypes.join(', ')}) has no type with ${c.vcpus} vCPUs and ` +
            `${c.memoryMiB} MiB for resource class "${name}": its jobs would stay RUNNABLE forever`,
        },
      ]);
    }
  }
}
