import { NAME_MAX, POSITION_MAX } from '@staff-sync/protocol';
import { scheduleJa } from './schedule-ja.ts';

/** Every string of the app in Japanese (the default). `en.ts` has the same keys. */
export const ja = {
  lang: 'ja',
  appTitle: 'シフト管理',
  switchLanguage: 'English',
  switchLanguageLabel: 'Switch to English',
  you: (name: string) => `あなた: ${name}`,

  period: '期間',
  periodGroup: (year: number) => `${year}年`,
  periodOption: (label: string, _start: string, _end: string) => label,

  connection: {
    connecting: '接続しています',
    connected: '接続中',
    reconnecting: '再接続中',
    disconnected: 'オフライン',
  },
  /** Beside 接続中 when the sync runs over the HTTP fallback (a proxy blocks WebSockets). */
  viaHttp: 'HTTP経由',
  pending: (count: number) => `未送信 ${count}件`,
  unsavedWarning: '送信されていない変更があります。',

  loading: '読み込み中…',
  staffCount: (count: number) => `${count}名`,
  emptyPeriod: 'この期間のスタッフはいません',
  openManager: 'スタッフ管理を開く',
  edit: '編集',
  editMember: (name: string) => `${name}を編集`,
  staffListLabel: 'スタッフ一覧',

  modalTitle: 'スタッフ管理',
  close: '閉じる',
  addNew: '新規追加',
  outOfPeriod: '期間外',
  formAddTitle: 'スタッフ追加',
  formEditTitle: 'スタッフ編集',
  selectPrompt: '左の一覧からスタッフを選ぶか、新規追加を押してください',

  fields: {
    name: '名前',
    position: '職位',
    department: '部門',
    status: '雇用形態',
    startPeriod: '開始期間',
    endPeriod: '終了期間',
  },
  requiredMark: '*',
  year: '年',
  month: '月',
  day: '日',
  unset: '未設定',
  ymd: (year: number, month: number, day?: number) => `${year}年${month}月${day === undefined ? '' : `${day}日`}`,
  none: '（なし）',

  departments: { 調理: '調理', ホール: 'ホール', 管理: '管理' },
  statuses: { 社員: '社員', 派遣: '派遣', パート: 'パート' },

  cancel: 'キャンセル',
  delete: '削除',
  add: '追加',
  update: '更新',
  confirm: 'はい',
  confirmDeleteTitle: 'スタッフの削除',
  confirmDelete: (name: string) => `本当に${name}を削除しますか？`,

  errors: {
    nameRequired: '名前を入力してください',
    nameTooLong: `名前は${NAME_MAX}文字以内で入力してください`,
    positionRequired: '職位を入力してください',
    positionTooLong: `職位は${POSITION_MAX}文字以内で入力してください`,
    yearRequired: '年を選択してください',
    monthRequired: '月を選択してください',
    invalidDay: 'その月にない日付です',
    endBeforeStart: '終了期間は開始期間より後にしてください',
  },

  toast: {
    added: (name: string) => `${name}を追加しました`,
    updated: (name: string) => `${name}を更新しました`,
    deleted: (name: string) => `${name}を削除しました`,
    addFailed: (reason: string) => `スタッフの追加に失敗しました: ${reason}`,
    updateFailed: (reason: string) => `スタッフの更新に失敗しました: ${reason}`,
    deleteFailed: (reason: string) => `スタッフの削除に失敗しました: ${reason}`,
    noChanges: '変更はありません',
    keptCurrent: (name: string) => `${name}は現在の内容のままです`,
    closedTabSent: (count: number) => `閉じたタブの未送信の変更を${count}件送信しました`,
    closedTabFailed: (reason: string) => `閉じたタブの変更を送信できませんでした: ${reason}`,
    /** Under a refusal: which member, and what was not saved. */
    lostUpdate: (name: string, values: string) => `${name}の変更（${values}）は保存されていません`,
    lostAdd: (name: string) => `${name}の追加は保存されていません`,
    lostDelete: (name: string) => `${name}の削除は保存されていません`,
    reapply: 'もう一度適用',
    /** A stale save the server resolved itself (strategy assisted): what it decided per field. */
    autoResolved: (name: string, decided: string) => `${name}の競合を自動で解決しました（${decided}）`,
    decidedField: (field: string, kept: string) => `${field}: ${kept}`,
    kept: { mine: 'あなたの値', theirs: '現在の値', merged: '統合した値' },
    undo: '自分の値に戻す',
    dismiss: '閉じる',
  },
  /** Between the items of a list in running text. */
  listSeparator: '、',
  /** A member the screen no longer holds (deleted meanwhile). */
  unknownMember: '（削除されたスタッフ）',
  /** Why a change failed, by the error's code; the server's own message for anything else. */
  reasons: {
    VALIDATION_FAILED: '入力内容が正しくありません',
    NOT_FOUND: 'スタッフが見つかりません（削除された可能性があります）',
    FORBIDDEN: '変更する権限がありません',
    UNAUTHORIZED: 'サインインが必要です',
    RATE_LIMITED: '操作が多すぎます。しばらくしてからやり直してください',
    OUTBOX_FULL: '未送信の変更が多すぎます。接続が戻るまでお待ちください',
    CLOSED: '画面が閉じられました',
    GAVE_UP: 'サーバーに接続できません',
    INTERNAL: 'サーバーでエラーが発生しました',
  } as Record<string, string>,

  presence: (names: readonly string[]) => `${names.join('、')}が編集中`,
  remoteChanged: '編集中に他の人がこのスタッフを変更しました:',
  remoteChange: (field: string, value: string) => `${field}: ${value}`,
  applyRemote: '最新の内容を反映',
  remoteDeleted: 'このスタッフは他の人によって削除されました',

  conflict: {
    title: '変更が競合しました',
    intro: (name: string) => `${name}は、編集中に他の人によって変更されました。項目ごとに残す値を選んでください。`,
    field: '項目',
    mine: 'あなたの値',
    current: '現在の値',
    changedByOthers: '競合',
    save: '選択した内容で保存',
    keepCurrent: '現在の値のままにする',
    merged: '統合した値',
    suggested: 'おすすめ',
    confidence: (percent: number) => `確からしさ ${percent}%`,
  },

  schedule: scheduleJa,
};

export type Messages = typeof ja;
