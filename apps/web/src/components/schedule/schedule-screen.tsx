import { cellValueProblem, isActiveOn, type Period, type PresenceEntry, type StaffMember } from '@staff-sync/protocol';
import { useSchedule } from '@staff-sync/react';
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellText, symbolForKey } from '../../schedule/cell-values.ts';
import { download, scheduleCsv } from '../../schedule/csv.ts';
import { gridCommand } from '../../schedule/grid-keys.ts';
import { daysOf, groupByDepartment } from '../../schedule/grid-model.ts';
import type { CellStep } from '../../schedule/undo-history.ts';
import { useCellCommands } from '../../schedule/use-cell-commands.ts';
import { useCellSelection } from '../../schedule/use-cell-selection.ts';
import { useToasts } from '../toasts.tsx';
import { CellConflictDialog } from './cell-conflict-dialog.tsx';
import { CellPicker } from './cell-picker.tsx';
import { ScheduleGrid } from './schedule-grid.tsx';
import { ScheduleHelp } from './schedule-help.tsx';

/**
 * The main screen: the period's schedule grid with its tools (undo, redo, print, CSV, the keys),
 * the picker and the cell conflict dialog. `onActiveCell` reports the selected cell for presence.
 */
export function ScheduleScreen(props: {
  members: readonly StaffMember[];
  period: Period;
  editors: readonly PresenceEntry[];
  onEdit: (staffId: string) => void;
  onActiveCell: (staffId: string | null, dateKey: string | null) => void;
}): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const toasts = useToasts();
  const schedule = useSchedule(props.period.index);
  const cells = schedule.schedule?.cells;
  const commands = useCellCommands(schedule, props.members);
  const groups = useMemo(() => groupByDepartment(props.members), [props.members]);
  const rows = useMemo(() => groups.flatMap((g) => g.members), [groups]);
  const { startDate, endDate } = props.period;
  const days = useMemo(() => daysOf({ startDate, endDate }), [startDate, endDate]);
  const selection = useCellSelection(rows.length, days.length);
  const [pickerOpen, setPickerOpen] = useState(false);
  const activeMember = selection.active ? rows[selection.active.row] : undefined;
  const activeDate = selection.active ? days[selection.active.col]?.date : undefined;

  const { onActiveCell } = props;
  useEffect(() => onActiveCell(activeMember?.id ?? null, activeDate ?? null), [onActiveCell, activeMember?.id, activeDate]);

  // The rows are memoized: hand them one function for the whole life of the screen.
  const onEditRef = useRef(props.onEdit);
  onEditRef.current = props.onEdit;
  const onEdit = useCallback((staffId: string) => onEditRef.current(staffId), []);

  /** Set every selected cell to what `valueFor` gives its member; cells it may not hold are left, and said so. */
  const fill = (valueFor: (member: StaffMember) => string | null | undefined) => {
    const range = selection.range;
    if (!range) return;
    const steps: CellStep[] = [];
    let skipped = 0;
    for (let r = range.top; r <= range.bottom; r++) {
      const member = rows[r];
      if (!member) continue;
      for (let c = range.left; c <= range.right; c++) {
        const date = days[c]?.date;
        if (!date) continue;
        const value = valueFor(member);
        if (value === undefined || !isActiveOn(member, date) || cellValueProblem(member.status, value)) {
          skipped++;
          continue;
        }
        const before = cells?.get(member.id)?.get(date)?.value ?? null;
        if (before !== value) steps.push({ staffId: member.id, dateKey: date, before, after: value });
      }
    }
    commands.commit(steps);
    if (skipped > 0) toasts.show('info', s.skipped(skipped));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const command = gridCommand(event);
    if (!command) return;
    event.preventDefault();
    if (command.kind === 'move') selection.move(command.dRow, command.dCol, command.extend);
    else if (command.kind === 'collapse') selection.move(0, 0, false);
    else if (command.kind === 'undo') commands.undo();
    else if (command.kind === 'redo') commands.redo();
    else if (!selection.active) selection.move(0, 0, false);
    else if (command.kind === 'picker') setPickerOpen(true);
    else if (command.kind === 'clear') fill(() => null);
    else fill((member) => symbolForKey(command.key, member.status));
  };

  const exportCsv = () => {
    const show = (value: string | null) => cellText(value, s.normalMark, s.lateMark);
    const csv = scheduleCsv({ nameHeader: s.csvName, dates: days.map((d) => d.date), members: rows, cells, show });
    download(`schedule-${startDate}_${endDate}.csv`, csv);
  };

  const range = selection.range;
  const rangeSize = range ? (range.bottom - range.top + 1) * (range.right - range.left + 1) : 0;
  return (
    <section className="schedule-screen" aria-label={s.gridLabel}>
      <div className="schedule-tools">
        <button type="button" onClick={commands.undo} data-testid="undo">
          {s.toolbar.undo}
        </button>
        <button type="button" onClick={commands.redo} data-testid="redo">
          {s.toolbar.redo}
        </button>
        <button type="button" onClick={() => window.print()} data-testid="print">
          {s.toolbar.print}
        </button>
        <button type="button" onClick={exportCsv} data-testid="csv-export">
          {s.toolbar.csv}
        </button>
        <ScheduleHelp />
      </div>
      {rows.length === 0 ? (
        <p className="empty" data-testid="staff-empty">
          {messages.emptyPeriod}
        </p>
      ) : (
        <ScheduleGrid
          groups={groups}
          days={days}
          cells={cells}
          active={selection.active}
          range={range}
          editors={props.editors}
          onEdit={onEdit}
          onPress={selection.press}
          onHover={selection.hover}
          onOpenPicker={() => setPickerOpen(true)}
          onKeyDown={onKeyDown}
        />
      )}
      <CellPicker
        open={pickerOpen && activeMember !== undefined}
        title={rangeSize > 1 ? s.pickerRange(rangeSize) : s.pickerTitle(activeMember?.name ?? '', activeDate ?? '')}
        status={activeMember?.status}
        onPick={(value) => {
          setPickerOpen(false);
          fill(() => value);
        }}
        onClose={() => setPickerOpen(false)}
      />
      <CellConflictDialog
        error={commands.conflict}
        members={props.members}
        onDecide={commands.decide}
        onDismiss={commands.dismiss}
      />
    </section>
  );
}
