import type { PresenceEntry } from '@staff-sync/protocol';
import type { CellMap } from '@staff-sync/react';
import { type KeyboardEvent, type MouseEvent, type ReactNode, useEffect, useMemo } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellsOf, type Day, type DepartmentGroup, dayCounts } from '../../schedule/grid-model.ts';
import type { CellPos, CellRange } from '../../schedule/use-cell-selection.ts';
import { joinNames, ScheduleRow } from './schedule-row.tsx';

export interface ScheduleGridProps {
  groups: readonly DepartmentGroup[];
  days: readonly Day[];
  cells: CellMap | undefined;
  active: CellPos | null;
  range: CellRange | null;
  editors: readonly PresenceEntry[];
  onEdit: (staffId: string) => void;
  onPress: (pos: CellPos, extend: boolean) => void;
  onHover: (pos: CellPos) => void;
  onOpenPicker: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>) => void;
}

/** The cell under a mouse event, by the row's and the cell's data attributes. */
function posOf(event: MouseEvent): CellPos | undefined {
  const td = (event.target as HTMLElement).closest<HTMLTableCellElement>('td[data-date]');
  const tr = td?.closest('tr[data-row]');
  if (!td || !tr || td.getAttribute('aria-disabled') === 'true') return undefined;
  // The row header is the row's first cell; the days follow.
  return { row: Number(tr.getAttribute('data-row')), col: td.cellIndex - 1 };
}

/** Others' presence by member: in the modal (names), and on cells (`date=names` lines). */
function presenceByMember(editors: readonly PresenceEntry[]): Map<string, { modal: string; cells: string }> {
  const modal = new Map<string, Set<string>>();
  const cells = new Map<string, Map<string, Set<string>>>();
  for (const e of editors) {
    if (e.dateKey) {
      const byDate = cells.get(e.staffId) ?? new Map<string, Set<string>>();
      byDate.set(e.dateKey, (byDate.get(e.dateKey) ?? new Set()).add(e.userName));
      cells.set(e.staffId, byDate);
    } else modal.set(e.staffId, (modal.get(e.staffId) ?? new Set()).add(e.userName));
  }
  const out = new Map<string, { modal: string; cells: string }>();
  for (const id of new Set([...modal.keys(), ...cells.keys()])) {
    const lines = [...(cells.get(id) ?? [])].map(([date, names]) => `${date}=${joinNames([...names])}`);
    out.set(id, { modal: joinNames([...(modal.get(id) ?? [])]), cells: lines.sort().join('\n') });
  }
  return out;
}

/**
 * The period's schedule: members as rows grouped by department, days as columns (weekday and
 * holiday marks), each member's counts beside its row and each day's counts under the grid. One
 * focusable grid: the keyboard works on the active cell (aria-activedescendant).
 */
export function ScheduleGrid(props: ScheduleGridProps): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const { groups, days, cells, active, range } = props;
  const members = useMemo(() => groups.flatMap((g) => g.members), [groups]);
  const presence = useMemo(() => presenceByMember(props.editors), [props.editors]);
  const counts = useMemo(() => dayCounts(cells, members, days), [cells, members, days]);
  // The keyboard may walk out of the visible part of the grid: bring the active cell along.
  const activeId = active ? `cell-${active.row}-${active.col}` : undefined;
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeId]);
  let rowIndex = 0;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a grid of cells, worked by the keyboard like a spreadsheet
    <div
      className="schedule-scroll"
      data-testid="staff-list"
      role="grid"
      tabIndex={0}
      aria-label={s.gridLabel}
      aria-activedescendant={activeId}
      onKeyDown={props.onKeyDown}
      onMouseDown={(event) => {
        const pos = posOf(event);
        if (!pos || event.button !== 0) return;
        event.preventDefault();
        (event.currentTarget as HTMLElement).focus();
        props.onPress(pos, event.shiftKey);
      }}
      onMouseMove={(event) => {
        const pos = posOf(event);
        if (pos) props.onHover(pos);
      }}
      onDoubleClick={(event) => {
        if (posOf(event)) props.onOpenPicker();
      }}
    >
      <table className="schedule" aria-label={messages.staffListLabel}>
        <colgroup>
          <col className="col-name" />
          {days.map((d) => (
            <col key={d.date} className="col-day" />
          ))}
          <col className="col-count" />
          <col className="col-count" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col" className="head corner">
              {s.nameColumn}
            </th>
            {days.map((d) => (
              <th
                key={d.date}
                scope="col"
                className={`head day ${d.weekday === 0 || d.holiday ? 'sun' : d.weekday === 6 ? 'sat' : ''}`}
                data-testid="day-header"
                data-date={d.date}
                data-holiday={d.holiday ? 'true' : undefined}
                title={d.holiday ? s.holiday(d.holiday) : d.date}
              >
                <span className="day-number">{d.day}</span>
                <span className="weekday">{s.weekdays[d.weekday]}</span>
                {d.holiday ? <span className="holiday-mark">{s.holidayMark}</span> : null}
              </th>
            ))}
            <th scope="col" className="head count-head" title={s.daysOffLabel}>
              {s.daysOff}
            </th>
            <th scope="col" className="head count-head" title={s.daysWorkedLabel}>
              {s.daysWorked}
            </th>
          </tr>
        </thead>
        {groups.map((group) => (
          <tbody key={group.department} data-testid="department-group" data-department={group.department}>
            <tr className="group-row">
              <th scope="rowgroup" className="group-label" colSpan={days.length + 3}>
                {messages.departments[group.department]}
              </th>
            </tr>
            {group.members.map((member) => {
              const index = rowIndex++;
              const inRange = range !== null && index >= range.top && index <= range.bottom;
              const who = presence.get(member.id);
              return (
                <ScheduleRow
                  key={member.id}
                  member={member}
                  rowIndex={index}
                  cells={cellsOf(cells, member.id)}
                  days={days}
                  activeCol={active?.row === index ? active.col : -1}
                  selLeft={inRange ? range.left : -1}
                  selRight={inRange ? range.right : -1}
                  modalEditors={who?.modal ?? ''}
                  cellEditors={who?.cells ?? ''}
                  onEdit={props.onEdit}
                />
              );
            })}
          </tbody>
        ))}
        <tfoot>
          {(['work', 'off', 'early', 'late'] as const).map((kind) => (
            <tr key={kind} className={`day-counts count-${kind}`}>
              <th scope="row" className="count-label">
                {s.counts[kind]}
              </th>
              {counts.map((c, i) => (
                <td key={days[i]?.date} data-testid={`count-${kind}`} data-date={days[i]?.date}>
                  {c[kind]}
                </td>
              ))}
              <td colSpan={2} />
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}
