/** Latencies in 0.1 ms buckets up to 60 s: constant cost per sample, whatever the count. */
export class Histogram {
  readonly #buckets = new Uint32Array(600_001);
  count = 0;
  #max = 0;
  add(ms: number): void {
    this.#buckets[Math.min(600_000, Math.max(0, Math.round(ms * 10)))]!++;
    this.count++;
    if (ms > this.#max) this.#max = ms;
  }
  percentile(p: number): number {
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) return i / 10;
    }
    return this.#max;
  }
  summary() {
    if (this.count === 0) return { count: 0 };
    const at = (p: number) => Number(this.percentile(p).toFixed(1));
    return { count: this.count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Number(this.#max.toFixed(1)) };
  }
}
