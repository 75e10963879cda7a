import { isInPeriod, type Period, type PresenceEntry, type StaffChanges, type StaffMember } from '@staff-sync/protocol';
import { type ReactNode, useId, useState } from 'react';
import type { FormFields } from '../form/staff-draft.ts';
import { useMessages } from '../i18n/i18n.tsx';
import type { MemberSignal } from '../staff/member-signal.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { Dialog } from './dialog.tsx';
import { EditingBadge } from './editing-badge.tsx';
import { StaffForm } from './staff-form.tsx';
import { StatusBadge } from './status-badge.tsx';

/** Which member the modal shows: one by id, a new one, or none yet. */
export type Selection = { kind: 'member'; staffId: string } | { kind: 'new' } | { kind: 'none' };

export interface StaffEditModalProps {
  open: boolean;
  selection: Selection;
  onSelect: (selection: Selection) => void;
  onClose: () => void;
  /** Every active member (the hooks' store), in display order. */
  members: readonly StaffMember[];
  period: Period | undefined;
  periods: readonly Period[];
  editors: readonly PresenceEntry[];
  pendingCount: number;
  decided: MemberSignal;
  onAdd: (fields: FormFields) => string;
  onUpdate: (base: StaffMember, changes: StaffChanges) => void;
  onNothingChanged: () => void;
  onDelete: (member: StaffMember, baseVersion: number) => void;
}

/**
 * StaffEditModal, titled スタッフ管理: every member on the left (members outside the selected period
 * dimmed with 期間外), the form on the right. The list is the store's; the form keeps its own draft.
 */
export function StaffEditModal(props: StaffEditModalProps): ReactNode {
  const messages = useMessages();
  const titleId = useId();
  const [deleting, setDeleting] = useState<{ member: StaffMember; baseVersion: number } | null>(null);
  const { selection } = props;
  const selectedId = selection.kind === 'member' ? selection.staffId : undefined;
  const live = selectedId ? props.members.find((m) => m.id === selectedId) : undefined;

  return (
    <Dialog open={props.open} onClose={props.onClose} labelledBy={titleId} className="staff-modal" testId="staff-modal">
      <header className="modal-header">
        <h2 id={titleId}>{messages.modalTitle}</h2>
        <button type="button" className="close" aria-label={messages.close} onClick={props.onClose} data-testid="modal-close">
          ×
        </button>
      </header>
      <div className="modal-body">
        <nav className="modal-list" aria-label={messages.staffListLabel}>
          <button
            type="button"
            className="add-new"
            aria-pressed={selection.kind === 'new'}
            onClick={() => props.onSelect({ kind: 'new' })}
            data-testid="add-staff-button"
          >
            + {messages.addNew}
          </button>
          <ul data-testid="modal-staff-list">
            {props.members.map((member) => {
              const outside = props.period !== undefined && !isInPeriod(member, props.period);
              return (
                <li key={member.id}>
                  <button
                    type="button"
                    className={`modal-member${outside ? ' outside' : ''}`}
                    aria-current={member.id === selectedId ? 'true' : undefined}
                    onClick={() => props.onSelect({ kind: 'member', staffId: member.id })}
                    data-testid={`edit-staff-${member.name}`}
                    data-staff-id={member.id}
                    data-outside={outside ? 'true' : undefined}
                  >
                    <span className="modal-member-name" data-testid="modal-staff-name">
                      {member.name}
                    </span>
                    <span className="modal-member-position">{member.position}</span>
                    <span className="modal-member-badges">
                      <StatusBadge status={member.status} />
                      {outside ? (
                        <span className="badge outside" data-testid="out-of-period">
                          {messages.outOfPeriod}
                        </span>
                      ) : null}
                      <EditingBadge editors={props.editors} staffId={member.id} />
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        <section className="modal-form">
          {selection.kind === 'none' ? (
            <p className="select-prompt">{messages.selectPrompt}</p>
          ) : (
            <StaffForm
              // A new form for each member: the draft belongs to one edit.
              key={selection.kind === 'new' ? 'new' : selection.staffId}
              live={live}
              mode={selection.kind === 'new' ? 'new' : 'edit'}
              periods={props.periods}
              editors={props.editors}
              pendingCount={props.pendingCount}
              decided={props.decided}
              onAdd={(fields) => props.onSelect({ kind: 'member', staffId: props.onAdd(fields) })}
              onUpdate={props.onUpdate}
              onNothingChanged={props.onNothingChanged}
              onDelete={(member, baseVersion) => setDeleting({ member, baseVersion })}
              onCancel={props.onClose}
            />
          )}
        </section>
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title={messages.confirmDeleteTitle}
        text={deleting ? messages.confirmDelete(deleting.member.name) : ''}
        confirmLabel={messages.delete}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) props.onDelete(deleting.member, deleting.baseVersion);
          setDeleting(null);
          props.onSelect({ kind: 'none' });
        }}
      />
    </Dialog>
  );
}
