import {
  applyChanges,
  DEPARTMENTS,
  type Period,
  type PresenceEntry,
  STATUSES,
  type StaffChanges,
  type StaffMember,
} from '@staff-sync/protocol';
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { fieldLabel, formatValue } from '../form/format-value.ts';
import {
  changedSince,
  changesFrom,
  type DraftErrors,
  draftOf,
  type FormFields,
  rebase,
  type StaffDraft,
  validateDraft,
} from '../form/staff-draft.ts';
import { useMessages } from '../i18n/i18n.tsx';
import type { MemberSignal } from '../staff/member-signal.ts';
import { EditingBadge } from './editing-badge.tsx';
import { PeriodField } from './period-field.tsx';

export interface StaffFormProps {
  /** The member as the store shows it now (undefined for a new one, or once it is gone). */
  live: StaffMember | undefined;
  mode: 'new' | 'edit';
  periods: readonly Period[];
  editors: readonly PresenceEntry[];
  /** Changes of this browser not yet answered by the server (all members). */
  pendingCount: number;
  /** Says when this member was decided elsewhere (a refusal, the conflict dialog, もう一度適用). */
  decided: MemberSignal;
  onAdd: (fields: FormFields) => void;
  /** `base` is the member as this edit began: its version goes with the change. */
  onUpdate: (base: StaffMember, changes: StaffChanges) => void;
  onNothingChanged: () => void;
  onDelete: (member: StaffMember, baseVersion: number) => void;
  onCancel: () => void;
}

/**
 * The right side of StaffEditModal. It edits a local draft that nothing but the person changes:
 * a change by someone else never moves what they type; it is listed above the form, and
 * "最新の内容を反映" takes it in for the fields they did not touch. Saving sends only the fields the
 * person changed, with the version the edit started from, so the server's strategy decides.
 */
export function StaffForm(props: StaffFormProps): ReactNode {
  const messages = useMessages();
  const { live, mode } = props;
  // Fixed when the form opens (or is rebased): what "changed by the person" and "by others" mean.
  const [base, setBase] = useState<StaffMember | undefined>(live);
  const [draft, setDraft] = useState<StaffDraft>(() => draftOf(live));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [checked, setChecked] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const ids = { name: useId(), position: useId(), department: useId(), status: useId(), title: useId() };

  const [adoptLive, setAdoptLive] = useState(false);
  const staffId = live?.id ?? base?.id;
  useEffect(() => (staffId ? props.decided.subscribe(staffId, () => setAdoptLive(true)) : undefined), [props.decided, staffId]);

  if (mode === 'edit' && base && live) {
    if (adoptLive) {
      // Decided elsewhere: the store's member is the truth now (after a refusal, the server's
      // value; after the dialog's choice, that). What the person typed since stays.
      setAdoptLive(false);
      setDraft(rebase(draft, base, live));
      setBase(live);
    } else if (live.version > base.version && props.pendingCount === 0 && changedSince(base, live).length === 0) {
      // The member is what the form holds, at a newer version (typically its own ACKed save):
      // that version becomes the base, so the next save starts from it (docs/web.md).
      setBase(live);
    }
  }

  const remote = mode === 'edit' && base && live ? changedSince(base, live) : [];
  const goneRemotely = mode === 'edit' && base !== undefined && live === undefined;

  const update = (next: StaffDraft) => {
    setDraft(next);
    // After a refused submit, errors follow the typing so a fixed field clears at once.
    if (checked) {
      const result = validateDraft(next);
      setErrors(result.ok ? {} : result.errors);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    const result = validateDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      // Focus the first field in error, so keyboard and screen-reader users land on it.
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setErrors({});
    if (mode === 'new' || !base) {
      props.onAdd(result.fields);
      return;
    }
    const changes = changesFrom(base, result.fields);
    if (Object.keys(changes).length === 0) {
      props.onNothingChanged();
      return;
    }
    props.onUpdate(base, changes);
    // What the person saved is now what they have seen; the version stays the one they began from.
    const saved = applyChanges(base, changes);
    setBase(saved);
    setDraft(draftOf(saved));
    setChecked(false);
  };

  const takeLatest = () => {
    if (!base || !live) return;
    setDraft(rebase(draft, base, live));
    setBase(live);
  };

  const error = (field: keyof DraftErrors) => (errors[field] ? messages.errors[errors[field]] : undefined);
  const describedBy = (field: keyof DraftErrors, id: string) => (errors[field] ? `${id}-error` : undefined);

  /** The two required text fields, name and position, alike but for their key. */
  const textField = (field: 'name' | 'position') => (
    <div className="field">
      <label htmlFor={ids[field]}>
        {messages.fields[field]}
        <span className="required">{messages.requiredMark}</span>
      </label>
      <input
        id={ids[field]}
        // The name input carries the test id the plan's own E2E test fills (docs/web.md, "Test ids").
        data-testid={field === 'name' ? 'staff-name' : `input-${field}`}
        value={draft[field]}
        autoComplete="off"
        aria-required="true"
        aria-invalid={errors[field] ? true : undefined}
        aria-describedby={describedBy(field, ids[field])}
        onChange={(event) => update({ ...draft, [field]: event.target.value })}
      />
      {errors[field] ? (
        <p id={`${ids[field]}-error`} className="field-error" role="alert" data-testid={`error-${field}`}>
          {error(field)}
        </p>
      ) : null}
    </div>
  );

  return (
    <form ref={formRef} className="staff-form" onSubmit={submit} noValidate aria-labelledby={ids.title} data-testid="staff-form">
      <h3 id={ids.title} data-testid="form-title">
        {mode === 'new' ? messages.formAddTitle : messages.formEditTitle}
      </h3>
      {live ? <EditingBadge editors={props.editors} staffId={live.id} /> : null}

      {remote.length > 0 ? (
        <div className="notice" role="status" data-testid="remote-change">
          <p>{messages.remoteChanged}</p>
          <ul>
            {remote.map((field) => (
              <li key={field} data-testid={`remote-change-${field}`}>
                {messages.remoteChange(fieldLabel(messages, field), formatValue(messages, field, live?.[field]))}
              </li>
            ))}
          </ul>
          <button type="button" onClick={takeLatest} data-testid="apply-remote">
            {messages.applyRemote}
          </button>
        </div>
      ) : null}
      {goneRemotely ? (
        <p className="notice" role="alert" data-testid="remote-deleted">
          {messages.remoteDeleted}
        </p>
      ) : null}

      {textField('name')}
      {textField('position')}

      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.department}>
            {messages.fields.department}
            <span className="required">{messages.requiredMark}</span>
          </label>
          <select
            id={ids.department}
            data-testid="input-department"
            value={draft.department}
            onChange={(event) => update({ ...draft, department: event.target.value as StaffDraft['department'] })}
          >
            {DEPARTMENTS.map((d) => (
              <option key={d} value={d}>
                {messages.departments[d]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.status}>
            {messages.fields.status}
            <span className="required">{messages.requiredMark}</span>
          </label>
          <select
            id={ids.status}
            data-testid="input-status"
            value={draft.status}
            onChange={(event) => update({ ...draft, status: event.target.value as StaffDraft['status'] })}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {messages.statuses[s]}
              </option>
            ))}
          </select>
        </div>
      </div>

      <PeriodField
        legend={messages.fields.startPeriod}
        testId="start"
        value={draft.startPeriod}
        periods={props.periods}
        error={error('startPeriod')}
        onChange={(startPeriod) => update({ ...draft, startPeriod })}
      />
      <PeriodField
        legend={messages.fields.endPeriod}
        testId="end"
        value={draft.endPeriod}
        periods={props.periods}
        error={error('endPeriod')}
        onChange={(endPeriod) => update({ ...draft, endPeriod })}
      />

      <div className="actions">
        <button type="button" onClick={props.onCancel} data-testid="cancel">
          {messages.cancel}
        </button>
        {mode === 'edit' && base && live ? (
          <button type="button" className="danger" onClick={() => props.onDelete(live, base.version)} data-testid="delete">
            {messages.delete}
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={goneRemotely} data-testid="save-button">
          {mode === 'new' ? messages.add : messages.update}
        </button>
      </div>
    </form>
  );
}
