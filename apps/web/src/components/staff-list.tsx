import type { PresenceEntry, StaffMember } from '@staff-sync/protocol';
import type { ReactNode } from 'react';
import { formatValue } from '../form/format-value.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { EditingBadge } from './editing-badge.tsx';
import { StatusBadge } from './status-badge.tsx';

/**
 * The main screen's list: the members of the selected period in display order (社員, 派遣, パート,
 * each by start period: the hooks' order, from the protocol's compareStaff). Rendered straight from
 * the hooks' store, never copied.
 */
export function StaffList(props: {
  members: readonly StaffMember[];
  editors: readonly PresenceEntry[];
  onEdit: (staffId: string) => void;
}): ReactNode {
  const messages = useMessages();
  if (props.members.length === 0) {
    return (
      <p className="empty" data-testid="staff-empty">
        {messages.emptyPeriod}
      </p>
    );
  }
  return (
    <ul className="staff-list" aria-label={messages.staffListLabel} data-testid="staff-list">
      {props.members.map((member) => (
        <li key={member.id} className="staff-row" data-testid="staff-row" data-staff-id={member.id}>
          <StatusBadge status={member.status} />
          <span className="staff-name-cell">
            <span className="staff-name" data-testid="member-name">
              {member.name}
            </span>
            <EditingBadge editors={props.editors} staffId={member.id} />
          </span>
          <span className="staff-position" data-testid="staff-position">
            {member.position}
          </span>
          <span className="staff-department">{formatValue(messages, 'department', member.department)}</span>
          <span className="staff-period">
            {member.startPeriod ? formatValue(messages, 'startPeriod', member.startPeriod) : ''}
            {member.startPeriod || member.endPeriod ? ' – ' : ''}
            {member.endPeriod ? formatValue(messages, 'endPeriod', member.endPeriod) : ''}
          </span>
          <button
            type="button"
            className="edit"
            data-testid="row-edit"
            aria-label={messages.editMember(member.name)}
            onClick={() => props.onEdit(member.id)}
          >
            {messages.edit}
          </button>
        </li>
      ))}
    </ul>
  );
}
