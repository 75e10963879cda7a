import { describe, expect, it } from 'vitest';
import { finalMessage, Outbox, readOutbox, savedOutboxIds } from '../../src/outbox.ts';
import { memoryStorage } from '../../src/storage.ts';
import { create, update } from './fixtures.ts';
import { queueHarness } from './queue-harness.ts';

const entry = (message: ReturnType<typeof update>) => ({ message, sent: false, baseVersion: undefined, after: undefined });

/** The persisted outbox: what a reload finds, its bound, and what goes out. */
describe('Outbox', () => {
  it('persists every change, so a new outbox on the same storage (a reload) holds the same entries', () => {
    const storage = memoryStorage();
    const outbox = new Outbox(storage, 'tab-1', 10);
    outbox.add(entry(create(1, 'a', 'A')));
    outbox.add(entry(update(2, 'a', { name: 'B' })));
    outbox.setRestaurant('r1');
    outbox.remove(1);
    const reloaded = new Outbox(storage, 'tab-1', 10);
    expect(reloaded.entries.map((e) => e.message.sequenceNumber)).toEqual([2]);
    expect(readOutbox(storage, 'tab-1').restaurantId).toBe('r1');
    expect(savedOutboxIds(storage)).toEqual(['tab-1']);
    reloaded.remove(2);
    expect(savedOutboxIds(storage)).toEqual([]); // an empty outbox leaves nothing behind
  });

  it('refuses past its limit with a RangeError and keeps what it had', () => {
    const outbox = new Outbox(memoryStorage(), 'tab', 2);
    outbox.add(entry(create(1, 'a', 'A')));
    outbox.add(entry(create(2, 'b', 'B')));
    expect(() => outbox.add(entry(create(3, 'c', 'C')))).toThrow(RangeError);
    expect(outbox.size).toBe(2);
  });

  it('refuses an entry the storage cannot hold, and keeps the rest', () => {
    const storage = memoryStorage();
    const outbox = new Outbox(storage, 'tab', 10);
    outbox.add(entry(create(1, 'a', 'A')));
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    expect(() => outbox.add(entry(create(2, 'b', 'B')))).toThrow('QuotaExceededError');
    expect(outbox.entries.map((e) => e.message.sequenceNumber)).toEqual([1]);
  });

  it('hands a duplicated tab’s own entries to its new id and leaves the saved ones to the original', () => {
    const storage = memoryStorage();
    new Outbox(storage, 'orig', 10).add(entry(create(1, 'a', 'A')));
    const copy = new Outbox(storage, 'orig', 10);
    copy.add(entry(create(2, 'b', 'B')));
    copy.rekey('copy', (m) => ({ ...m, clientId: 'copy', sequenceNumber: 100 }));
    expect(readOutbox(storage, 'copy').entries.map((e) => e.message.sequenceNumber)).toEqual([100]);
    expect(readOutbox(storage, 'orig').entries.map((e) => e.message.sequenceNumber)).toEqual([1, 2]);
  });

  it('gives an update its base version when it goes out, or the clean ACK of the change it follows', () => {
    const message = update(2, 'a', { name: 'x' });
    expect(finalMessage({ ...entry(message), baseVersion: 4 }, new Map()).payload).toMatchObject({ version: 4 });
    const acked = new Map([[1, { version: 7, clean: true }]]);
    expect(finalMessage({ ...entry(message), baseVersion: 4, after: 1 }, acked).payload).toMatchObject({ version: 7 });
    const dirty = new Map([[1, { version: 7, clean: false }]]);
    expect(finalMessage({ ...entry(message), baseVersion: 4, after: 1 }, dirty).payload).toMatchObject({ version: 4 });
  });

  it('is sent in order and re-sent unchanged after the connection is lost', () => {
    const { queue, sent, outbox, setConnected } = queueHarness([]);
    void queue.enqueue(create(1, 'a', 'A'));
    void queue.enqueue(create(2, 'b', 'B'));
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2]);
    expect(outbox.entries.every((e) => e.sent)).toBe(true);
    setConnected(false);
    queue.connectionLost();
    setConnected(true);
    queue.pump();
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2, 1, 2]);
    expect(sent[2]).toEqual(sent[0]);
  });
});
