import type { ConnectionState, StaffManagement } from '@staff-sync/react';
import type { ReactNode } from 'react';
import { useMessages } from '../i18n/i18n.tsx';

/** 接続中 / 再接続中 / オフライン (HTTP経由 on the fallback), with the changes not yet confirmed by the server. */
export function ConnectionIndicator(props: {
  status: ConnectionState;
  transport: StaffManagement['transport'];
  pendingCount: number;
}): ReactNode {
  const messages = useMessages();
  return (
    <div
      className={`connection connection-${props.status}`}
      role="status"
      data-testid="connection-status"
      data-status={props.status}
    >
      <span className="dot" aria-hidden="true" />
      <span data-testid="connection-label">{messages.connection[props.status]}</span>
      {props.transport === 'http' ? (
        <span className="via" data-testid="connection-transport" data-transport="http">
          {messages.viaHttp}
        </span>
      ) : null}
      {props.pendingCount > 0 ? (
        <span className="pending" data-testid="pending-count" data-count={props.pendingCount}>
          {messages.pending(props.pendingCount)}
        </span>
      ) : null}
    </div>
  );
}
