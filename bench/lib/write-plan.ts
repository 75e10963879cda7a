// The order in which a load generator's writes visit its restaurants, fixed before the run so that
// every restaurant's count of writes (and so the deliveries its screens must get) is known.

/** mulberry32: a small seeded PRNG, the same sequence for the same seed on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Spread = 'round-robin' | 'random';

/**
 * Which restaurant (0..restaurants-1) each of `writes` writes goes to: round-robin (every
 * restaurant in turn, so each gets writes / restaurants, evenly spaced) or uniformly at random
 * (seeded; some restaurants get bursts, some none).
 */
export function writePlan(writes: number, restaurants: number, spread: Spread, seed: number): Uint32Array {
  const plan = new Uint32Array(writes);
  const next = seeded(seed);
  for (let i = 0; i < writes; i++) plan[i] = spread === 'round-robin' ? i % restaurants : Math.floor(next() * restaurants);
  return plan;
}
