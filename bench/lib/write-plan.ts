// The order in which a load generator's writes visit its restaurants, fixed before the run so that
// every restaurant's count of writes (and so the deliveries its screens must get) is known.

import { seededRandom } from '../assist/people.ts';

export type Spread = 'round-robin' | 'random';

/**
 * Which restaurant (0..restaurants-1) each of `writes` writes goes to: round-robin (every
 * restaurant in turn, so each gets writes / restaurants, evenly spaced) or uniformly at random
 * (seeded; some restaurants get bursts, some none).
 */
export function writePlan(writes: number, restaurants: number, spread: Spread, seed: number): Uint32Array {
  const plan = new Uint32Array(writes);
  const next = seededRandom(seed);
  for (let i = 0; i < writes; i++) plan[i] = spread === 'round-robin' ? i % restaurants : Math.floor(next() * restaurants);
  return plan;
}
