import { NAME_MAX, POSITION_MAX } from '@staff-sync/protocol';
import type { Messages } from './ja.ts';
import { scheduleEn } from './schedule-en.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthOf = (date: string) => MONTHS[Number(date.slice(5, 7)) - 1] ?? date;

/** Every string of the app in English, by the same keys as `ja.ts`. */
export const en: Messages = {
  lang: 'en',
  appTitle: 'Shift schedule',
  switchLanguage: '日本語',
  switchLanguageLabel: '日本語に切り替え',
  you: (name) => `You: ${name}`,

  period: 'Period',
  periodGroup: (year) => String(year),
  // The server's labels are Japanese month pairs (1月・2月); English names the months by the dates.
  periodOption: (_label, start, end) => `${monthOf(start)}–${monthOf(end)}`,

  connection: {
    connecting: 'Connecting',
    connected: 'Connected',
    reconnecting: 'Reconnecting',
    disconnected: 'Offline',
  },
  viaHttp: 'via HTTP',
  pending: (count) => `${count} unsent`,
  unsavedWarning: 'Some changes have not been sent yet.',

  loading: 'Loading…',
  staffCount: (count) => `${count} ${count === 1 ? 'person' : 'people'}`,
  emptyPeriod: 'No staff in this period',
  openManager: 'Open staff management',
  edit: 'Edit',
  editMember: (name) => `Edit ${name}`,
  staffListLabel: 'Staff',

  modalTitle: 'Staff management',
  close: 'Close',
  addNew: 'Add new',
  outOfPeriod: 'Out of period',
  formAddTitle: 'Add staff member',
  formEditTitle: 'Edit staff member',
  selectPrompt: 'Pick a staff member on the left, or press Add new',

  fields: {
    name: 'Name',
    position: 'Position',
    department: 'Department',
    status: 'Employment type',
    startPeriod: 'Start period',
    endPeriod: 'End period',
  },
  requiredMark: '*',
  year: 'Year',
  month: 'Month',
  day: 'Day',
  unset: 'Not set',
  ymd: (year, month, day) => `${MONTHS[month - 1]}${day === undefined ? '' : ` ${day}`} ${year}`,
  none: '(none)',

  departments: { 調理: 'Kitchen', ホール: 'Floor', 管理: 'Management' },
  statuses: { 社員: 'Employee', 派遣: 'Agency', パート: 'Part-time' },

  cancel: 'Cancel',
  delete: 'Delete',
  add: 'Add',
  update: 'Update',
  confirm: 'Yes',
  confirmDeleteTitle: 'Delete staff member',
  confirmDelete: (name) => `Really delete ${name}?`,

  errors: {
    nameRequired: 'Enter a name',
    nameTooLong: `A name has at most ${NAME_MAX} characters`,
    positionRequired: 'Enter a position',
    positionTooLong: `A position has at most ${POSITION_MAX} characters`,
    yearRequired: 'Choose a year',
    monthRequired: 'Choose a month',
    invalidDay: 'That month has no such day',
    endBeforeStart: 'The end period must not be before the start period',
  },

  toast: {
    added: (name) => `Added ${name}`,
    updated: (name) => `Updated ${name}`,
    deleted: (name) => `Deleted ${name}`,
    addFailed: (reason) => `Could not add the staff member: ${reason}`,
    updateFailed: (reason) => `Could not update the staff member: ${reason}`,
    deleteFailed: (reason) => `Could not delete the staff member: ${reason}`,
    noChanges: 'Nothing changed',
    keptCurrent: (name) => `${name} stays as it is now`,
    closedTabSent: (count) => `Sent ${count} ${count === 1 ? 'change' : 'changes'} a closed tab left unsent`,
    closedTabFailed: (reason) => `Could not send a change a closed tab left: ${reason}`,
    lostUpdate: (name, values) => `The change to ${name} (${values}) was not saved`,
    lostAdd: (name) => `Adding ${name} was not saved`,
    lostDelete: (name) => `Deleting ${name} was not saved`,
    reapply: 'Apply again',
    autoResolved: (name, decided) => `The conflict on ${name} was resolved automatically (${decided})`,
    decidedField: (field, kept) => `${field}: ${kept}`,
    kept: { mine: 'your value', theirs: 'the current value', merged: 'merged' },
    undo: 'Use my value',
    dismiss: 'Dismiss',
  },
  listSeparator: ', ',
  unknownMember: '(a deleted staff member)',
  reasons: {
    VALIDATION_FAILED: 'the input is not valid',
    NOT_FOUND: 'the staff member does not exist (it may have been deleted)',
    FORBIDDEN: 'you may not change staff',
    UNAUTHORIZED: 'sign-in is needed',
    RATE_LIMITED: 'too many changes at once; try again shortly',
    OUTBOX_FULL: 'too many unsent changes; wait until the connection is back',
    CLOSED: 'the page was closed',
    GAVE_UP: 'the server cannot be reached',
    INTERNAL: 'the server had an error',
  },

  presence: (names) => `${names.join(', ')} editing`,
  remoteChanged: 'Someone else changed this staff member while you edit:',
  remoteChange: (field, value) => `${field}: ${value}`,
  applyRemote: 'Take the latest values',
  remoteDeleted: 'Someone else deleted this staff member',

  conflict: {
    title: 'Your change collided with another',
    intro: (name) => `${name} was changed by someone else while you edited. Choose which value to keep for each field.`,
    field: 'Field',
    mine: 'Yours',
    current: 'Current',
    changedByOthers: 'conflict',
    save: 'Save the chosen values',
    keepCurrent: 'Keep the current values',
    merged: 'Merged',
    suggested: 'suggested',
    confidence: (percent) => `confidence ${percent}%`,
  },

  schedule: scheduleEn,
};
