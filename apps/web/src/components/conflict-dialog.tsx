import type { Resolves, StaffChanges, StaffMember } from '@staff-sync/protocol';
import type { StaffSyncError } from '@staff-sync/react';
import { type ReactNode, useId, useState } from 'react';
import { type Choice, contestedFields, resolution, resolvesOf, suggestedChoices } from '../form/conflict-resolution.ts';
import { fieldLabel, formatValue } from '../form/format-value.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { Dialog } from './dialog.tsx';

/**
 * Shown when the server refused a change with CONFLICT: field by field, the person's value and
 * the current one (and the server's merge of both, when it made one), with the server's suggestion
 * pre-selected and its reason shown (docs/assist.md). The chosen result goes out with the current
 * version, so it is a fresh edit, with `resolves` saying what the person chose.
 */
export function ConflictDialog(props: {
  error: StaffSyncError | undefined;
  onResolve: (current: StaffMember, changes: StaffChanges, resolves?: Resolves) => void;
  /** `resolves` only when the person chose to keep the current values (not when the dialog was just closed). */
  onKeepCurrent: (current: StaffMember, resolves?: Resolves) => void;
}): ReactNode {
  const messages = useMessages();
  const titleId = useId();
  const introId = useId();
  const conflict = props.error?.conflict;
  const suggestion = conflict?.suggestion;
  const fields = conflict ? contestedFields(conflict.attempted, conflict.current) : [];
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [shown, setShown] = useState<StaffSyncError | undefined>(undefined);
  if (shown !== props.error) {
    // A new conflict starts with the suggestion chosen, else the person's own values.
    setShown(props.error);
    setChoices(suggestedChoices(fields, suggestion));
  }
  const merges = fields.some((f) => suggestion?.basis[f] === 'merged');
  const keepCurrent = () => {
    if (conflict) props.onKeepCurrent(conflict.current);
  };
  const decide = (picked: Record<string, Choice>) =>
    conflict ? resolvesOf(props.error?.sequenceNumber, conflict.conflictingFields, picked, suggestion) : undefined;
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
            props.onResolve(
              conflict.current,
              resolution(conflict.attempted, conflict.current, choices, suggestion),
              decide(choices),
            );
          }}
        >
          <h2 id={titleId}>{messages.conflict.title}</h2>
          <p id={introId}>{messages.conflict.intro(conflict.current.name)}</p>
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
                <th scope="col">{messages.conflict.field}</th>
                <th scope="col">{messages.conflict.mine}</th>
                <th scope="col">{messages.conflict.current}</th>
                {merges ? <th scope="col">{messages.conflict.merged}</th> : null}
              </tr>
            </thead>
            <tbody>
              {fields.map((field) => {
                const label = fieldLabel(messages, field);
                const choice = choices[field] ?? 'mine';
                const pick = (value: Choice) => setChoices((c) => ({ ...c, [field]: value }));
                const basis = suggestion?.basis[field];
                const suggested = (option: Choice) =>
                  (basis === 'mine' && option === 'mine') ||
                  (basis === 'theirs' && option === 'current') ||
                  (basis === 'merged' && option === 'merged') ? (
                    <span className="badge suggested" data-testid={`conflict-${field}-suggested`}>
                      {messages.conflict.suggested}
                    </span>
                  ) : null;
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
                        {suggested('mine')}
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
                        {suggested('current')}
                      </label>
                    </td>
                    {merges ? (
                      <td>
                        {basis === 'merged' && suggestion ? (
                          <label>
                            <input
                              type="radio"
                              name={`conflict-${field}`}
                              checked={choice === 'merged'}
                              onChange={() => pick('merged')}
                              data-testid={`conflict-${field}-merged`}
                            />
                            <span data-testid={`conflict-${field}-merged-value`}>
                              {formatValue(messages, field, suggestion.changes[field])}
                            </span>
                            {suggested('merged')}
                          </label>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                const all = Object.fromEntries(fields.map((f) => [f, 'current' as const]));
                props.onKeepCurrent(conflict.current, decide(all));
              }}
              data-testid="conflict-keep-current"
            >
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
