import { describe, expect, it } from 'vitest';
import { changeEvent, member, update } from './fixtures.ts';
import { queueHarness, versionOf } from './queue-harness.ts';

/** Which base version an edit is sent with (docs/client.md, "Edits that started earlier"). */
describe('MutationQueue: version pinning', () => {
  it('sends an edit with the version the client holds when the caller names no start', () => {
    const { queue, sent } = queueHarness([member('a', 3)]);
    void queue.enqueue(update(1, 'a', { name: 'x' }));
    expect(versionOf(sent[0])).toBe(3);
  });

  it('pins an edit that started before someone else’s change to the version it started from', () => {
    const { queue, sent, outbox } = queueHarness([member('a', 3)]);
    void queue.enqueue(update(1, 'a', { name: 'x' }), 2);
    expect(versionOf(sent[0])).toBe(2);
    expect(outbox.entries[0]?.pinned).toBe(true);
  });

  it('does not pin over versions this client’s own acknowledged changes made', async () => {
    const { queue, sent, roster } = queueHarness([member('a', 2)]);
    const first = queue.enqueue(update(1, 'a', { name: 'mine' }), 2);
    expect(versionOf(sent[0])).toBe(2);
    queue.onAck({ sequenceNumber: 1, staffId: 'a', version: 3, seq: 11 });
    await first;
    roster.apply(changeEvent(11, member('a', 3, { name: 'mine' })));
    queue.settle();
    // The form opened at version 2; version 3 is our own change: nothing unseen in between.
    void queue.enqueue(update(2, 'a', { position: 'chef' }), 2);
    expect(versionOf(sent[1])).toBe(3);
  });

  it('holds a second edit of the same member until the first is answered, then sends the version its ACK gave', async () => {
    const { queue, sent } = queueHarness([member('a', 5)]);
    const first = queue.enqueue(update(1, 'a', { name: 'one' }));
    void queue.enqueue(update(2, 'a', { name: 'two' }));
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1]);
    queue.onAck({ sequenceNumber: 1, staffId: 'a', version: 6, seq: 11 });
    await first;
    queue.pump();
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1, 2]);
    expect(versionOf(sent[1])).toBe(6);
  });

  it('keeps the base of a pinned edit even after its own earlier change is acknowledged', async () => {
    const { queue, sent } = queueHarness([member('a', 5)]);
    const first = queue.enqueue(update(1, 'a', { name: 'one' }));
    void queue.enqueue(update(2, 'a', { name: 'two' }), 4);
    queue.onAck({ sequenceNumber: 1, staffId: 'a', version: 6, seq: 11 });
    await first;
    queue.pump();
    expect(versionOf(sent[1])).toBe(4);
  });
});
