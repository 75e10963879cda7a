import { describe, expect, it } from 'vitest';
import type { ChangeFeed } from '../src/engine/change-feed.ts';
import type { ChangeRecord } from '../src/engine/collections/collection.ts';
import type { ChangeBatch } from '../src/fanout/change-batch.ts';
import { Hub, type Subscriber } from '../src/fanout/hub.ts';
import { createMetrics } from '../src/metrics.ts';

/** A change feed that hands the hub whatever the test pushes, one change per event-loop turn. */
function fakeFeed() {
  const listeners: ((change: ChangeRecord) => void)[] = [];
  const feed = {
    onChange: (listener: (change: ChangeRecord) => void) => {
      listeners.push(listener);
      return () => {};
    },
    follow: async () => {},
    unfollow: () => {},
  } as unknown as ChangeFeed;
  const push = (change: ChangeRecord) => {
    for (const listener of listeners) listener(change);
  };
  return { feed, push };
}

const change = (seq: number, bulk?: { size: number; left: number }): ChangeRecord => ({
  restaurantId: 'r',
  seq,
  collection: 'shift',
  type: 'SHIFT_BROADCAST',
  payload: { staffId: 's', dateKey: '2026-01-01', shiftValue: '×', version: seq, scheduleId: 'x', periodIndex: 0 },
  clientId: 'writer',
  sequenceNumber: 1,
  userId: null,
  userName: null,
  committedAt: new Date(0).toISOString(),
  bulk: bulk ? { ...bulk, periodIndex: 0 } : undefined,
});

function subscriber() {
  const batches: number[][] = [];
  const s: Subscriber = {
    info: { restaurantId: 'r' } as Subscriber['info'],
    sendChange: () => {
      throw new Error('batches only');
    },
    sendBatch: (batch: ChangeBatch) => batches.push(batch.events.map((e) => e.seq)),
    send: () => {},
  };
  return { s, batches };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('Hub: a bulk change reaches each subscriber in one frame (docs/protocol.md, "The shift schedule")', () => {
  it('waits for the bulk’s last part, however many event-loop turns its parts take to arrive', async () => {
    const { feed, push } = fakeFeed();
    const hub = new Hub(feed, createMetrics(), { fanoutIntervalMs: 0 });
    const { s, batches } = subscriber();
    await hub.join(s);
    push(change(1));
    await until(() => batches.length === 1);
    // Five parts, each in its own turn, as notifications read from the database's socket arrive.
    for (let i = 0; i < 5; i++) {
      push(change(2 + i, { size: 5, left: 4 - i }));
      await turn();
      await turn();
    }
    push(change(7)); // a later single change
    await until(() => batches.flat().includes(7));
    expect(batches.slice(1, 2)).toEqual([[2, 3, 4, 5, 6]]);
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('goes ahead without the last part after its wait, so nothing is held for good', async () => {
    const { feed, push } = fakeFeed();
    const hub = new Hub(feed, createMetrics(), { fanoutIntervalMs: 0 });
    const { s, batches } = subscriber();
    await hub.join(s);
    push(change(1, { size: 3, left: 2 }));
    push(change(2, { size: 3, left: 1 }));
    await until(() => batches.length > 0);
    expect(batches).toEqual([[1, 2]]);
  });
});
