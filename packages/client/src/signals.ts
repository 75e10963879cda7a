/**
 * A boolean the browser tells us about (online, tab visible), with change events. The client
 * reconnects at once when either turns true. Tests and non-browser hosts pass a {@link manualSignal}.
 */
export interface SignalSource {
  get(): boolean;
  subscribe(listener: (value: boolean) => void): () => void;
}

/** A signal set by hand: for tests, React Native, or a host with its own network events. */
export function manualSignal(initial = true): SignalSource & { set(value: boolean): void } {
  let value = initial;
  const listeners = new Set<(value: boolean) => void>();
  return {
    get: () => value,
    set(next: boolean) {
      if (next === value) return;
      value = next;
      for (const listener of listeners) listener(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function windowSignal(read: () => boolean, target: EventTarget, events: string[]): SignalSource {
  return {
    get: read,
    subscribe(listener) {
      const handler = () => listener(read());
      for (const name of events) target.addEventListener(name, handler);
      return () => {
        for (const name of events) target.removeEventListener(name, handler);
      };
    },
  };
}

/** `navigator.onLine` with the window's online/offline events; always true outside a browser. */
export function browserOnline(): SignalSource {
  if (typeof window === 'undefined' || typeof navigator === 'undefined' || !('onLine' in navigator)) return manualSignal(true);
  return windowSignal(() => navigator.onLine, window, ['online', 'offline']);
}

/** Whether the tab is visible, from `visibilitychange`; always true outside a browser. */
export function browserVisibility(): SignalSource {
  if (typeof document === 'undefined') return manualSignal(true);
  return windowSignal(() => document.visibilityState !== 'hidden', document, ['visibilitychange']);
}
