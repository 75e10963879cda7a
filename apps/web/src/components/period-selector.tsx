import type { Period } from '@staff-sync/protocol';
import { type ReactNode, useId } from 'react';
import { useMessages } from '../i18n/i18n.tsx';

/** The restaurant's schedule periods, grouped by the year they start in (labels repeat every year). */
export function PeriodSelector(props: {
  periods: readonly Period[];
  value: number | undefined;
  onChange: (index: number) => void;
}): ReactNode {
  const messages = useMessages();
  const id = useId();
  const years = new Map<number, Period[]>();
  for (const period of props.periods) {
    const year = Number(period.startDate.slice(0, 4));
    years.set(year, [...(years.get(year) ?? []), period]);
  }
  return (
    <div className="period-selector">
      <label htmlFor={id}>{messages.period}</label>
      <select
        id={id}
        data-testid="period-select"
        value={props.value ?? ''}
        disabled={props.periods.length === 0}
        onChange={(event) => props.onChange(Number(event.target.value))}
      >
        {[...years].map(([year, periods]) => (
          <optgroup key={year} label={messages.periodGroup(year)}>
            {periods.map((p) => (
              <option key={p.index} value={p.index}>
                {messages.periodOption(p.label, p.startDate, p.endDate)}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
