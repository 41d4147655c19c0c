/**
 * The discrete-event core: a clock and a queue of timed callbacks. Callbacks due at the same time run in the
 * order they were scheduled, so a simulation is deterministic.
 */
import { MinHeap } from '../proving/heap.ts';

interface Event {
  readonly time: number;
  readonly seq: number;
  readonly run: () => void;
}

export class Clock {
  #now = 0;
  #seq = 0;
  readonly #events = new MinHeap<Event>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));

  get now(): number {
    return this.#now;
  }

  /** Runs `run` at `time` (not before now). */
  at(time: number, run: () => void): void {
    if (!Number.isFinite(time)) throw new Error(`event time must be finite, got ${time}`);
    this.#events.push({ time: Math.max(time, this.#now), seq: this.#seq++, run });
  }

  after(delay: number, run: () => void): void {
    this.at(this.#now + delay, run);
  }

  /** Runs events until none are left (or `limit` events ran: a runaway model is a bug). */
  run(limit = 50_000_000): void {
    for (let n = 0; this.#events.size > 0; n++) {
      if (n >= limit) throw new Error(`simulation did not settle after ${limit} events`);
      const event = this.#events.pop()!;
      this.#now = event.time;
      event.run();
    }
  }
}
