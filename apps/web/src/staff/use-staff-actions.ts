import type { StaffChanges, StaffMember } from '@staff-sync/protocol';
import { type StaffManagement, type StaffSyncError, useStaffSyncClient, uuid } from '@staff-sync/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useToasts } from '../components/toasts.tsx';
import { contestedFields } from '../form/conflict-resolution.ts';
import type { FormFields } from '../form/staff-draft.ts';
import { useMessages } from '../i18n/i18n.tsx';
import type { Messages } from '../i18n/ja.ts';

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
  update: (base: StaffMember, changes: StaffChanges) => void;
  remove: (member: StaffMember, baseVersion: number) => void;
  /** The oldest conflict the person has not decided yet. */
  conflict: StaffSyncError | undefined;
  resolve: (current: StaffMember, changes: StaffChanges) => void;
  keepCurrent: (current: StaffMember) => void;
}

/**
 * The hooks' mutations with what the person sees of their outcome: a toast when the server
 * confirmed (also long after, when the change waited for a reconnect), a toast with the reason
 * when it refused, and for CONFLICT a dialog to decide. Nothing is awaited by the form: the
 * change shows at once from the store. Changes a closed tab left unsent, which this tab's client
 * delivers (`adopted`), get the same: a toast, and the dialog for a conflict.
 */
export function useStaffActions(staff: Pick<StaffManagement, 'addStaff' | 'updateStaff' | 'deleteStaff'>): StaffActions {
  const toasts = useToasts();
  const messages = useMessages();
  // Outcomes arrive later; they speak the language of that moment.
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const [conflicts, setConflicts] = useState<StaffSyncError[]>([]);
  const { addStaff, updateStaff, deleteStaff } = staff;

  const failed = useCallback(
    (error: unknown, text: (reason: string) => string) => {
      const e = error as StaffSyncError;
      if (e?.code === 'CONFLICT' && e.conflict) {
        // Nothing to choose when the member already holds every value the person tried to save
        // (someone made the same change, or the user-choice strategy refused an equal one).
        if (contestedFields(e.conflict.attempted, e.conflict.current).length === 0) {
          toasts.show('success', messagesRef.current.toast.updated(e.conflict.current.name));
          return;
        }
        setConflicts((list) => [...list, e]);
        return;
      }
      toasts.show('error', text(reasonOf(messagesRef.current, error)));
    },
    [toasts],
  );

  const client = useStaffSyncClient();
  useEffect(
    () =>
      client.on('adopted', (report) => {
        if (report.delivered > 0) toasts.show('success', messagesRef.current.toast.closedTabSent(report.delivered));
        for (const error of report.refused) failed(error, messagesRef.current.toast.closedTabFailed);
      }),
    [client, toasts, failed],
  );

  const update = useCallback(
    (base: StaffMember, changes: StaffChanges) => {
      const name = changes.name ?? base.name;
      updateStaff(base.id, changes, { baseVersion: base.version }).then(
        () => toasts.show('success', messagesRef.current.toast.updated(name)),
        (error: unknown) => failed(error, messagesRef.current.toast.updateFailed),
      );
    },
    [updateStaff, toasts, failed],
  );

  return useMemo(
    () => ({
      add: (fields: FormFields) => {
        // Made here so the modal can select the new member before the server answers.
        const id = uuid();
        addStaff({ ...fields, id }).then(
          () => toasts.show('success', messagesRef.current.toast.added(fields.name)),
          (error: unknown) => failed(error, messagesRef.current.toast.addFailed),
        );
        return id;
      },
      update,
      remove: (member: StaffMember, baseVersion: number) => {
        deleteStaff(member.id, { baseVersion }).then(
          () => toasts.show('success', messagesRef.current.toast.deleted(member.name)),
          (error: unknown) => failed(error, messagesRef.current.toast.deleteFailed),
        );
      },
      conflict: conflicts[0],
      resolve: (current: StaffMember, changes: StaffChanges) => {
        setConflicts((list) => list.slice(1));
        if (Object.keys(changes).length === 0) {
          toasts.show('info', messagesRef.current.toast.keptCurrent(current.name));
          return;
        }
        update(current, changes);
      },
      keepCurrent: (current: StaffMember) => {
        setConflicts((list) => list.slice(1));
        toasts.show('info', messagesRef.current.toast.keptCurrent(current.name));
      },
    }),
    [addStaff, deleteStaff, update, conflicts, toasts, failed],
  );
}
