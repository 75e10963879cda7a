import type { StaffChanges, StaffCreatePayload, StaffMember, StaffMutationMessage } from '@staff-sync/protocol';
import { fieldLabel, formatValue } from '../form/format-value.ts';
import type { Messages } from '../i18n/ja.ts';

/** A change the server refused: enough to say what was lost and to make it again. */
export type LostChange =
  | { type: 'STAFF_CREATE'; fields: Omit<StaffCreatePayload, 'id'> }
  | { type: 'STAFF_UPDATE'; staffId: string; changes: StaffChanges }
  | { type: 'STAFF_DELETE'; staffId: string };

/** The lost change a refused mutation stands for (a change re-sent after a reload has only this). */
export function lostChangeOf(message: StaffMutationMessage): LostChange {
  switch (message.type) {
    case 'STAFF_CREATE': {
      const { id: _id, ...fields } = message.payload;
      return { type: 'STAFF_CREATE', fields };
    }
    case 'STAFF_UPDATE':
      return { type: 'STAFF_UPDATE', staffId: message.payload.staffId, changes: message.payload.changes };
    case 'STAFF_DELETE':
      return { type: 'STAFF_DELETE', staffId: message.payload.staffId };
  }
}

/** The member a lost change is about, as the screen holds it now (undefined for a new or deleted one). */
export function memberOf(lost: LostChange, members: readonly StaffMember[]): StaffMember | undefined {
  return lost.type === 'STAFF_CREATE' ? undefined : members.find((m) => m.id === lost.staffId);
}

/** "鈴木 一郎の変更（職位: 副店長）は保存されていません": the member by name, and the values lost. */
export function describeLost(messages: Messages, lost: LostChange, members: readonly StaffMember[]): string {
  if (lost.type === 'STAFF_CREATE') return messages.toast.lostAdd(lost.fields.name);
  const name =
    memberOf(lost, members)?.name ?? (lost.type === 'STAFF_UPDATE' ? lost.changes.name : undefined) ?? messages.unknownMember;
  if (lost.type === 'STAFF_DELETE') return messages.toast.lostDelete(name);
  const values = Object.entries(lost.changes)
    .map(([field, value]) => messages.remoteChange(fieldLabel(messages, field), formatValue(messages, field, value)))
    .join(messages.listSeparator);
  return messages.toast.lostUpdate(name, values);
}
