import type { StaffMember } from '@staff-sync/protocol';
import type { StaffSyncError } from '@staff-sync/react';
import { type ReactNode, useId } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellText } from '../../schedule/cell-values.ts';
import { Dialog } from '../dialog.tsx';

/**
 * A schedule change refused with CONFLICT: per cell, the person's value and the current one.
 * あなたの値を適用 sends the person's values from the current versions (a new change, which can
 * conflict again); 現在の値のままにする (or Escape) leaves them. The staff conflict dialog is a
 * different one (conflict-dialog.tsx).
 */
export function CellConflictDialog(props: {
  error: StaffSyncError | undefined;
  members: readonly StaffMember[];
  onApplyMine: () => void;
  onKeepCurrent: () => void;
}): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const titleId = useId();
  const introId = useId();
  const conflict = props.error?.cellConflict;
  const show = (value: string | null) => {
    const text = cellText(value, s.normalMark, s.lateMark);
    const name = s.symbols[value ?? ''];
    return value === null ? '—' : name && name !== text ? `${text}（${name}）` : text;
  };
  const nameOf = (staffId: string) => props.members.find((m) => m.id === staffId)?.name ?? messages.unknownMember;
  return (
    <Dialog
      open={conflict !== undefined}
      onClose={props.onKeepCurrent}
      labelledBy={titleId}
      describedBy={introId}
      role="alertdialog"
      className="conflict"
      testId="cell-conflict-dialog"
    >
      {conflict ? (
        <>
          <h2 id={titleId}>{s.conflict.title}</h2>
          <p id={introId}>{s.conflict.intro}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{s.conflict.cell}</th>
                <th scope="col">{s.conflict.mine}</th>
                <th scope="col">{s.conflict.current}</th>
              </tr>
            </thead>
            <tbody>
              {conflict.cells.map((cell) => (
                <tr key={`${cell.staffId}|${cell.dateKey}`} data-testid="cell-conflict-row" data-date={cell.dateKey}>
                  <th scope="row">
                    {nameOf(cell.staffId)} {cell.dateKey}
                  </th>
                  <td data-testid="cell-conflict-mine">{show(cell.attempted)}</td>
                  <td data-testid="cell-conflict-current">{show(cell.current.shiftValue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={props.onKeepCurrent} data-testid="cell-conflict-keep-current">
              {s.conflict.keepCurrent}
            </button>
            <button type="button" className="primary" onClick={props.onApplyMine} data-testid="cell-conflict-apply-mine">
              {s.conflict.applyMine}
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
