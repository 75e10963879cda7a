import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { createPortal } from 'react-dom';
import { useMessages } from '../i18n/i18n.tsx';
import { topLayer } from './top-layer.ts';

type ToastKind = 'success' | 'error' | 'info';

/** More than a line of text: what was lost, and a button to act on it (e.g. apply it again). */
interface ToastExtras {
  detail?: string;
  action?: { label: string; run: () => void };
}

interface Toast extends ToastExtras {
  id: number;
  kind: ToastKind;
  text: string;
}

interface ToastApi {
  show: (kind: ToastKind, text: string, extras?: ToastExtras) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

/** Success and info toasts go away by themselves; failures stay until dismissed, so none is missed. */
const SUCCESS_MS = 4000;
/** Enough for a burst of saves; older toasts make room for new ones. */
const MAX_TOASTS = 5;

export function ToastProvider(props: { children: ReactNode }): ReactNode {
  const messages = useMessages();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (kind: ToastKind, text: string, extras: ToastExtras = {}) => {
      const id = nextId.current++;
      setToasts((list) => [...list, { id, kind, text, ...extras }].slice(-MAX_TOASTS));
      if (kind !== 'error') setTimeout(() => dismiss(id), SUCCESS_MS);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ show }), [show]);
  // Inside the innermost open dialog, else the page: never under a modal's backdrop.
  const host = useSyncExternalStore(topLayer.subscribe, topLayer.current, () => null);
  const region = (
    // Two live regions: failures interrupt (alert), the rest waits its turn (status).
    <div className="toasts" data-testid="toasts">
      <div role="status" aria-live="polite">
        {toasts
          .filter((t) => t.kind !== 'error')
          .map((t) => (
            <ToastItem key={t.id} toast={t} dismissLabel={messages.toast.dismiss} onDismiss={dismiss} />
          ))}
      </div>
      <div role="alert" aria-live="assertive">
        {toasts
          .filter((t) => t.kind === 'error')
          .map((t) => (
            <ToastItem key={t.id} toast={t} dismissLabel={messages.toast.dismiss} onDismiss={dismiss} />
          ))}
      </div>
    </div>
  );
  return (
    <ToastContext.Provider value={api}>
      {props.children}
      {createPortal(region, host ?? document.body)}
    </ToastContext.Provider>
  );
}

function ToastItem(props: { toast: Toast; dismissLabel: string; onDismiss: (id: number) => void }): ReactNode {
  const { toast } = props;
  const { action } = toast;
  return (
    <div className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind}>
      <div className="toast-body">
        <span data-testid="toast-text">{toast.text}</span>
        {toast.detail ? (
          <span className="toast-detail" data-testid="toast-detail">
            {toast.detail}
          </span>
        ) : null}
        {action ? (
          <button
            type="button"
            className="toast-action"
            onClick={() => {
              props.onDismiss(toast.id);
              action.run();
            }}
            data-testid="toast-action"
          >
            {action.label}
          </button>
        ) : null}
      </div>
      <button type="button" className="toast-dismiss" aria-label={props.dismissLabel} onClick={() => props.onDismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function useToasts(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToasts needs a <ToastProvider> above it');
  return api;
}
