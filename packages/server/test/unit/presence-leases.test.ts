import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceLeases } from '../../src/presence/presence-leases.ts';
import type { PresenceMember, PresenceService } from '../../src/presence/presence-service.ts';

/** A PresenceService that records what it was told. */
function recorder() {
  const calls: string[] = [];
  const service: PresenceService = {
    set: (member: PresenceMember, clientId, staffId) => calls.push(`set ${member.info.id} ${clientId} ${staffId}`),
    remove: (member) => calls.push(`remove ${member.info.id}`),
    expire: (member) => calls.push(`expire ${member.info.id}`),
    list: async () => [],
    greet: () => {},
    stop: () => {},
  };
  return { calls, service };
}

describe('PresenceLeases (presence over HTTP)', () => {
  // Lease timers run on fake time: the test says when time passes, whatever the machine's load.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews one entry per client, ends it on null, and lets it run out when not renewed', () => {
    const { calls, service } = recorder();
    const leases = new PresenceLeases(service, 100, 10);
    expect(leases.set('r', 'a', 's1', 'A')).toBe(true);
    expect(leases.set('r', 'a', 's2', 'A')).toBe(true); // the same lease, now another member
    expect(leases.set('r', 'b', 's1', 'B')).toBe(true);
    expect(leases.set('r', 'b', null, 'B')).toBe(true);
    expect(calls).toEqual(['set http:a a s1', 'set http:a a s2', 'set http:b b s1', 'set http:b b null']);
    vi.advanceTimersByTime(99);
    expect(calls).toHaveLength(4);
    vi.advanceTimersByTime(1);
    expect(calls.slice(4)).toEqual(['expire http:a']); // b ended on null: nothing left to expire
    expect(leases.size).toBe(0);
    leases.stop();
  });

  it('counts a lease from its last renewal', () => {
    const { calls, service } = recorder();
    const leases = new PresenceLeases(service, 100, 10);
    leases.set('r', 'a', 's1', 'A');
    vi.advanceTimersByTime(90);
    leases.set('r', 'a', 's1', 'A'); // renewed 10 ms before it ran out
    vi.advanceTimersByTime(90);
    expect(calls.filter((c) => c.startsWith('expire'))).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(calls.filter((c) => c.startsWith('expire'))).toEqual(['expire http:a']);
    leases.stop();
  });

  it('leases per restaurant: the same clientId in two restaurants holds two leases', () => {
    const { service } = recorder();
    const leases = new PresenceLeases(service, 100, 10);
    leases.set('r1', 'a', 's', 'A');
    leases.set('r2', 'a', 's', 'A');
    expect(leases.size).toBe(2);
    leases.stop();
    expect(leases.size).toBe(0);
  });

  it('refuses a new lease past the limit, changing nothing, and takes one again once a lease ended', () => {
    const { calls, service } = recorder();
    const leases = new PresenceLeases(service, 60_000, 2);
    expect(leases.set('r', 'a', 's', 'A')).toBe(true);
    expect(leases.set('r', 'b', 's', 'B')).toBe(true);
    expect(leases.set('r', 'c', 's', 'C')).toBe(false);
    expect(calls).toHaveLength(2);
    expect(leases.set('r', 'a', 's2', 'A')).toBe(true); // renewing an existing lease is fine
    expect(leases.set('r', 'b', null, 'B')).toBe(true);
    expect(leases.set('r', 'c', 's', 'C')).toBe(true);
    leases.stop();
  });
});
