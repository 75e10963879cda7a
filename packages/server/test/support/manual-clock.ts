import type { Clock } from '../../src/storage/reconnect.ts';

/** A clock whose time moves only when a test says so; timers run in due order. */
export class ManualClock implements Clock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Delays of the timers now pending, from now. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now);
  }

  /** Move time forward by `ms`, running each timer that falls due (and letting its promises settle). */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
      await settle();
    }
    this.#now = until;
    await settle();
  }
}

/** Let every pending promise callback run (a turn of the real event loop; no time passes on the clock). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
