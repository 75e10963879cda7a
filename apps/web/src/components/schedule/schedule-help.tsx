import type { ReactNode } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';

/** The grid's keys, one click away (a native disclosure). */
export function ScheduleHelp(): ReactNode {
  const s = useMessages().schedule;
  return (
    <details className="schedule-help" data-testid="schedule-help">
      <summary>{s.toolbar.help}</summary>
      <dl>
        {s.help.map(([keys, what]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
