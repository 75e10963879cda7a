import type { ClientMessage } from '@staff-sync/protocol';
import { describe, expect, it } from 'vitest';
import type { StaffSyncError } from '../../src/errors.ts';
import { Resume } from '../../src/resume.ts';
import { ScheduleSync } from '../../src/schedule-sync.ts';
import { changeEvent, create, member } from './fixtures.ts';
import { queueHarness } from './queue-harness.ts';

/** Resume (SYNC_REQUEST, seq order, gaps) beside a mutation queue, on one manual clock. */
function harness() {
  const q = queueHarness([member('a', 1)]); // its roster: synced at seq 10
  const requests: { sequenceNumber: number; payload: unknown }[] = [];
  const gaps: unknown[] = [];
  const failures: StaffSyncError[] = [];
  let applied = 0;
  let sequenceNumber = 100;
  const send = (type: ClientMessage['type'], payload: ClientMessage['payload']) => {
    if (type === 'SYNC_REQUEST') requests.push({ sequenceNumber: ++sequenceNumber, payload });
    return sequenceNumber;
  };
  const resume = new Resume({
    roster: q.roster,
    schedule: new ScheduleSync({ send, periods: () => [] }),
    clock: q.clock,
    period: 2,
    send,
    connected: () => true,
    gap: (event) => gaps.push(event),
    applied: () => applied++,
    cellsChanged: () => {},
    failed: (error) => failures.push(error),
  });
  return { ...q, resume, requests, gaps, failures, applied: () => applied };
}

describe('Resume', () => {
  it('asks for a delta from the last applied seq once synced, and a full snapshot when told', () => {
    const { resume, requests } = harness();
    resume.request();
    resume.request(true);
    expect(requests.map((r) => r.payload)).toEqual([{ period: 2, sinceSeq: 10 }, { period: 2 }]);
  });

  it('ignores change events while a request is answered, then applies them in seq order and resumes at a gap', () => {
    const { resume, roster, requests, gaps, applied } = harness();
    resume.request();
    resume.onChange(changeEvent(11, member('a', 2)));
    expect(roster.seq).toBe(10); // the response covers it
    resume.onSyncResponse({ type: 'SYNC_RESPONSE', payload: { full: false, changes: [] }, seq: 10 } as never);
    resume.onChange(changeEvent(11, member('a', 2)));
    expect([roster.seq, applied()]).toEqual([11, 2]);
    resume.onChange(changeEvent(13, member('a', 4)));
    expect(gaps).toEqual([{ reason: 'gap', sinceSeq: 11, seenSeq: 13 }]);
    expect(requests.at(-1)?.payload).toEqual({ period: 2, sinceSeq: 11 });
  });

  it('asks for a full snapshot when a delta does not continue where the roster stands', () => {
    const { resume, requests } = harness();
    resume.request();
    resume.onSyncResponse({
      type: 'SYNC_RESPONSE',
      payload: { full: false, changes: [changeEvent(12, member('a', 3))] },
      seq: 12,
    } as never);
    expect(requests.at(-1)?.payload).toEqual({ period: 2 });
  });

  it('asks again after a refused request on its own timer, which never holds the mutations', () => {
    const { resume, requests, failures, queue, sent, clock } = harness();
    resume.request();
    const refused = requests[0]?.sequenceNumber as number;
    expect(resume.onError({ code: 'VALIDATION_FAILED', message: 'no such period', sequenceNumber: refused })).toBe(true);
    expect(failures.map((f) => f.code)).toEqual(['VALIDATION_FAILED']);
    // While the retry waits, a change goes out at once.
    void queue.enqueue(create(1, 'b', 'B'));
    expect(sent.map((m) => m.sequenceNumber)).toEqual([1]);
    expect(requests).toHaveLength(1);
    clock.advance(500); // the first backoff delay is below 500 ms
    expect(requests).toHaveLength(2);
    expect(requests[1]?.payload).toEqual({ sinceSeq: 10 }); // without the period the server refused
  });

  it('leaves an ERROR that is not about its request to others', () => {
    const { resume } = harness();
    resume.request();
    expect(resume.onError({ code: 'RATE_LIMITED', message: 'slow down', sequenceNumber: 1 })).toBe(false);
  });
});
