import { daysInMonth, type Period } from '@staff-sync/protocol';
import { type ReactNode, useId } from 'react';
import type { YmdDraft } from '../form/staff-draft.ts';
import { useMessages } from '../i18n/i18n.tsx';

/** The years offered: the restaurant's periods, a year either side, and whatever the member has. */
function yearChoices(periods: readonly Period[], current: string): number[] {
  const years = periods.map((p) => Number(p.startDate.slice(0, 4)));
  const now = new Date().getFullYear();
  const from = Math.min(now, ...years) - 1;
  const to = Math.max(now, ...years) + 1;
  const list: number[] = [];
  for (let y = from; y <= to; y++) list.push(y);
  const held = Number(current);
  if (current && !list.includes(held)) list.push(held);
  return list.sort((a, b) => a - b);
}

/** 開始期間 / 終了期間: year, month and day selects; all unset means an open end. */
export function PeriodField(props: {
  legend: string;
  testId: 'start' | 'end';
  value: YmdDraft;
  periods: readonly Period[];
  error: string | undefined;
  onChange: (value: YmdDraft) => void;
}): ReactNode {
  const messages = useMessages();
  const id = useId();
  const errorId = `${id}-error`;
  const { value } = props;
  const days = value.year && value.month ? daysInMonth(Number(value.year), Number(value.month)) : 31;
  const select = (part: keyof YmdDraft, label: string, options: number[]) => (
    <label className="ymd-part">
      <select
        data-testid={`${props.testId}-${part}`}
        value={value[part]}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(event) => props.onChange({ ...value, [part]: event.target.value })}
      >
        <option value="">{messages.unset}</option>
        {options.map((n) => (
          <option key={n} value={String(n)}>
            {n}
          </option>
        ))}
      </select>
      <span>{label}</span>
    </label>
  );
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return (
    <fieldset className="period-field" data-testid={`${props.testId}-period`}>
      <legend>{props.legend}</legend>
      <div className="ymd">
        {select('year', messages.year, yearChoices(props.periods, value.year))}
        {select('month', messages.month, range(1, 12))}
        {/* A day the month does not have stays listed while chosen, so validation can name it. */}
        {select('day', messages.day, range(1, Math.max(days, Number(value.day) || 0)))}
      </div>
      {props.error ? (
        <p id={errorId} className="field-error" role="alert" data-testid={`error-${props.testId}Period`}>
          {props.error}
        </p>
      ) : null}
    </fieldset>
  );
}
