import { isDatabase } from './features.ts';
import type { Basis, Edit, FieldRule, Language } from './types.ts';

/**
 * The reason a person reads beside a suggestion (docs/assist.md, "Reasons"): who made the other
 * edit and when, then why this value: an objective rule, or the habit the model leaned on most.
 */

export interface FieldReason {
  field: string;
  basis: Basis;
  rule: FieldRule;
  /** For learned fields: the feature that pulled hardest toward the suggested side, and its value. */
  top?: { name: string; value: number };
}

export interface ReasonContext {
  language: Language;
  collection: string;
  theirs: Edit;
  /** Milliseconds since the epoch at which the reason is given. */
  now: number;
  fields: FieldReason[];
  /** Decisions this restaurant has recorded so far. */
  restaurantDecisions: number;
}

/** Below this many recorded decisions the reason says the suggestion follows all restaurants. */
const FEW_DECISIONS = 5;

const FIELD_LABELS: Record<Language, Record<string, string>> = {
  ja: {
    name: '名前',
    position: '役職',
    department: '部署',
    status: '雇用形態',
    color: '色',
    order: '表示順',
    startPeriod: '開始期間',
    endPeriod: '終了期間',
    isActive: '在籍状態',
    shift: 'シフト',
  },
  en: {
    name: 'name',
    position: 'position',
    department: 'department',
    status: 'employment type',
    color: 'colour',
    order: 'display order',
    startPeriod: 'start period',
    endPeriod: 'end period',
    isActive: 'active state',
    shift: 'shift',
  },
};

const ROLE_LABELS: Record<Language, Record<string, string>> = {
  ja: { manager: '店長', owner: 'オーナー', admin: '管理者', editor: '編集者', viewer: '閲覧者' },
  en: { manager: 'store manager', owner: 'owner', admin: 'administrator', editor: 'editor', viewer: 'viewer' },
};

const CELL_LABELS: Record<Language, Record<string, string>> = {
  ja: { off: '休み', working: '出勤', custom: '独自の値', cleared: '空欄' },
  en: { off: 'off', working: 'working', custom: 'a custom value', cleared: 'empty' },
};

function fieldLabel(language: Language, collection: string, field: string): string {
  if (collection === 'shift') return FIELD_LABELS[language].shift!;
  return FIELD_LABELS[language][field] ?? field;
}

function roleLabel(language: Language, role: string): string {
  return ROLE_LABELS[language][role] ?? role;
}

function who(language: Language, edit: Edit): string {
  if (language === 'ja') return edit.userName ? `${edit.userName}さん` : '他の利用者';
  return edit.userName ?? 'Someone else';
}

function ago(language: Language, ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const [n, unitJa, unitEn] =
    minutes < 60
      ? [minutes, '分', 'minute']
      : minutes < 1440
        ? [Math.floor(minutes / 60), '時間', 'hour']
        : [Math.floor(minutes / 1440), '日', 'day'];
  if (minutes < 1) return language === 'ja' ? 'たった今' : 'just now';
  return language === 'ja' ? `${n}${unitJa}前に` : `${n} ${unitEn}${n === 1 ? '' : 's'} ago`;
}

export function reasonText(ctx: ReasonContext): string {
  const { language } = ctx;
  const labels = [...new Set(ctx.fields.map((f) => fieldLabel(language, ctx.collection, f.field)))];
  const list = language === 'ja' ? labels.join('と') : labels.join(' and ');
  const when = ago(language, ctx.now - Date.parse(ctx.theirs.at));
  const sentences: string[] = [];
  if (isDatabase(ctx.theirs)) {
    sentences.push(
      language === 'ja'
        ? `${when}サーバーの外（データベース）で${list}が変更されました。`
        : `The ${list} was changed outside the server (in the database) ${when}.`,
    );
  } else {
    sentences.push(
      language === 'ja'
        ? `${who(language, ctx.theirs)}が${when}${list}を変更しました。`
        : `${who(language, ctx.theirs)} changed the ${list} ${when}.`,
    );
  }
  const whys = new Set(ctx.fields.map((f) => why(ctx, f)));
  sentences.push(...[...whys].slice(0, 2));
  if (ctx.fields.some((f) => f.rule === 'learned') && ctx.restaurantDecisions < FEW_DECISIONS) {
    sentences.push(
      language === 'ja'
        ? 'この店舗の判断の記録はまだ少ないため、全店舗の傾向から推定しています。'
        : 'This restaurant has few decisions on record yet, so this follows the habits of all restaurants.',
    );
  }
  return sentences.join(language === 'ja' ? '' : ' ');
}

function why(ctx: ReasonContext, f: FieldReason): string {
  const ja = ctx.language === 'ja';
  const other = who(ctx.language, ctx.theirs);
  switch (f.rule) {
    case 'same':
      return ja
        ? '両方の値は表記（全角・半角、大文字・小文字、空白）の違いを除いて同じです。'
        : 'Both values are the same apart from width, case or spacing.';
    case 'merged':
      return ja
        ? '2つの変更は別の部分を編集しているため、両方を取り込みました。'
        : 'The two edits touch different parts, so both are kept.';
    case 'contained':
      if (f.basis === 'theirs')
        return ja ? `${other}の変更にはあなたの変更がすでに含まれています。` : `${other}'s change already contains yours.`;
      return ja ? `あなたの変更には${other}の変更がすでに含まれています。` : `Your change already contains ${other}'s.`;
    case 'unchanged':
      if (f.basis === 'theirs')
        return ja
          ? 'あなたの変更は表記の違いだけなので、もう一方の変更を残します。'
          : 'Your edit changed only width, case or spacing, so the other change is kept.';
      return ja
        ? 'もう一方の変更は表記の違いだけなので、あなたの変更を残します。'
        : 'The other edit changed only width, case or spacing, so yours is kept.';
    case 'learned':
      return habit(ctx, f);
  }
}

/** The learned habit behind a prediction, from the feature that pulled hardest toward it. */
function habit(ctx: ReasonContext, f: FieldReason): string {
  const { language } = ctx;
  const ja = language === 'ja';
  const toMine = f.basis === 'mine';
  const name = f.top?.name ?? 'bias';
  const value = f.top?.value ?? 0;
  // For a signed feature, value > 0 means "mine" has the property; does the suggested side have it?
  const suggestedHasIt = value > 0 === toMine;
  const [family, detail = ''] = splitOnce(name, ':');
  switch (family) {
    case 'role': {
      const role = roleLabel(language, detail);
      if (suggestedHasIt) return ja ? `通常は${role}の変更を優先しています。` : `Usually the ${role}'s change is kept.`;
      return ja ? `通常は${role}の変更よりもう一方を優先しています。` : `Usually the other change is kept over the ${role}'s.`;
    }
    case 'database':
      if (suggestedHasIt)
        return ja
          ? '通常はデータベースで直接行われた変更を優先しています。'
          : 'Usually changes made directly in the database are kept.';
      return ja
        ? '通常はデータベースでの直接の変更より画面からの変更を優先しています。'
        : 'Usually changes made in the app are kept over changes made in the database.';
    case 'change': {
      const what = changeLabel(ctx, detail);
      if (suggestedHasIt) return ja ? `通常は${what}を残しています。` : `Usually ${what} is kept.`;
      return ja ? `通常は${what}を採用していません。` : `Usually ${what} is not kept.`;
    }
    case 'cmp':
      return compareLabel(ctx, detail, suggestedHasIt);
    case 'later':
      if (suggestedHasIt) return ja ? '通常は後から行われた変更を優先しています。' : 'Usually the later edit is kept.';
      return ja ? '通常は先に行われた変更を優先しています。' : 'Usually the earlier edit is kept.';
    case 'further':
      if (suggestedHasIt)
        return ja ? '通常は元の値から大きく変えた方を残しています。' : 'Usually the edit that changed more is kept.';
      return ja ? '通常は元の値からの変化が小さい方を残しています。' : 'Usually the edit that changed less is kept.';
    case 'field': {
      const label = fieldLabel(language, ctx.collection, detail.split('.').pop() ?? detail);
      if (toMine)
        return ja
          ? `${label}では通常、ご自身の変更を残しています。`
          : `For the ${label}, people here usually keep their own change.`;
      return ja
        ? `${label}では通常、もう一方の変更を受け入れています。`
        : `For the ${label}, people here usually accept the other change.`;
    }
    default:
      if (toMine) return ja ? 'あなたは通常ご自身の変更を残しています。' : 'You usually keep your own change.';
      return ja ? 'あなたは通常もう一方の変更を受け入れています。' : 'You usually accept the other change.';
  }
}

function changeLabel(ctx: ReasonContext, kind: string): string {
  const ja = ctx.language === 'ja';
  if (kind.startsWith('cell:')) {
    const [from = '', to = ''] = kind.slice(5).split('>');
    const cells = CELL_LABELS[ctx.language];
    return ja ? `${cells[from]}から${cells[to]}への変更` : `a change from ${cells[from]} to ${cells[to]}`;
  }
  const [field, how] = kind.includes('=') ? splitOnce(kind, '=') : splitOnce(kind, ':');
  const label = fieldLabel(ctx.language, ctx.collection, field);
  if (kind.includes('=')) return ja ? `${label}を「${how}」にする変更` : `setting the ${label} to ${how}`;
  const phrases: Record<string, [string, string]> = {
    later: [`${label}を遅くする変更`, `a later ${label}`],
    earlier: [`${label}を早める変更`, `an earlier ${label}`],
    open: [`${label}をなくす変更`, `removing the ${label}`],
    set: [`${label}を設定する変更`, `setting a ${label}`],
    true: ['復元', 'restoring the member'],
    false: ['削除', 'deleting the member'],
    cleared: [`${label}を空にする変更`, `clearing the ${label}`],
  };
  const phrase = phrases[how ?? ''];
  if (phrase) return ja ? phrase[0] : phrase[1];
  return ja ? `この種類の${label}の変更` : `this kind of ${label} change`;
}

function compareLabel(ctx: ReasonContext, field: string, suggestedHasIt: boolean): string {
  const ja = ctx.language === 'ja';
  const label = fieldLabel(ctx.language, ctx.collection, field);
  if (ctx.collection === 'shift') {
    if (suggestedHasIt)
      return ja ? '通常は出勤になる方の値を残しています。' : 'Usually the value that has the person working is kept.';
    return ja ? '通常は休みになる方の値を残しています。' : 'Usually the value that has the person off is kept.';
  }
  if (suggestedHasIt)
    return ja ? `通常は遅い方（大きい方）の${label}を残しています。` : `Usually the later (larger) ${label} is kept.`;
  return ja ? `通常は早い方（小さい方）の${label}を残しています。` : `Usually the earlier (smaller) ${label} is kept.`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
