import { membersInPeriod, useStaffManagement } from '@staff-sync/react';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { ConflictDialog } from './components/conflict-dialog.tsx';
import { ConnectionIndicator } from './components/connection-indicator.tsx';
import { LanguageSwitch } from './components/language-switch.tsx';
import { PeriodSelector } from './components/period-selector.tsx';
import { SampleOffer } from './components/schedule/sample-offer.tsx';
import { ScheduleScreen } from './components/schedule/schedule-screen.tsx';
import { type Selection, StaffEditModal } from './components/staff-edit-modal.tsx';
import { useToasts } from './components/toasts.tsx';
import { useMessages } from './i18n/i18n.tsx';
import { currentPeriodIndex } from './staff/current-period.ts';
import { useStaffActions } from './staff/use-staff-actions.ts';
import { useUnsentWarning } from './staff/use-unsent-warning.ts';

/**
 * The main screen: the period's shift schedule, with StaffEditModal from its toolbar. One hook call
 * holds the roster (every active member, from the client's one store); the grid's rows and the
 * modal's list are derived from it on each render.
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

  // Presence: others see which member this person has open in the modal, and when they leave it;
  // with the modal closed, the schedule cell this person is on.
  const editingId = modalOpen && selection.kind === 'member' ? selection.staffId : null;
  const [activeCell, setActiveCell] = useState<{ staffId: string; dateKey: string } | null>(null);
  const onActiveCell = useCallback(
    (staffId: string | null, dateKey: string | null) => setActiveCell(staffId && dateKey ? { staffId, dateKey } : null),
    [],
  );
  useEffect(() => {
    if (modalOpen) setEditing(editingId);
    else setEditing(activeCell?.staffId ?? null, activeCell?.dateKey ?? null);
  }, [setEditing, modalOpen, editingId, activeCell?.staffId, activeCell?.dateKey]);

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
      <main className="app-main schedule-main">
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
        {staff.isLoading ? null : staffMembers.length === 0 ? (
          <>
            <p className="empty" data-testid="staff-empty">
              {messages.emptyPeriod}
            </p>
            <SampleOffer />
          </>
        ) : period ? (
          <ScheduleScreen
            // Another period is another grid: its selection and undo history start afresh.
            key={period.index}
            members={inPeriod}
            period={period}
            editors={editors}
            onEdit={(staffId) => openModal({ kind: 'member', staffId })}
            onActiveCell={onActiveCell}
          />
        ) : null}
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
