/**
 * c7a instance shapes and prices the model bills capacity at. us-east-1 Linux on-demand list prices (2026):
 * $0.05132 per vCPU-hour across the family (c7a.large $0.10264/h … c7a.16xlarge $3.28448/h; ARCHITECTURE §5).
 * Spot: "typically 60–70 % below on-demand" (ARCHITECTURE §5) — the model takes 65 % off (estimate).
 * Step Functions Standard: $25 per million state transitions.
 */
import { InputError } from '../errors.ts';

export const C7A_ON_DEMAND_USD_PER_VCPU_HOUR = 0.05132;
const SPOT_DISCOUNT = 0.65;
export const C7A_SPOT_USD_PER_VCPU_HOUR = C7A_ON_DEMAND_USD_PER_VCPU_HOUR * (1 - SPOT_DISCOUNT);
export const STEP_FUNCTIONS_USD_PER_TRANSITION = 25 / 1_000_000;

export interface InstanceShape {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** c7a sizes: 2 GiB per vCPU. */
const C7A_SIZES: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};

/** Shape of a c7a instance type; other families are refused (their prices are not in the model). */
export function instanceShape(type: string): InstanceShape {
  const match = /^c7a\.([a-z0-9]+)$/.exec(type);
  const vcpus = match ? C7A_SIZES[match[1]!] : undefined;
  if (vcpus === undefined) {
    throw new InputError(`instance type ${JSON.stringify(type)} is not a c7a size the model knows`, {
      metaMessages: [`known: ${Object.keys(C7A_SIZES).map((s) => `c7a.${s}`).join(', ')}`],
    });
  }
  return { name: type, vcpus, memoryMiB: vcpus * 2 * 1024 };
}

/** The config's default instanceTypes (lib/config.ts). */
export const DEFAULT_INSTANCE_TYPES = ['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge'] as const;
