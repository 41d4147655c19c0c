/**
 * Batch's SubmitJob throttle as the state machine meets it: a token bucket (rate per second, burst) shared by
 * every caller in the account, and on a throttled call the task's Retry policy — wait a random time in
 * [0, interval × backoff^(n−1)] (full jitter, capped by maxDelay) and call again, up to maxAttempts calls.
 * A call that is still throttled on its last attempt fails the task (Batch.TooManyRequestsException).
 */
import type { Clock } from './clock.ts';
import type { RetryPolicy } from './latencies.ts';

export interface SubmitGateOptions {
  readonly rate: number;
  readonly burst: number;
  readonly retry: RetryPolicy;
  /** Uniform [0, 1): the jitter. */
  readonly random: () => number;
}

export interface SubmitGateStats {
  readonly calls: number;
  readonly throttled: number;
  /** Submissions whose every attempt was throttled. */
  readonly exhausted: number;
}

export class SubmitGate {
  #tokens: number;
  #refilledAt = 0;
  #calls = 0;
  #throttled = 0;
  #exhausted = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: SubmitGateOptions,
  ) {
    if (!(options.rate > 0) || !(options.burst >= 1)) throw new Error(`SubmitJob rate must be > 0 and burst ≥ 1 (got ${options.rate}, ${options.burst})`);
    if (!Number.isInteger(options.retry.maxAttempts) || options.retry.maxAttempts < 1) throw new Error(`retry maxAttempts must be a positive integer (got ${options.retry.maxAttempts})`);
    this.#tokens = options.burst;
  }

  get stats(): SubmitGateStats {
    return { calls: this.#calls, throttled: this.#throttled, exhausted: this.#exhausted };
  }

  /** Calls SubmitJob now; `accepted` runs when a call gets through, `exhausted` when the retries run out. */
  submit(accepted: () => void, exhausted: () => void): void {
    this.#attempt(1, accepted, exhausted);
  }

  #attempt(attempt: number, accepted: () => void, exhausted: () => void): void {
    this.#calls++;
    if (this.#take()) {
      accepted();
      return;
    }
    this.#throttled++;
    const { retry } = this.options;
    if (attempt >= retry.maxAttempts) {
      this.#exhausted++;
      exhausted();
      return;
    }
    const ceiling = Math.min(retry.intervalSeconds * retry.backoffRate ** (attempt - 1), retry.maxDelaySeconds);
    this.clock.after(this.options.random() * ceiling, () => this.#attempt(attempt + 1, accepted, exhausted));
  }

  #take(): boolean {
    if (this.options.rate === Infinity) return true;
    const now = this.clock.now;
    this.#tokens = Math.min(this.options.burst, this.#tokens + (now - this.#refilledAt) * this.options.rate);
    this.#refilledAt = now;
    // A hair of tolerance: refills computed from float times must not lose a token to rounding.
    if (this.#tokens < 1 - 1e-9) return false;
    this.#tokens -= 1;
    return true;
  }
}
