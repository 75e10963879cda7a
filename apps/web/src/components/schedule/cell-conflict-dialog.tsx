import type { StaffMember } from '@staff-sync/protocol';
import type { StaffSyncError } from '@staff-sync/react';
import { type ReactNode, useId } from 'react';
import { type Choice, suggestedChoices } from '../../form/conflict-resolution.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { cellText } from '../../schedule/cell-values.ts';
import { Dialog } from '../dialog.tsx';

/** Marks the pre-selected button for the dialog's opening focus (React's autoFocus sets no attribute). */
const autofocus = (button: HTMLButtonElement | null) => button?.setAttribute('autofocus', '');

/**
 * A schedule change refused with CONFLICT: per cell, the person's value and the current one.
 * あなたの値を適用 sends the person's values from the current versions (a new change, which can
 * conflict again); 現在の値のままにする leaves them; Escape leaves them and tells the server
 * nothing. When the server suggested a resolution (a single cell, docs/assist.md), its reason and
 * confidence are shown and its choice is the pre-selected (focused, primary) button; a suggested
 * value that is neither side's gets a button of its own. The staff conflict dialog is a different
 * one (conflict-dialog.tsx).
 */
export function CellConflictDialog(props: {
  error: StaffSyncError | undefined;
  members: readonly StaffMember[];
  onDecide: (choice: Choice) => void;
  onDismiss: () => void;
}): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const titleId = useId();
  const introId = useId();
  const conflict = props.error?.cellConflict;
  const suggestion = conflict && conflict.cells.length === 1 ? props.error?.suggestion : undefined;
  const suggested = suggestion ? suggestedChoices(['shiftValue'], suggestion).shiftValue : undefined;
  const suggestedValue = suggestion?.changes.shiftValue;
  const show = (value: string | null) => {
    const text = cellText(value, s.normalMark, s.lateMark);
    const name = s.symbols[value ?? ''];
    return value === null ? '—' : name && name !== text ? `${text}（${name}）` : text;
  };
  const nameOf = (staffId: string) => props.members.find((m) => m.id === staffId)?.name ?? messages.unknownMember;
  const badge = (choice: Choice) =>
    suggested === choice ? (
      <span className="badge suggested" data-testid="cell-conflict-suggested">
        {messages.conflict.suggested}
      </span>
    ) : null;
  /** The button of one choice: primary and focused first when it is the suggestion (else "mine" is primary). */
  const button = (choice: Choice, label: string, testId: string) => {
    const picked = suggested === choice;
    return (
      <button
        type="button"
        className={picked || (suggested === undefined && choice === 'mine') ? 'primary' : undefined}
        ref={picked ? autofocus : undefined}
        data-suggested={picked ? 'true' : undefined}
        onClick={() => props.onDecide(choice)}
        data-testid={testId}
      >
        {label}
      </button>
    );
  };
  return (
    <Dialog
      open={conflict !== undefined}
      onClose={props.onDismiss}
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
          {suggestion ? (
            <p className="conflict-suggestion">
              <span data-testid="conflict-suggestion-reason">{suggestion.reason}</span>{' '}
              <span className="badge" data-testid="conflict-suggestion-confidence">
                {messages.conflict.confidence(Math.round(suggestion.confidence * 100))}
              </span>
            </p>
          ) : null}
          <table>
            <thead>
              <tr>
                <th scope="col">{s.conflict.cell}</th>
                <th scope="col">{s.conflict.mine}</th>
                <th scope="col">{s.conflict.current}</th>
                {suggested === 'merged' ? <th scope="col">{s.conflict.suggestedValue}</th> : null}
              </tr>
            </thead>
            <tbody>
              {conflict.cells.map((cell) => (
                <tr key={`${cell.staffId}|${cell.dateKey}`} data-testid="cell-conflict-row" data-date={cell.dateKey}>
                  <th scope="row">
                    {nameOf(cell.staffId)} {cell.dateKey}
                  </th>
                  <td>
                    <span data-testid="cell-conflict-mine">{show(cell.attempted)}</span> {badge('mine')}
                  </td>
                  <td>
                    <span data-testid="cell-conflict-current">{show(cell.current.shiftValue)}</span> {badge('current')}
                  </td>
                  {suggested === 'merged' ? (
                    <td>
                      <span data-testid="cell-conflict-suggested-value">
                        {typeof suggestedValue === 'string' ? show(suggestedValue) : '—'}
                      </span>{' '}
                      {badge('merged')}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            {button('current', s.conflict.keepCurrent, 'cell-conflict-keep-current')}
            {button('mine', s.conflict.applyMine, 'cell-conflict-apply-mine')}
            {suggested === 'merged' ? button('merged', s.conflict.applySuggested, 'cell-conflict-apply-suggested') : null}
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
