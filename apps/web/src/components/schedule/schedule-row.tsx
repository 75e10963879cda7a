import { isActiveOn, type StaffMember } from '@staff-sync/protocol';
import type { ScheduleCell } from '@staff-sync/react';
import { memo, type ReactNode } from 'react';
import { formatValue } from '../../form/format-value.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellText } from '../../schedule/cell-values.ts';
import { type Day, memberCounts } from '../../schedule/grid-model.ts';
import { renderCounter } from '../../schedule/render-counter.ts';
import { StatusBadge } from '../status-badge.tsx';

export interface ScheduleRowProps {
  member: StaffMember;
  rowIndex: number;
  /** The member's cells; the same object while none of them changed (the row is memoized on it). */
  cells: ReadonlyMap<string, ScheduleCell>;
  days: readonly Day[];
  /** The active cell's column on this row, else -1. */
  activeCol: number;
  /** The selected columns on this row (inclusive), else -1 and -1. */
  selLeft: number;
  selRight: number;
  /** Others editing this member in the modal, their names joined; '' for none. */
  modalEditors: string;
  /** Others on a cell of this row: `date=names` lines; '' for none. */
  cellEditors: string;
  onEdit: (staffId: string) => void;
}

const NAMES = '\u0001';

/** Others on each date of the row, from `cellEditors`. */
function cellPresence(encoded: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!encoded) return out;
  for (const line of encoded.split('\n')) {
    const at = line.indexOf('=');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/**
 * One member's row: the row header (status, name, who edits it, position, the edit button), a cell
 * per day, and the member's days off and days worked. Memoized: a change of another member's cells
 * leaves it alone (docs/web.md, "Fast on a real roster").
 */
export const ScheduleRow = memo(function ScheduleRow(props: ScheduleRowProps): ReactNode {
  renderCounter.rows++;
  const messages = useMessages();
  const s = messages.schedule;
  const { member, cells, days } = props;
  const counts = memberCounts(cells, days);
  const here = cellPresence(props.cellEditors);
  const modalNames = props.modalEditors ? props.modalEditors.split(NAMES) : [];
  return (
    <tr className="schedule-row" data-testid="staff-row" data-staff-id={member.id} data-row={props.rowIndex}>
      <th scope="row" className="row-header">
        <span className="row-header-line">
          <StatusBadge status={member.status} />
          <span className="staff-name" data-testid="member-name">
            {member.name}
          </span>
          <button
            type="button"
            className="edit row-edit"
            data-testid="row-edit"
            aria-label={messages.editMember(member.name)}
            onClick={() => props.onEdit(member.id)}
          >
            {messages.edit}
          </button>
        </span>
        <span className="row-header-line sub">
          <span className="staff-position" data-testid="staff-position">
            {member.position}
          </span>
          <span className="staff-period">
            {member.startPeriod ? formatValue(messages, 'startPeriod', member.startPeriod) : ''}
            {member.startPeriod || member.endPeriod ? ' – ' : ''}
            {member.endPeriod ? formatValue(messages, 'endPeriod', member.endPeriod) : ''}
          </span>
          {modalNames.length > 0 ? (
            <span className="badge presence" data-testid="editing-badge">
              <span aria-hidden="true">✎ </span>
              {messages.presence(modalNames)}
            </span>
          ) : null}
        </span>
      </th>
      {days.map((day, col) => {
        const cell = cells.get(day.date);
        const value = cell?.value ?? null;
        const active = isActiveOn(member, day.date);
        const selected = col >= props.selLeft && col <= props.selRight;
        const others = here.get(day.date);
        const classes = ['cell'];
        if (!active) classes.push('inactive');
        if (selected) classes.push('selected');
        if (col === props.activeCol) classes.push('active');
        if (cell?.pending) classes.push('pending');
        if (others) classes.push('others');
        if (day.weekday === 0 || day.holiday) classes.push('sun');
        else if (day.weekday === 6) classes.push('sat');
        // Few attributes per cell: 1,240 of them mount at once (docs/web.md, "Fast on a real roster").
        return (
          <td
            key={day.date}
            id={col === props.activeCol ? `cell-${props.rowIndex}-${col}` : undefined}
            className={classes.join(' ')}
            data-testid="cell"
            data-date={day.date}
            data-value={value ?? undefined}
            data-pending={cell?.pending ? 'true' : undefined}
            data-selected={selected ? 'true' : undefined}
            aria-disabled={active ? undefined : true}
          >
            {cellText(value, s.normalMark, s.lateMark)}
            {others ? (
              <span className="cell-presence" data-testid="cell-presence">
                {others.split(NAMES).join(messages.listSeparator)}
              </span>
            ) : null}
          </td>
        );
      })}
      <td className="member-count" data-testid="member-off" title={s.daysOffLabel}>
        {counts.off}
      </td>
      <td className="member-count" data-testid="member-work" title={s.daysWorkedLabel}>
        {counts.work}
      </td>
    </tr>
  );
});

/** How the grid passes a list of names to a row: one string, so the row's memo compares it by value. */
export const joinNames = (names: readonly string[]): string => names.join(NAMES);
