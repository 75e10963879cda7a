import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/pacer.ts';
import { create } from './fixtures.ts';
import { manualClock } from './manual-clock.ts';
import { queueHarness } from './queue-harness.ts';

/** The client's token bucket, on a clock the test moves. */
describe('Pacer', () => {
  it('gives a burst at once, then one token per 1/perSecond', () => {
    const clock = manualClock();
    const pacer = new Pacer(clock, { perSecond: 10, burst: 3 });
    expect([pacer.take(), pacer.take(), pacer.take(), pacer.take()]).toEqual([true, true, true, false]);
    expect(pacer.waitMs()).toBe(100);
    clock.advance(99);
    expect(pacer.take()).toBe(false);
    clock.advance(1);
    expect(pacer.take()).toBe(true);
    clock.advance(60_000); // refills up to the burst, no further
    expect([pacer.take(), pacer.take(), pacer.take(), pacer.take()]).toEqual([true, true, true, false]);
  });

  it('paces the outbox: what the bucket does not allow goes out when the next token is due', () => {
    const { queue, sent, clock } = queueHarness([], { pacing: { perSecond: 10, burst: 2 } });
    for (let n = 1; n <= 4; n++) void queue.enqueue(create(n, `m${n}`, `M${n}`));
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2]);
    clock.advance(99);
    expect(sent).toHaveLength(2);
    clock.advance(1);
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2, 3]);
    clock.advance(100);
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2, 3, 4]);
  });
});
