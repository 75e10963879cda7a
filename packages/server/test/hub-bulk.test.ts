import { describe, expect, it } from 'vitest';
import type { ChangeFeed } from '../src/engine/change-feed.ts';
import type { ChangeRecord } from '../src/engine/collections/collection.ts';
import type { ChangeBatch } from '../src/fanout/change-batch.ts';
import { Hub, type Subscriber } from '../src/fanout/hub.ts';
import { createMetrics } from '../src/metrics.ts';

/** A change feed that hands the hub whatever the test pushes, one change per event-loop turn. */
function fakeFeed() {
  const listeners: ((change: ChangeRecord) => void)[] = [];
  const unfollowed: string[] = [];
  const feed = {
    onChange: (listener: (change: ChangeRecord) => void) => {
      listeners.push(listener);
      return () => {};
    },
    follow: async () => {},
    unfollow: (restaurantId: string) => unfollowed.push(restaurantId),
  } as unknown as ChangeFeed;
  const push = (change: ChangeRecord) => {
    for (const listener of listeners) listener(change);
  };
  return { feed, push, unfollowed };
}

const change = (seq: number, bulk?: { size: number; left: number }, restaurantId = 'r'): ChangeRecord => ({
  restaurantId,
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

function subscriber(restaurantId = 'r') {
  const batches: number[][] = [];
  const s: Subscriber = {
    info: { restaurantId } as Subscriber['info'],
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

describe('Hub: rooms', () => {
  it('a pass hands each restaurant its own changes, and rooms without changes are left alone', async () => {
    const { feed, push } = fakeFeed();
    const hub = new Hub(feed, createMetrics(), { fanoutIntervalMs: 0 });
    const subs = ['a', 'b', 'c'].map((r) => ({ r, ...subscriber(r) }));
    for (const { s } of subs) await hub.join(s);
    push(change(1, undefined, 'a'));
    push(change(1, undefined, 'c'));
    push(change(2, undefined, 'a'));
    await until(() => subs[0]!.batches.length > 0 && subs[2]!.batches.length > 0);
    push(change(1, undefined, 'b')); // the sentinel: b's first change comes after, alone
    await until(() => subs[1]!.batches.length > 0);
    expect(subs.map(({ batches }) => batches)).toEqual([[[1, 2]], [[1]], [[1]]]);
  });

  it('drops a room everyone left while its changes waited at the next pass, and unfollows it', async () => {
    const { feed, push, unfollowed } = fakeFeed();
    const hub = new Hub(feed, createMetrics(), { fanoutIntervalMs: 0 });
    const { s, batches } = subscriber('gone');
    const stays = subscriber('stays');
    await hub.join(s);
    await hub.join(stays.s);
    push(change(1, undefined, 'gone'));
    hub.leave(s); // a change is pending: the room stays until the pass
    expect(hub.restaurants()).toContain('gone');
    push(change(1, undefined, 'stays'));
    await until(() => stays.batches.length > 0);
    expect(batches).toEqual([]); // it had left
    expect(hub.restaurants()).toEqual(['stays']);
    expect(unfollowed).toEqual(['gone']);
  });
});
