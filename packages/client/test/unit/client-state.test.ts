import { describe, expect, it } from 'vitest';
import { initialState, reduce } from '../../src/client-state.ts';
import { StaffSyncError } from '../../src/errors.ts';

/** The client's state reducer: pure, the same object back when nothing changed. */
describe('reduce (the client state)', () => {
  it('takes the connection state and transport, and returns the same state when they did not change', () => {
    const connected = reduce(initialState, { type: 'connection', status: 'connected', transport: 'websocket' });
    expect(connected).toMatchObject({ status: 'connected', transport: 'websocket' });
    expect(initialState).toMatchObject({ status: 'disconnected', transport: null }); // not changed in place
    expect(reduce(connected, { type: 'connection', status: 'connected', transport: 'websocket' })).toBe(connected);
    expect(reduce(connected, { type: 'connection', status: 'connected', transport: 'http' })).not.toBe(connected);
  });

  it('takes role, restaurant and frame limit from HELLO', () => {
    const next = reduce(initialState, { type: 'hello', role: 'viewer', restaurantId: 'r1', maxMessageBytes: 1000 });
    expect(next).toMatchObject({ role: 'viewer', restaurantId: 'r1', maxMessageBytes: 1000 });
    expect(next.revision).toBe(initialState.revision + 1);
  });

  it('leaves this client out of the editors', () => {
    const editors = [
      { clientId: 'me', userName: 'Me', staffId: 's1' },
      { clientId: 'other', userName: 'Other', staffId: 's2' },
    ] as never;
    const next = reduce(initialState, { type: 'presence', editors, ownClientId: 'me' });
    expect(next.editors.map((e) => e.clientId)).toEqual(['other']);
  });

  it('keeps a refused CONFLICT apart from other refusals, and a failure as the last error', () => {
    const conflict = new StaffSyncError('CONFLICT', 'changed meanwhile');
    const refused = new StaffSyncError('FORBIDDEN', 'viewer');
    const failed = new StaffSyncError('GAVE_UP', 'gone');
    let state = reduce(initialState, { type: 'refused', error: conflict });
    expect(state).toMatchObject({ lastConflict: conflict, lastError: null });
    state = reduce(state, { type: 'refused', error: refused });
    expect(state).toMatchObject({ lastConflict: conflict, lastError: refused });
    state = reduce(state, { type: 'failed', error: failed });
    expect(state).toMatchObject({ lastConflict: conflict, lastError: failed });
  });

  it('moves the pending count only when it changed, and bumps the revisions on request', () => {
    const two = reduce(initialState, { type: 'pendingCount', count: 2 });
    expect(two.pendingCount).toBe(2);
    expect(reduce(two, { type: 'pendingCount', count: 2 })).toBe(two);
    const members = reduce(two, { type: 'membersChanged' });
    expect([members.membersRevision, members.revision]).toEqual([two.membersRevision + 1, two.revision]);
    const other = reduce(members, { type: 'changed' });
    expect([other.membersRevision, other.revision]).toEqual([members.membersRevision, members.revision + 1]);
  });
});
