import { useEffect } from 'react';

/** Ask before the tab closes while changes wait to be sent (they stay saved, but only this tab sends them). */
export function useUnsentWarning(pendingCount: number): void {
  useEffect(() => {
    if (pendingCount === 0) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [pendingCount]);
}
