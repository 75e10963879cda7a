/** A clock whose timers fire only when the test says, recording every delay asked for. */
export function manualClock(start = 1_000_000) {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; callback: () => void }>();
  const delays: number[] = [];
  return {
    delays,
    timers,
    now: () => now,
    setTimeout(callback: () => void, ms: number) {
      const id = nextId++;
      delays.push(ms);
      timers.set(id, { at: now + ms, ms, callback });
      return id;
    },
    clearTimeout(handle: unknown) {
      timers.delete(handle as number);
    },
    /** Move time forward, firing every timer that falls due, in order. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
  };
}
