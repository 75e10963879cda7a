import type { EmploymentStatus } from '@staff-sync/protocol';
import type { ReactNode } from 'react';
import { useMessages } from '../i18n/i18n.tsx';

const CLASS: Record<EmploymentStatus, string> = { 社員: 'employee', 派遣: 'agency', パート: 'part-time' };

/** 社員 / 派遣 / パート as a coloured badge. */
export function StatusBadge(props: { status: EmploymentStatus }): ReactNode {
  const messages = useMessages();
  return (
    <span className={`badge status status-${CLASS[props.status]}`} data-testid="status-badge">
      {messages.statuses[props.status]}
    </span>
  );
}
