import { isStaffMutation, type Resolves, type StaffChanges, type StaffMember } from '@staff-sync/protocol';
import { type StaffManagement, type StaffSyncError, useStaffSyncClient, uuid } from '@staff-sync/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useToasts } from '../components/toasts.tsx';
import { contestedFields, currentValues, undoOf } from '../form/conflict-resolution.ts';
import { fieldLabel } from '../form/format-value.ts';
import type { FormFields } from '../form/staff-draft.ts';
import { useMessages } from '../i18n/i18n.tsx';
import type { Messages } from '../i18n/ja.ts';
import { describeLost, type LostChange, lostChangeOf, memberOf } from './lost-change.ts';
import { MemberSignal } from './member-signal.ts';

/** Why a change failed, in the person's language: by code, else the server's own message. */
export function reasonOf(messages: Messages, error: unknown): string {
  const e = error as Partial<StaffSyncError> | undefined;
  const known = e?.code ? messages.reasons[e.code] : undefined;
  const detail = e?.fields ? Object.values(e.fields).join(', ') : undefined;
  if (known) return detail ? `${known} (${detail})` : known;
  return e?.message ?? String(error);
}

export interface StaffActions {
  add: (fields: FormFields) => string;
  /** The form's own save; `base` is the member as the edit began (its version goes along). */
  update: (base: StaffMember, changes: StaffChanges) => void;
  remove: (member: StaffMember, baseVersion: number) => void;
  /** The oldest conflict the person has not decided yet. */
  conflict: StaffSyncError | undefined;
  resolve: (current: StaffMember, changes: StaffChanges, resolves?: Resolves) => void;
  keepCurrent: (current: StaffMember, resolves?: Resolves) => void;
  /** A member decided outside its form (a refusal, the dialog, もう一度適用): the open form rebases. */
  decided: MemberSignal;
}

type Staff = Pick<StaffManagement, 'addStaff' | 'updateStaff' | 'deleteStaff' | 'staffMembers'>;

/**
 * The hooks' mutations with what the person sees of their outcome, whichever page of theirs is
 * open when it comes: a toast when the server confirmed (also long after, when the change waited
 * for a reconnect); for CONFLICT the dialog to decide; for any other refusal a toast with the
 * reason, the member and the values lost, and もう一度適用. A change made in this page is
 * reported through its promise; one re-sent from the outbox after a reload, or left by a closed
 * tab, through the client's `conflict`/`error` events (origin `outbox` or `closed-tab`): each once.
 */
export function useStaffActions(staff: Staff): StaffActions {
  const toasts = useToasts();
  const messages = useMessages();
  // Outcomes arrive later; they speak the language, and see the members, of that moment.
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const membersRef = useRef(staff.staffMembers);
  membersRef.current = staff.staffMembers;
  const [conflicts, setConflicts] = useState<StaffSyncError[]>([]);
  const decided = useMemo(() => new MemberSignal(), []);
  const { addStaff, updateStaff, deleteStaff } = staff;
  const client = useStaffSyncClient();
  // Reports a refusal (below); promises settle later, so they call whatever is current then.
  const refusedRef = useRef<(error: unknown, lost: LostChange, closedTab: boolean) => void>(() => {});

  /**
   * Save `changes` on top of `base`; `elsewhere`: not from the form, which must then rebase;
   * `resolves`: the conflict this save settles. A save the server resolved itself (strategy
   * assisted) gets a toast naming what it kept, with a way back to the person's own values.
   */
  const save = useCallback(
    (base: StaffMember, changes: StaffChanges, elsewhere: boolean, resolves?: Resolves) => {
      const name = changes.name ?? base.name;
      updateStaff(base.id, changes, { baseVersion: base.version, ...(resolves ? { resolves } : {}) }).then(
        (result) => {
          const m = messagesRef.current;
          if (!result.resolved) return toasts.show('success', m.toast.updated(name));
          const decidedText = Object.entries(result.resolved.basis)
            .map(([field, basis]) => m.toast.decidedField(fieldLabel(m, field), m.toast.kept[basis]))
            .join(m.listSeparator);
          const undo = undoOf(result.resolved, changes, result.sequenceNumber);
          const member = membersRef.current.find((s) => s.id === base.id);
          toasts.show('info', m.toast.autoResolved(member?.name ?? name, decidedText), {
            ...(undo
              ? {
                  action: {
                    label: m.toast.undo,
                    run: () => {
                      const now = membersRef.current.find((s) => s.id === base.id);
                      if (now)
                        saveRef.current(
                          { ...now, version: Math.max(now.version, result.version) },
                          undo.changes,
                          true,
                          undo.resolves,
                        );
                    },
                  },
                }
              : {}),
          });
          decided.emit(base.id);
        },
        (error: unknown) => refusedRef.current(error, { type: 'STAFF_UPDATE', staffId: base.id, changes }, false),
      );
      if (elsewhere) decided.emit(base.id);
    },
    [updateStaff, toasts, decided],
  );
  const saveRef = useRef(save);
  saveRef.current = save;

  const apply = useCallback(
    (lost: LostChange) => {
      const member = memberOf(lost, membersRef.current);
      if (lost.type === 'STAFF_CREATE') {
        const id = uuid();
        addStaff({ ...lost.fields, id }).then(
          () => toasts.show('success', messagesRef.current.toast.added(lost.fields.name)),
          (error: unknown) => refusedRef.current(error, lost, false),
        );
      } else if (lost.type === 'STAFF_UPDATE' && member) {
        save(member, lost.changes, true);
      } else if (lost.type === 'STAFF_UPDATE') {
        // Gone from the screen (deleted): the server says so again, in a toast of its own.
        updateStaff(lost.staffId, lost.changes).catch((error: unknown) => refusedRef.current(error, lost, false));
      } else {
        deleteStaff(lost.staffId, member ? { baseVersion: member.version } : {}).then(
          () => toasts.show('success', messagesRef.current.toast.deleted(member?.name ?? messagesRef.current.unknownMember)),
          (error: unknown) => refusedRef.current(error, lost, false),
        );
      }
    },
    [addStaff, updateStaff, deleteStaff, save, toasts],
  );

  /** A refused change, however it came: the dialog for a conflict, else a toast to apply it again. */
  const refused = (error: unknown, lost: LostChange, closedTab: boolean) => {
    const e = error as StaffSyncError;
    const m = messagesRef.current;
    if (lost.type !== 'STAFF_CREATE') decided.emit(lost.staffId);
    if (e?.code === 'CONFLICT' && e.conflict) {
      // Nothing to choose when the member already holds every value the person tried to save
      // (someone made the same change, or the user-choice strategy refused an equal one).
      if (contestedFields(e.conflict.attempted, e.conflict.current).length === 0) {
        toasts.show('success', m.toast.updated(e.conflict.current.name));
        return;
      }
      setConflicts((list) => [...list, e]);
      return;
    }
    const reason = reasonOf(m, error);
    const failed = { STAFF_CREATE: m.toast.addFailed, STAFF_UPDATE: m.toast.updateFailed, STAFF_DELETE: m.toast.deleteFailed };
    toasts.show('error', closedTab ? m.toast.closedTabFailed(reason) : failed[lost.type](reason), {
      detail: describeLost(m, lost, membersRef.current),
      action: { label: m.toast.reapply, run: () => apply(lost) },
    });
  };
  refusedRef.current = refused;

  useEffect(() => {
    // Only refusals no promise of this page hears of: a promise's own handler reports the rest.
    const unanswered = (error: StaffSyncError) => {
      // Schedule cells are the schedule screen's to report.
      if (error.origin === 'promise' || !error.mutation || !isStaffMutation(error.mutation)) return;
      refusedRef.current(error, lostChangeOf(error.mutation), error.origin === 'closed-tab');
    };
    const off = [
      client.on('conflict', unanswered),
      client.on('error', unanswered),
      client.on('adopted', (report) => {
        if (report.delivered > 0) toasts.show('success', messagesRef.current.toast.closedTabSent(report.delivered));
      }),
    ];
    return () => {
      for (const unsubscribe of off) unsubscribe();
    };
  }, [client, toasts]);

  /** Keep what is there; with `resolves`, tell the server so (the current values, written as nothing). */
  const keepCurrentAs = useCallback(
    (current: StaffMember, resolves?: Resolves) => {
      toasts.show('info', messagesRef.current.toast.keptCurrent(current.name));
      if (!resolves) return;
      const values = currentValues(current, Object.keys(resolves.choices));
      // Only a lesson for the server: a refusal changes nothing the person sees.
      updateStaff(current.id, values, { baseVersion: current.version, resolves }).catch(() => {});
    },
    [toasts, updateStaff],
  );

  return useMemo(
    () => ({
      add: (fields: FormFields) => {
        // Made here so the modal can select the new member before the server answers.
        const id = uuid();
        addStaff({ ...fields, id }).then(
          () => toasts.show('success', messagesRef.current.toast.added(fields.name)),
          (error: unknown) => refusedRef.current(error, { type: 'STAFF_CREATE', fields }, false),
        );
        return id;
      },
      update: (base: StaffMember, changes: StaffChanges) => save(base, changes, false),
      remove: (member: StaffMember, baseVersion: number) => {
        deleteStaff(member.id, { baseVersion }).then(
          () => toasts.show('success', messagesRef.current.toast.deleted(member.name)),
          (error: unknown) => refusedRef.current(error, { type: 'STAFF_DELETE', staffId: member.id }, false),
        );
      },
      conflict: conflicts[0],
      resolve: (current: StaffMember, changes: StaffChanges, resolves?: Resolves) => {
        setConflicts((list) => list.slice(1));
        if (Object.keys(changes).length === 0) {
          keepCurrentAs(current, resolves);
          return;
        }
        save(current, changes, true, resolves);
      },
      keepCurrent: (current: StaffMember, resolves?: Resolves) => {
        setConflicts((list) => list.slice(1));
        keepCurrentAs(current, resolves);
      },
      decided,
    }),
    [addStaff, deleteStaff, save, conflicts, toasts, decided, keepCurrentAs],
  );
}
