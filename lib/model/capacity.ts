/**
 * Where jobs run in the model, and what that costs.
 *
 * `BatchCapacity` stands for the stack's AWS Batch job queue over its compute environments (spot first, then
 * on-demand, each capped at maxVcpus): a RUNNABLE job is placed on a ready instance with room for its class
 * (best fit by vCPUs and memory); jobs that fit nowhere make Batch launch instances (largest types for the bulk
 * of the demand, the smallest that covers the rest), ready after the cold start; an instance idle for the
 * scale-down delay is terminated, except the warm pool (minvCpus). Instances are billed from launch to
 * termination, the idle tail included; the warm pool for the whole period, since it runs around the clock.
 * Scaling is optimistic: Batch is taken to launch for the whole queued demand at once.
 *
 * `SlotCapacity` is N identical workers taking one job each: the local Batch executor (its concurrency limit)
 * and a fixed fleet of proving agents.
 */
import type { Clock } from './clock.ts';
import type { InstanceShape } from './pricing.ts';
import type { ModelJob } from './workload.ts';

export interface Placement {
  readonly instance: string;
  /** Container RUNNING. */
  readonly startedAt: number;
  /** How long the job runs here. */
  readonly seconds: number;
}

export interface CostUsd {
  /** Spot environments at the spot price, on-demand ones at on-demand (the stack's queue order). */
  readonly spot: number;
  /** Every instance at the on-demand price (no spot capacity, or spotEnabled=false). */
  readonly onDemand: number;
}

export interface CapacityUsage {
  /** vCPU-seconds paid for, idle time included. */
  readonly billedVcpuSeconds: number;
  /** vCPU-seconds jobs held. */
  readonly busyVcpuSeconds: number;
  readonly peakVcpus: number;
  readonly instancesLaunched: number;
  readonly costUsd: CostUsd;
}

export interface Capacity {
  /** The job is RUNNABLE now; `started` runs once its container is running. */
  enqueue(job: ModelJob, started: (placement: Placement) => void): void;
  /** The job's container stopped. */
  release(job: ModelJob, placement: Placement): void;
  /** After the clock ran out: what was used and paid. */
  usage(): CapacityUsage;
}

export interface ComputeEnvironment {
  readonly name: string;
  readonly maxVcpus: number;
  readonly usdPerVcpuHour: number;
}

export interface BatchCapacityOptions {
  /** In queue order: the first with headroom gets new instances. */
  readonly environments: readonly ComputeEnvironment[];
  readonly instanceTypes: readonly InstanceShape[];
  /** Kept running in the first environment (minvCpus), billed for the whole period. */
  readonly warmVcpus: number;
  /** Raised ahead of the work: instances for these vCPUs are ready at `readyAt`, launched a cold start earlier. */
  readonly prewarm?: { readonly vcpus: number; readonly readyAt: number };
  /** 0: instances are ready as soon as Batch asks for them (the `--warm` bound). */
  readonly coldStartSeconds: number;
  readonly containerStartSeconds: number;
  readonly scaleDownSeconds: number;
  /** How often the workload recurs (an epoch): the warm pool's bill per workload. */
  readonly periodSeconds: number;
  readonly onDemandUsdPerVcpuHour: number;
}

interface Instance {
  readonly id: string;
  readonly env: number;
  readonly shape: InstanceShape;
  readonly kind: 'warm' | 'prewarm' | 'scaled';
  readonly launchedAt: number;
  readonly readyAt: number;
  stoppedAt?: number;
  freeVcpus: number;
  freeMemoryMiB: number;
  running: number;
  idleSince: number;
}

interface Queued {
  readonly job: ModelJob;
  readonly started: (placement: Placement) => void;
}

export class BatchCapacity implements Capacity {
  readonly #instances: Instance[] = [];
  readonly #byId = new Map<string, Instance>();
  /** Ready, live instances with free vCPUs: where a job can go now. */
  readonly #open = new Set<Instance>();
  /** Live vCPUs per environment. */
  readonly #envLive: number[];
  #queue: Queued[] = [];
  /** vCPUs of the queued jobs, and free vCPUs of the instances still launching. */
  #queuedVcpus = 0;
  #launchingVcpus = 0;
  #dispatchScheduled = false;
  #liveVcpus = 0;
  #peakVcpus = 0;
  #busyVcpuSeconds = 0;
  #launched = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: BatchCapacityOptions,
  ) {
    if (options.environments.length === 0) throw new Error('Batch capacity needs at least one compute environment');
    if (options.instanceTypes.length === 0) throw new Error('Batch capacity needs at least one instance type');
    this.#envLive = options.environments.map(() => 0);
    const first = options.environments[0]!;
    if (options.warmVcpus > first.maxVcpus) throw new Error(`warm vCPUs (${options.warmVcpus}) exceed maxVcpus (${first.maxVcpus})`);
    for (const shape of this.#cover(options.warmVcpus, first.maxVcpus)) this.#add(0, shape, 'warm', -Infinity, -Infinity);
    if (options.prewarm && options.prewarm.vcpus > 0) {
      let left = options.prewarm.vcpus;
      options.environments.forEach((env, e) => {
        for (const shape of this.#cover(left, env.maxVcpus - this.#envVcpus(e))) {
          this.#add(e, shape, 'prewarm', options.prewarm!.readyAt - options.coldStartSeconds, options.prewarm!.readyAt);
          left -= shape.vcpus;
        }
      });
    }
  }

  /** Whether some environment could ever run `job` (its class fits an instance type and maxVcpus). */
  canEverRun(job: Pick<ModelJob, 'vcpus' | 'memoryMiB'>): boolean {
    return this.options.environments.some((env) => this.options.instanceTypes.some((t) => fits(t, job) && t.vcpus <= env.maxVcpus));
  }

  enqueue(job: ModelJob, started: (placement: Placement) => void): void {
    this.#queue.push({ job, started });
    this.#queuedVcpus += job.vcpus;
    this.#scheduleDispatch();
  }

  release(job: ModelJob, placement: Placement): void {
    const instance = this.#byId.get(placement.instance);
    if (!instance) throw new Error(`release on unknown instance ${placement.instance}`);
    instance.freeVcpus += job.vcpus;
    instance.freeMemoryMiB += job.memoryMiB;
    instance.running--;
    if (instance.stoppedAt === undefined) this.#open.add(instance);
    if (instance.running === 0) this.#idle(instance);
    this.#scheduleDispatch();
  }

  usage(): CapacityUsage {
    const { periodSeconds, onDemandUsdPerVcpuHour } = this.options;
    let billed = 0;
    let spot = 0;
    let onDemand = 0;
    for (const instance of this.#instances) {
      const seconds = instance.kind === 'warm' ? periodSeconds : (instance.stoppedAt ?? this.clock.now) - instance.launchedAt;
      const vcpuSeconds = seconds * instance.shape.vcpus;
      billed += vcpuSeconds;
      spot += (vcpuSeconds / 3600) * this.options.environments[instance.env]!.usdPerVcpuHour;
      onDemand += (vcpuSeconds / 3600) * onDemandUsdPerVcpuHour;
    }
    return { billedVcpuSeconds: billed, busyVcpuSeconds: this.#busyVcpuSeconds, peakVcpus: this.#peakVcpus, instancesLaunched: this.#launched, costUsd: { spot, onDemand } };
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    // Coalesce everything that happens at one instant into one placement and scaling decision.
    this.clock.after(0, () => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    this.#place();
    if (this.#queue.length > 0) this.#scaleUp();
  }

  /** FIFO with backfill: each queued job goes to the ready instance it fits best; the rest keep their order. */
  #place(): void {
    if (this.#open.size === 0) return;
    const now = this.clock.now;
    const ready = [...this.#open];
    let maxFree = Math.max(...ready.map((i) => i.freeVcpus));
    const waiting: Queued[] = [];
    for (const entry of this.#queue) {
      const { job } = entry;
      let best: Instance | undefined;
      if (job.vcpus <= maxFree) {
        for (const i of ready) {
          if (i.freeVcpus >= job.vcpus && i.freeMemoryMiB >= job.memoryMiB && (!best || i.freeVcpus < best.freeVcpus)) best = i;
        }
      }
      if (!best) {
        waiting.push(entry);
        continue;
      }
      best.freeVcpus -= job.vcpus;
      best.freeMemoryMiB -= job.memoryMiB;
      best.running++;
      this.#queuedVcpus -= job.vcpus;
      if (best.freeVcpus === 0) this.#open.delete(best);
      if (best.freeVcpus < job.vcpus) maxFree = Math.max(0, ...ready.map((i) => i.freeVcpus));
      const placement: Placement = { instance: best.id, startedAt: now + this.options.containerStartSeconds, seconds: job.seconds };
      this.#busyVcpuSeconds += job.vcpus * job.seconds;
      this.clock.at(placement.startedAt, () => entry.started(placement));
    }
    this.#queue = waiting;
  }

  /**
   * Launches instances for the queued demand that instances already launching will not cover. Like Batch, it
   * sizes by aggregate vCPUs (the oldest queued jobs count as covered by the launching capacity) and picks
   * types for the rest: the largest type while the demand fills it, else the smallest that covers it.
   */
  #scaleUp(): void {
    if (this.#queuedVcpus <= this.#launchingVcpus) return;
    const now = this.clock.now;
    let covered = this.#launchingVcpus;
    let next = 0;
    while (next < this.#queue.length && covered > 0) covered -= this.#queue[next++]!.job.vcpus;
    const demand = this.#queue.slice(next).map((q) => q.job);
    let remaining = demand.reduce((sum, job) => sum + job.vcpus, 0);
    let at = 0;
    for (let e = 0; e < this.options.environments.length && at < demand.length; e++) {
      const env = this.options.environments[e]!;
      while (at < demand.length) {
        const headroom = env.maxVcpus - this.#envLive[e]!;
        const job = demand[at]!;
        const candidates = this.options.instanceTypes.filter((t) => fits(t, job) && t.vcpus <= headroom).sort((a, b) => a.vcpus - b.vcpus);
        if (candidates.length === 0) break;
        const largest = candidates.at(-1)!;
        const shape = remaining >= largest.vcpus ? largest : (candidates.find((t) => t.vcpus >= remaining) ?? largest);
        this.#add(e, shape, 'scaled', now, now + this.options.coldStartSeconds);
        // Next-fit: the new instance takes queued jobs in order while they fit.
        const room = { vcpus: shape.vcpus, memoryMiB: shape.memoryMiB };
        while (at < demand.length && fits(room, demand[at]!)) {
          room.vcpus -= demand[at]!.vcpus;
          room.memoryMiB -= demand[at]!.memoryMiB;
          remaining -= demand[at]!.vcpus;
          at++;
        }
      }
    }
  }

  #add(env: number, shape: InstanceShape, kind: Instance['kind'], launchedAt: number, readyAt: number): Instance {
    const instance: Instance = { id: `i-${this.#instances.length + 1}`, env, shape, kind, launchedAt, readyAt, freeVcpus: shape.vcpus, freeMemoryMiB: shape.memoryMiB, running: 0, idleSince: readyAt };
    this.#instances.push(instance);
    this.#byId.set(instance.id, instance);
    if (kind !== 'warm') this.#launched++;
    this.#liveVcpus += shape.vcpus;
    this.#envLive[env]! += shape.vcpus;
    this.#peakVcpus = Math.max(this.#peakVcpus, this.#liveVcpus);
    if (kind === 'warm') {
      this.#open.add(instance);
      return instance;
    }
    this.#launchingVcpus += shape.vcpus;
    this.clock.at(Math.max(readyAt, this.clock.now), () => {
      this.#launchingVcpus -= shape.vcpus;
      if (instance.freeVcpus > 0) this.#open.add(instance);
      this.#scheduleDispatch();
      if (instance.running === 0) this.#idle(instance);
    });
    return instance;
  }

  #idle(instance: Instance): void {
    const since = this.clock.now;
    instance.idleSince = since;
    if (instance.kind === 'warm') return;
    this.clock.after(this.options.scaleDownSeconds, () => {
      if (instance.running > 0 || instance.idleSince !== since || instance.stoppedAt !== undefined) return;
      instance.stoppedAt = this.clock.now;
      this.#liveVcpus -= instance.shape.vcpus;
      this.#envLive[instance.env]! -= instance.shape.vcpus;
      this.#open.delete(instance);
    });
  }

  #envVcpus(env: number): number {
    return this.#envLive[env]!;
  }

  /** Instance shapes covering `vcpus` (rounded up to whole instances), largest first, within `limit`. */
  #cover(vcpus: number, limit: number): InstanceShape[] {
    const shapes = [...this.options.instanceTypes].sort((a, b) => b.vcpus - a.vcpus);
    const out: InstanceShape[] = [];
    let left = vcpus;
    let room = limit;
    while (left > 0) {
      const shape = shapes.find((s) => s.vcpus <= left && s.vcpus <= room) ?? [...shapes].reverse().find((s) => s.vcpus <= room);
      if (!shape) break;
      out.push(shape);
      left -= shape.vcpus;
      room -= shape.vcpus;
    }
    return out;
  }
}

function fits(shape: Pick<InstanceShape, 'vcpus' | 'memoryMiB'>, job: Pick<ModelJob, 'vcpus' | 'memoryMiB'>): boolean {
  return shape.vcpus >= job.vcpus && shape.memoryMiB >= job.memoryMiB;
}

export interface SlotCapacityOptions {
  readonly slots: number;
  /** How long a job runs on one slot. */
  readonly secondsOf: (job: ModelJob) => number;
  /** Slot free → job running (the local executor's process start, or a fleet agent's poll). */
  readonly startSeconds: number;
  /** Billing: each slot's vCPUs, paid around the clock for `periodSeconds` per workload. */
  readonly slotVcpus: number;
  readonly periodSeconds: number;
  readonly usdPerVcpuHour: CostUsd;
}

/** N workers, one job each, FIFO. */
export class SlotCapacity implements Capacity {
  readonly #queue: Queued[] = [];
  #free: number;
  #busyVcpuSeconds = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: SlotCapacityOptions,
  ) {
    if (!Number.isSafeInteger(options.slots) || options.slots < 1) throw new Error(`slots must be a positive integer (got ${options.slots})`);
    this.#free = options.slots;
  }

  enqueue(job: ModelJob, started: (placement: Placement) => void): void {
    this.#queue.push({ job, started });
    this.#startNext();
  }

  release(_job: ModelJob, _placement: Placement): void {
    this.#free++;
    this.#startNext();
  }

  usage(): CapacityUsage {
    const vcpus = this.options.slots * this.options.slotVcpus;
    const billed = vcpus * this.options.periodSeconds;
    const hours = billed / 3600;
    return {
      billedVcpuSeconds: billed,
      busyVcpuSeconds: this.#busyVcpuSeconds,
      peakVcpus: vcpus,
      instancesLaunched: 0,
      costUsd: { spot: hours * this.options.usdPerVcpuHour.spot, onDemand: hours * this.options.usdPerVcpuHour.onDemand },
    };
  }

  #startNext(): void {
    while (this.#free > 0 && this.#queue.length > 0) {
      const entry = this.#queue.shift()!;
      this.#free--;
      const seconds = this.options.secondsOf(entry.job);
      this.#busyVcpuSeconds += seconds * this.options.slotVcpus;
      const placement: Placement = { instance: `slot`, startedAt: this.clock.now + this.options.startSeconds, seconds };
      this.clock.at(placement.startedAt, () => entry.started(placement));
    }
  }
}
