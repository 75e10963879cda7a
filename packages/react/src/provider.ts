import { StaffSyncClient, type StaffSyncClientOptions } from '@staff-sync/client';
import { createElement, type ReactNode, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { StaffSyncContext } from './context.ts';
import type { DirectStaffOptions } from './direct/direct-staff-store.ts';
import type { SyncFlag } from './feature-flag.ts';

export interface StaffSyncProviderProps {
  /** Options for the one client this provider makes on its first render (ignored later). */
  options?: StaffSyncClientOptions;
  /** A client the app made itself; the provider connects it but does not dispose it. */
  client?: StaffSyncClient;
  /**
   * The WEBSOCKET_STAFF_MANAGEMENT flag. While it is off (or rolled back) the client stays
   * disconnected and `useStaffManagement` uses the direct Supabase mode. Without it: always sync.
   */
  flag?: SyncFlag;
  /** The direct Supabase mode's settings, for `useStaffManagement` when the flag is off. */
  direct?: DirectStaffOptions;
  children?: ReactNode;
}

const alwaysOn = { subscribe: () => () => {}, getState: () => ({ enabled: true }) };

/**
 * Owns one staff-sync client for everything below it. Connects while mounted and the flag is on;
 * disconnects when the flag turns off (an emergency rollback closes the connection at once,
 * without a reload). A client it made itself is disposed after it unmounts for good.
 */
export function StaffSyncProvider(props: StaffSyncProviderProps): ReactNode {
  const { flag, direct } = props;
  const [client] = useState(() => {
    if (props.client) return props.client;
    if (!props.options) throw new Error('StaffSyncProvider needs `options` or `client`');
    return new StaffSyncClient(props.options);
  });
  const owned = client !== props.client;
  const flagSource = flag ?? alwaysOn;
  const enabled = useSyncExternalStore(
    flagSource.subscribe,
    () => flagSource.getState().enabled,
    () => flagSource.getState().enabled,
  );

  useEffect(() => {
    if (!enabled) {
      client.disconnect();
      return;
    }
    client.connect();
    return () => client.disconnect();
  }, [client, enabled]);

  // StrictMode unmounts and mounts again at once: dispose only when no mount follows.
  const pendingDispose = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    clearTimeout(pendingDispose.current);
    if (!owned) return;
    return () => {
      pendingDispose.current = setTimeout(() => client.dispose(), 0);
    };
  }, [client, owned]);

  const value = useMemo(() => ({ client, flag, direct }), [client, flag, direct]);
  return createElement(StaffSyncContext.Provider, { value }, props.children);
}
