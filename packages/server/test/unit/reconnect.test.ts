import { describe, expect, it } from 'vitest';
import { FeedPoller } from '../../src/engine/feed-poller.ts';
import { backoffDelay, LISTEN_BACKOFF, Reconnector } from '../../src/storage/reconnect.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('backoffDelay', () => {
  it('doubles from the base, is capped, and draws from the upper half of each ceiling', () => {
    const low = { ...LISTEN_BACKOFF, random: () => 0 };
    const high = { ...LISTEN_BACKOFF, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, low))).toEqual([25, 50, 100, 200, 400, 500, 500, 500]);
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => Math.round(backoffDelay(a, high)))).toEqual([
      50, 100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    for (let attempt = 0; attempt < 2000; attempt++) expect(backoffDelay(attempt, LISTEN_BACKOFF)).toBeLessThanOrEqual(1000);
  });
});

describe('Reconnector', () => {
  function setup(failures: number) {
    const clock = new ManualClock();
    let attempts = 0;
    let running = 0;
    let overlapped = false;
    const connected: number[] = [];
    const retries: number[] = [];
    const reconnector = new Reconnector(
      {
        connect: async () => {
          attempts++;
          running++;
          if (running > 1) overlapped = true;
          await Promise.resolve();
          running--;
          if (attempts <= failures) throw new Error(`refused ${attempts}`);
        },
        onConnected: (failed) => connected.push(failed),
        onFailed: (_error, retryInMs) => retries.push(retryInMs),
      },
      { baseMs: 100, capMs: 1000, random: () => 0.5 },
      clock,
    );
    return { clock, reconnector, connected, retries, attempts: () => attempts, overlapped: () => overlapped };
  }

  it('after a loss, retries on its own schedule until an attempt succeeds, one attempt at a time', async () => {
    const { clock, reconnector, connected, retries, attempts, overlapped } = setup(6);
    reconnector.lost();
    expect(clock.pending()).toEqual([75]); // the first retry: 3/4 of the 100 ms ceiling with random 0.5
    await clock.advance(74);
    expect(attempts()).toBe(0);
    await clock.advance(1);
    expect(attempts()).toBe(1);
    await clock.advance(10_000);
    expect(attempts()).toBe(7);
    expect(retries).toEqual([150, 300, 600, 750, 750, 750]);
    expect(connected).toEqual([6]);
    expect(reconnector.state).toBe('connected');
    expect(overlapped()).toBe(false);
  });

  it('a second loss while reconnecting does not start a second round', async () => {
    const { clock, reconnector, attempts } = setup(2);
    reconnector.lost();
    reconnector.lost();
    expect(clock.pending()).toHaveLength(1);
    await clock.advance(75);
    reconnector.lost();
    expect(clock.pending()).toHaveLength(1);
    await clock.advance(10_000);
    expect(attempts()).toBe(3);
  });

  it('starts from the first delay again after a later loss', async () => {
    const { clock, reconnector, retries } = setup(2);
    reconnector.lost();
    await clock.advance(10_000);
    expect(retries).toEqual([150, 300]);
    reconnector.lost();
    expect(clock.pending()).toEqual([75]);
  });

  it('stop() cancels the pending attempt', async () => {
    const { clock, reconnector, attempts } = setup(0);
    reconnector.lost();
    reconnector.stop();
    await clock.advance(10_000);
    expect(attempts()).toBe(0);
    expect(reconnector.state).toBe('stopped');
  });
});

describe('FeedPoller', () => {
  it('polls at once, then every interval after the previous poll ended; healthy only while polls succeed', async () => {
    const clock = new ManualClock();
    const polls: number[] = [];
    let fail = false;
    const failures: unknown[] = [];
    const poller = new FeedPoller({
      intervalMs: 250,
      clock,
      poll: async () => {
        polls.push(clock.now());
        if (fail) throw new Error('database away');
      },
      onFailing: (error) => failures.push(error),
    });
    expect(poller.healthy).toBe(false);
    poller.start();
    await clock.advance(0);
    expect(polls).toEqual([0]);
    expect(poller.healthy).toBe(true);
    await clock.advance(500);
    expect(polls).toEqual([0, 250, 500]);

    fail = true;
    await clock.advance(1000);
    expect(failures).toHaveLength(1); // one report per streak of failures, not one per poll
    expect(polls).toHaveLength(7);
    // The last success was at 500 ms; healthy means one within max(1 s, 4 intervals).
    expect(clock.now()).toBe(1500);
    expect(poller.healthy).toBe(true);
    await clock.advance(1);
    expect(poller.healthy).toBe(false);

    fail = false;
    await clock.advance(250);
    expect(poller.healthy).toBe(true);
    poller.stop();
    const count = polls.length;
    await clock.advance(5000);
    expect(polls).toHaveLength(count);
    expect(poller.healthy).toBe(false);
  });
});
