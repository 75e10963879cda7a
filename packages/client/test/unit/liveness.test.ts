import { describe, expect, it } from 'vitest';
import { Liveness } from '../../src/liveness.ts';
import { ReplyWatch } from '../../src/reply-watch.ts';
import { manualClock } from './manual-clock.ts';

/** The watch on unanswered mutations and the probe it triggers, on a clock the test moves. */
describe('ReplyWatch', () => {
  const watch = (afterMs = 3000) => {
    const clock = manualClock();
    let overdue = 0;
    const w = new ReplyWatch({ clock, afterMs, overdue: () => overdue++ });
    return { clock, w, overdue: () => overdue };
  };

  it('says so once a sent mutation has waited afterMs, and not a moment before', () => {
    const { clock, w, overdue } = watch();
    w.sent(1);
    clock.advance(2999);
    expect(overdue()).toBe(0);
    clock.advance(1);
    expect(overdue()).toBe(1);
  });

  it('measures from the oldest unanswered mutation, and an answer takes a mutation out', () => {
    const { clock, w, overdue } = watch();
    w.sent(1);
    clock.advance(2000);
    w.sent(2);
    w.answered(1);
    clock.advance(2999); // 1 would have been due after 1000 more; 2 is due at 3000
    expect(overdue()).toBe(0);
    clock.advance(1);
    expect(overdue()).toBe(1);
  });

  it('says nothing when every mutation was answered in time, or the connection went', () => {
    const { clock, w, overdue } = watch();
    w.sent(1);
    w.sent(2);
    clock.advance(1000);
    w.answered(1);
    w.answered(2);
    w.sent(3);
    w.clear();
    clock.advance(60_000);
    expect(overdue()).toBe(0);
    expect(clock.timers.size).toBe(0);
  });

  it('asks again at most once per afterMs while the answer stays away', () => {
    const { clock, w, overdue } = watch();
    w.sent(1);
    w.sent(2);
    clock.advance(3000);
    expect(overdue()).toBe(1); // both overdue: one probe
    clock.advance(2999);
    expect(overdue()).toBe(1);
    clock.advance(1);
    expect(overdue()).toBe(2);
  });

  it('is off with afterMs 0', () => {
    const { clock, w, overdue } = watch(0);
    w.sent(1);
    clock.advance(600_000);
    expect(overdue()).toBe(0);
  });
});

describe('Liveness.probe', () => {
  const liveness = (watched = true) => {
    const clock = manualClock();
    const pings: number[] = [];
    const dead: string[] = [];
    const l = new Liveness({
      clock,
      intervalMs: 25_000,
      timeoutMs: 10_000,
      probeTimeoutMs: 2000,
      watched: () => watched,
      ping: () => pings.push(clock.now()),
      dead: (reason) => dead.push(reason),
    });
    l.start();
    return { clock, l, pings, dead };
  };

  it('PINGs at once and gives up on the socket when no PONG comes within probeTimeoutMs', () => {
    const { clock, l, pings, dead } = liveness();
    const start = clock.now();
    l.probe('a change went unanswered for 3000 ms');
    expect(pings).toEqual([start]);
    // Frames from the server (another member's change) do not answer the probe.
    clock.advance(1000);
    l.heard();
    clock.advance(999);
    expect(dead).toEqual([]);
    clock.advance(1);
    expect(dead).toEqual(['a change went unanswered for 3000 ms, and a PING went unanswered for 2000 ms']);
  });

  it('keeps the socket when the PONG comes, and probes only once at a time', () => {
    const { clock, l, pings, dead } = liveness();
    l.probe('first');
    l.probe('second');
    expect(pings).toHaveLength(1);
    clock.advance(1500);
    l.heard();
    l.ponged();
    clock.advance(10_000);
    expect(dead).toEqual([]);
    l.probe('again');
    expect(pings).toHaveLength(2);
  });

  it('does not probe a transport it does not watch (HTTP), and stop() ends a probe', () => {
    const unwatched = liveness(false);
    unwatched.l.probe('x');
    expect(unwatched.pings).toEqual([]);
    const { clock, l, dead } = liveness();
    l.probe('x');
    l.stop();
    clock.advance(600_000);
    expect(dead).toEqual([]);
  });

  it('leaves the heartbeat as it was: a PING after intervalMs of silence, dead timeoutMs later', () => {
    const { clock, pings, dead } = liveness();
    clock.advance(25_000);
    expect(pings).toHaveLength(1);
    clock.advance(10_000);
    expect(dead).toEqual(['the connection was silent for 35000 ms, a PING included']);
  });
});
