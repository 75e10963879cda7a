import {
  DEFAULT_DEPARTMENT,
  DEFAULT_POSITION,
  DEFAULT_STATUS,
  type Department,
  type EmploymentStatus,
  effectiveChanges,
  isPeriodOrderValid,
  isValidYmd,
  NAME_MAX,
  POSITION_MAX,
  type StaffChanges,
  type StaffMember,
  type YMD,
} from '@staff-sync/protocol';
import type { Messages } from '../i18n/ja.ts';

/** A year/month/day choice as the selects hold it: '' is "not set". */
export interface YmdDraft {
  year: string;
  month: string;
  day: string;
}

/** What the form holds while the person types: the fields of StaffEditModal, as input values. */
export interface StaffDraft {
  name: string;
  position: string;
  department: Department;
  status: EmploymentStatus;
  startPeriod: YmdDraft;
  endPeriod: YmdDraft;
}

/** The member fields the form edits. */
const FORM_FIELDS = ['name', 'position', 'department', 'status', 'startPeriod', 'endPeriod'] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FormFields = Pick<StaffMember, FormField>;

type DraftError = keyof Messages['errors'];
export type DraftErrors = Partial<Record<FormField, DraftError>>;

const ymdDraftOf = (ymd: YMD | null): YmdDraft =>
  ymd ? { year: String(ymd.year), month: String(ymd.month), day: ymd.day === undefined ? '' : String(ymd.day) } : emptyYmd();

export const emptyYmd = (): YmdDraft => ({ year: '', month: '', day: '' });

/** The form's values for a member, or for a new one. */
export function draftOf(member: FormFields | undefined): StaffDraft {
  return {
    name: member?.name ?? '',
    position: member?.position ?? DEFAULT_POSITION,
    department: member?.department ?? DEFAULT_DEPARTMENT,
    status: member?.status ?? DEFAULT_STATUS,
    startPeriod: ymdDraftOf(member?.startPeriod ?? null),
    endPeriod: ymdDraftOf(member?.endPeriod ?? null),
  };
}

/** A YMD from the selects; an error when only part of it is chosen or the day does not exist. */
function ymdOf(draft: YmdDraft): { value: YMD | null } | { error: DraftError } {
  if (!draft.year && !draft.month && !draft.day) return { value: null };
  if (!draft.year) return { error: 'yearRequired' };
  if (!draft.month) return { error: 'monthRequired' };
  const ymd: YMD = { year: Number(draft.year), month: Number(draft.month) };
  if (draft.day) ymd.day = Number(draft.day);
  return isValidYmd(ymd) ? { value: ymd } : { error: 'invalidDay' };
}

/**
 * Check the draft with the protocol's rules (lengths, existing days, end not before start) and
 * give the member fields it stands for, or the errors by field. Names are trimmed, as the server does.
 */
export function validateDraft(draft: StaffDraft): { ok: true; fields: FormFields } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = draft.name.trim();
  const position = draft.position.trim();
  if (!name) errors.name = 'nameRequired';
  else if ([...name].length > NAME_MAX) errors.name = 'nameTooLong';
  if (!position) errors.position = 'positionRequired';
  else if ([...position].length > POSITION_MAX) errors.position = 'positionTooLong';
  const start = ymdOf(draft.startPeriod);
  const end = ymdOf(draft.endPeriod);
  if ('error' in start) errors.startPeriod = start.error;
  if ('error' in end) errors.endPeriod = end.error;
  if ('value' in start && 'value' in end && !isPeriodOrderValid(start.value, end.value)) errors.endPeriod = 'endBeforeStart';
  if (Object.keys(errors).length > 0 || !('value' in start) || !('value' in end)) return { ok: false, errors };
  return {
    ok: true,
    fields: {
      name,
      position,
      department: draft.department,
      status: draft.status,
      startPeriod: start.value,
      endPeriod: end.value,
    },
  };
}

/** What the person changed, compared with the member as the edit began: only those fields are sent. */
export function changesFrom(base: StaffMember, fields: FormFields): StaffChanges {
  return effectiveChanges(base, fields);
}

/** The form fields someone else changed since `base` (the member as the edit began). */
export function changedSince(base: StaffMember, live: StaffMember): FormField[] {
  const changes = effectiveChanges(base, live);
  return FORM_FIELDS.filter((f) => f in changes);
}

const sameYmd = (a: YmdDraft, b: YmdDraft) => a.year === b.year && a.month === b.month && a.day === b.day;

/** True when the person changed this field of the draft since the edit began. */
function isTouched(draft: StaffDraft, base: StaffMember, field: FormField): boolean {
  const from = draftOf(base);
  if (field === 'startPeriod' || field === 'endPeriod') return !sameYmd(draft[field], from[field]);
  return draft[field] !== from[field];
}

/**
 * Take the latest member as the new starting point without losing what the person typed: fields
 * they changed keep their values, the others show the latest ones.
 */
export function rebase(draft: StaffDraft, base: StaffMember, live: StaffMember): StaffDraft {
  const next = draftOf(live);
  const out: StaffDraft = { ...next };
  for (const field of FORM_FIELDS) {
    if (isTouched(draft, base, field)) (out as unknown as Record<string, unknown>)[field] = draft[field];
  }
  return out;
}
