// @vitest-environment happy-dom
import { randomUUID } from 'node:crypto';
import {
  type ManagedStaff,
  type StaffManagement,
  StaffSyncProvider,
  type StaffSyncProviderProps,
  SyncFlag,
  useStaffManagement,
  useStaffSyncClient,
  useWebSocketStaff,
} from '@staff-sync/react';
import { until } from '@staff-sync/test-support/metrics';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { act, createElement, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cannedSupabase } from './canned-supabase.ts';

interface Seen<T> {
  current: T | undefined;
  renders: number;
}

function Probe<T>(props: { use: () => T; seen: Seen<T> }): ReactNode {
  props.seen.current = props.use();
  props.seen.renders++;
  return null;
}

/** Renders `use` inside a provider and keeps its latest result. */
function mount<T>(props: Omit<StaffSyncProviderProps, 'children'>, use: () => T) {
  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  const seen: Seen<T> = { current: undefined, renders: 0 };
  act(() => root.render(createElement(StaffSyncProvider, props, createElement(Probe<T>, { use, seen }))));
  return {
    seen,
    latest: () => seen.current as T,
    until: (check: (value: T) => boolean, what: string) =>
      until(() => seen.current !== undefined && check(seen.current), 15_000, what),
    unmount: () => act(() => root.unmount()),
  };
}

describe('React hooks against the real server (happy-dom)', () => {
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  const mounted: { unmount: () => void }[] = [];
  const options = () => ({
    url: server.wsUrl,
    transports: ['websocket' as const],
    backoff: { baseMs: 50, maxMs: 400 },
    logger: { warn: () => {} },
    // Each provider is its own tab: happy-dom's storages are shared by the whole test file.
    clientId: randomUUID(),
  });
  const render = <T>(props: Omit<StaffSyncProviderProps, 'children'>, use: () => T) => {
    const m = mount(props, use);
    mounted.push(m);
    return m;
  };

  beforeAll(async () => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
    server = await startServerProcess();
  });
  afterEach(() => {
    for (const m of mounted.splice(0)) m.unmount();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('useWebSocketStaff: loads, shows an added member at once, and settles it', async () => {
    const view = render({ options: options() }, () => useWebSocketStaff(0));
    expect(view.latest()).toMatchObject({ isLoading: true, staffMembers: [] });
    await view.until((s) => !s.isLoading && s.isConnected, 'the first roster');
    expect(view.latest().connectionStatus).toBe('connected');
    expect(view.latest().periods[0]).toMatchObject({ index: 0, label: '1月・2月' });

    let added: Promise<unknown> | undefined;
    act(() => {
      added = view.latest().addStaff({ name: '鈴木 一郎', position: '調理補助', status: 'パート' });
    });
    // The next render already has it, before the server answered.
    expect(view.latest().staffMembers.some((m) => m.name === '鈴木 一郎')).toBe(true);
    expect(view.latest().pendingCount).toBe(1);
    await added;
    await view.until((s) => s.pendingCount === 0, 'the ACK');
    expect(view.latest().staffMembers.find((m) => m.name === '鈴木 一郎')).toMatchObject({ type: 'part-time', version: 1 });

    // A member that starts after period 0 is not in period 0.
    await view.latest().addStaff({ name: 'Later', position: 'x', startPeriod: { year: 2025, month: 6 } });
    await view.until((s) => s.pendingCount === 0, 'the second ACK');
    expect(view.latest().staffMembers.some((m) => m.name === 'Later')).toBe(false);
  });

  it('shows another screen’s change, and the last conflict after a refused edit', async () => {
    const a = render({ options: options() }, () => useWebSocketStaff(0));
    const b = render({ options: options() }, () => ({ staff: useWebSocketStaff(0), client: useStaffSyncClient() }));
    await a.until((s) => !s.isLoading, 'A loaded');
    await b.until((s) => !s.staff.isLoading, 'B loaded');
    const { staffId } = await a.latest().addStaff({ name: 'Shared', position: 'x' });
    await b.until((s) => s.staff.staffMembers.some((m) => m.id === staffId), 'B to see it');

    b.latest().client.disconnect();
    await a.latest().updateStaff(staffId, { name: 'A wins' });
    const attempt = b.latest().staff.updateStaff(staffId, { name: 'B loses' });
    attempt.catch(() => {});
    await b.until((s) => s.staff.staffMembers.find((m) => m.id === staffId)?.name === 'B loses', 'the optimistic edit');
    b.latest().client.connect();
    await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT' });
    await b.until((s) => s.staff.lastConflict !== null && s.staff.pendingCount === 0, 'the conflict');
    const { lastConflict, staffMembers } = b.latest().staff;
    expect(lastConflict?.conflictingFields).toEqual(['name']);
    expect(lastConflict?.current).toMatchObject({ name: 'A wins' });
    expect(staffMembers.find((m) => m.id === staffId)?.name).toBe('A wins');
  });

  it('shows who edits which member (presence)', async () => {
    const a = render({ options: { ...options(), userName: '店長' } }, () => useWebSocketStaff(0));
    const b = render({ options: options() }, () => useWebSocketStaff(0));
    await a.until((s) => s.isConnected && !s.isLoading, 'A');
    await b.until((s) => s.isConnected && !s.isLoading, 'B');
    const { staffId } = await a.latest().addStaff({ name: 'Edited', position: 'x' });
    act(() => a.latest().setEditing(staffId));
    await b.until((s) => s.editors.some((e) => e.staffId === staffId), 'B to see the editor');
    expect(b.latest().editors).toEqual([expect.objectContaining({ userName: '店長', staffId })]);
    expect(a.latest().editors).toEqual([]); // not oneself
    act(() => a.latest().setEditing(null));
    await b.until((s) => s.editors.length === 0, 'the editor to leave');
  });

  it('useStaffManagement: an emergency rollback closes the sync connection and falls back to direct mode without a reload', async () => {
    const flag = new SyncFlag({ envDefault: 'on', storage: window.localStorage });
    const supabase = cannedSupabase([{ name: 'From Supabase', position: 'x' }]);
    const view = render(
      { options: options(), flag, direct: { restaurantId: 'r1', supabase: supabase.client, realtime: false } },
      () => ({ staff: useStaffManagement(0), client: useStaffSyncClient() }),
    );
    await view.until((s) => s.staff.mode === 'sync' && s.staff.isConnected && !s.staff.isLoading, 'sync mode');
    expect(supabase.requests).toEqual([]); // supabase is not touched while the flag is on
    const before = view.seen.renders;

    act(() => flag.rollback());
    await view.until((s) => s.staff.mode === 'direct' && !s.staff.isLoading, 'direct mode');
    const managed: ManagedStaff = view.latest().staff;
    expect(managed.flag).toMatchObject({ enabled: false, reason: 'rollback' });
    expect(managed.staffMembers.map((m) => m.name)).toEqual(['From Supabase']);
    expect(view.latest().client.getSnapshot().status).toBe('disconnected');
    expect(view.seen.renders).toBeGreaterThan(before);
    expect(supabase.requests[0]).toMatch(/\/rest\/v1\/staff\?select=\*&restaurant_id=eq\.r1&is_active=eq\.true/);

    act(() => flag.restore());
    await view.until((s) => s.staff.mode === 'sync' && s.staff.isConnected, 'back to sync');
  });

  it('useStaffManagement follows a per-browser override over the rollout', async () => {
    const flag = new SyncFlag({ envDefault: '0', userKey: 'user-1', storage: window.localStorage });
    const view = render({ options: options(), flag }, () => useStaffManagement(0));
    expect(flag.getState()).toMatchObject({ enabled: false, reason: 'default', percent: 0 });
    // No direct options: the hook stays on the (disconnected) sync client.
    expect(view.latest().connectionStatus).toBe('disconnected');
    act(() => flag.setOverride(true));
    await view.until((s: StaffManagement) => s.isConnected, 'the override to connect');
    expect(flag.getState().reason).toBe('override');
    act(() => flag.setOverride(null));
    await view.until((s) => s.connectionStatus === 'disconnected', 'back to the rollout');
  });
});
