import type { StaffChanges, StaffMember } from '@staff-sync/protocol';
import type { StaffSyncError } from '@staff-sync/react';
import { type ReactNode, useId, useState } from 'react';
import { type Choice, contestedFields, resolution } from '../form/conflict-resolution.ts';
import { fieldLabel, formatValue } from '../form/format-value.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { Dialog } from './dialog.tsx';

/**
 * Shown when the server refused a change with CONFLICT: field by field, the person's value and
 * the current one. The chosen result goes out with the current version, so it is a fresh edit.
 */
export function ConflictDialog(props: {
  error: StaffSyncError | undefined;
  onResolve: (current: StaffMember, changes: StaffChanges) => void;
  onKeepCurrent: (current: StaffMember) => void;
}): ReactNode {
  const messages = useMessages();
  const titleId = useId();
  const introId = useId();
  const conflict = props.error?.conflict;
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [shown, setShown] = useState<StaffSyncError | undefined>(undefined);
  if (shown !== props.error) {
    // A new conflict starts with the person's own values chosen: that is what they meant to save.
    setShown(props.error);
    setChoices({});
  }
  const fields = conflict ? contestedFields(conflict.attempted, conflict.current) : [];
  const keepCurrent = () => {
    if (conflict) props.onKeepCurrent(conflict.current);
  };
  return (
    <Dialog
      open={conflict !== undefined}
      onClose={keepCurrent}
      labelledBy={titleId}
      describedBy={introId}
      role="alertdialog"
      className="conflict"
      testId="conflict-dialog"
    >
      {conflict ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            props.onResolve(conflict.current, resolution(conflict.attempted, conflict.current, choices));
          }}
        >
          <h2 id={titleId}>{messages.conflict.title}</h2>
          <p id={introId}>{messages.conflict.intro(conflict.current.name)}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{messages.conflict.field}</th>
                <th scope="col">{messages.conflict.mine}</th>
                <th scope="col">{messages.conflict.current}</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((field) => {
                const label = fieldLabel(messages, field);
                const choice = choices[field] ?? 'mine';
                const pick = (value: Choice) => setChoices((c) => ({ ...c, [field]: value }));
                return (
                  <tr key={field} data-testid={`conflict-row-${field}`}>
                    <th scope="row">
                      {label}
                      {conflict.conflictingFields.includes(field) ? (
                        <span className="badge conflict-mark">{messages.conflict.changedByOthers}</span>
                      ) : null}
                    </th>
                    <td>
                      <label>
                        <input
                          type="radio"
                          name={`conflict-${field}`}
                          checked={choice === 'mine'}
                          onChange={() => pick('mine')}
                          data-testid={`conflict-${field}-mine`}
                        />
                        <span data-testid={`conflict-${field}-mine-value`}>
                          {formatValue(messages, field, (conflict.attempted as Record<string, unknown>)[field])}
                        </span>
                      </label>
                    </td>
                    <td>
                      <label>
                        <input
                          type="radio"
                          name={`conflict-${field}`}
                          checked={choice === 'current'}
                          onChange={() => pick('current')}
                          data-testid={`conflict-${field}-current`}
                        />
                        <span data-testid={`conflict-${field}-current-value`}>
                          {formatValue(messages, field, (conflict.current as unknown as Record<string, unknown>)[field])}
                        </span>
                      </label>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={keepCurrent} data-testid="conflict-keep-current">
              {messages.conflict.keepCurrent}
            </button>
            <button type="submit" className="primary" data-testid="conflict-save">
              {messages.conflict.save}
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
