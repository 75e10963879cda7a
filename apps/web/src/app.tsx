import { membersInPeriod, useStaffManagement } from '@staff-sync/react';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { ConflictDialog } from './components/conflict-dialog.tsx';
import { ConnectionIndicator } from './components/connection-indicator.tsx';
import { LanguageSwitch } from './components/language-switch.tsx';
import { PeriodSelector } from './components/period-selector.tsx';
import { type Selection, StaffEditModal } from './components/staff-edit-modal.tsx';
import { StaffList } from './components/staff-list.tsx';
import { useToasts } from './components/toasts.tsx';
import { useMessages } from './i18n/i18n.tsx';
import { currentPeriodIndex } from './staff/current-period.ts';
import { useStaffActions } from './staff/use-staff-actions.ts';
import { useUnsentWarning } from './staff/use-unsent-warning.ts';

/**
 * The staff management screen. One hook call holds the roster (every active member, from the
 * client's one store); the period's list and the modal's list are derived from it on each render.
 */
export function App(props: { userName: string }): ReactNode {
  const messages = useMessages();
  const toasts = useToasts();
  const staff = useStaffManagement();
  const { staffMembers, periods, editors, setEditing } = staff;
  const [chosenPeriod, setChosenPeriod] = useState<number | undefined>(undefined);
  const periodIndex = chosenPeriod ?? currentPeriodIndex(periods);
  const period = periods.find((p) => p.index === periodIndex);
  const inPeriod = useMemo(() => membersInPeriod(staffMembers, periods, periodIndex), [staffMembers, periods, periodIndex]);
  const actions = useStaffActions(staff);
  const [modalOpen, setModalOpen] = useState(false);
  const [selection, setSelection] = useState<Selection>({ kind: 'none' });
  useUnsentWarning(staff.pendingCount);

  // Presence: others see which member this person has open in the modal, and when they leave it.
  const editingId = modalOpen && selection.kind === 'member' ? selection.staffId : null;
  useEffect(() => setEditing(editingId), [setEditing, editingId]);

  const openModal = (next: Selection) => {
    setSelection(next);
    setModalOpen(true);
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>{messages.appTitle}</h1>
        <PeriodSelector periods={periods} value={periodIndex} onChange={setChosenPeriod} />
        <div className="header-right">
          <ConnectionIndicator status={staff.connectionStatus} transport={staff.transport} pendingCount={staff.pendingCount} />
          <span className="user-name" data-testid="user-name">
            {messages.you(props.userName)}
          </span>
          <LanguageSwitch />
        </div>
      </header>
      <main className="app-main">
        <div className="toolbar">
          <p className="count" data-testid="staff-count">
            {staff.isLoading ? messages.loading : messages.staffCount(inPeriod.length)}
          </p>
          <button
            type="button"
            className="primary"
            onClick={() => openModal({ kind: 'none' })}
            data-testid="staff-management-button"
          >
            {messages.openManager}
          </button>
        </div>
        {staff.isLoading ? null : (
          <StaffList members={inPeriod} editors={editors} onEdit={(staffId) => openModal({ kind: 'member', staffId })} />
        )}
      </main>
      <StaffEditModal
        open={modalOpen}
        selection={selection}
        onSelect={setSelection}
        onClose={() => setModalOpen(false)}
        members={staffMembers}
        period={period}
        periods={periods}
        editors={editors}
        pendingCount={staff.pendingCount}
        decided={actions.decided}
        onAdd={actions.add}
        onUpdate={actions.update}
        onNothingChanged={() => toasts.show('info', messages.toast.noChanges)}
        onDelete={actions.remove}
      />
      <ConflictDialog error={actions.conflict} onResolve={actions.resolve} onKeepCurrent={actions.keepCurrent} />
    </div>
  );
}
