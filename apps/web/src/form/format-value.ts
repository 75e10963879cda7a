import type { StaffMember, YMD } from '@staff-sync/protocol';
import type { Messages } from '../i18n/ja.ts';
import type { FormField } from './staff-draft.ts';

/** A member field's value as the person reads it, in the current language. */
export function formatValue(messages: Messages, field: FormField | string, value: unknown): string {
  if (value === null || value === undefined || value === '') return messages.none;
  if (field === 'startPeriod' || field === 'endPeriod') {
    const ymd = value as YMD;
    return messages.ymd(ymd.year, ymd.month, ymd.day);
  }
  if (field === 'department') return messages.departments[value as StaffMember['department']] ?? String(value);
  if (field === 'status') return messages.statuses[value as StaffMember['status']] ?? String(value);
  return String(value);
}

/** A field's label, for fields the form knows, else the field's own name. */
export function fieldLabel(messages: Messages, field: string): string {
  return (messages.fields as Record<string, string>)[field] ?? field;
}
