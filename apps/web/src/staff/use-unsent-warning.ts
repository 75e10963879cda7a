import { useEffect } from 'react';

/**
 * Ask before the tab closes while changes wait to be sent. They stay saved, and another tab of
 * this browser sends them once it is connected, but until one is opened they wait.
 */
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
