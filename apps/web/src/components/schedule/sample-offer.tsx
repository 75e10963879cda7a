import { uuid } from '@staff-sync/react';
import { type ReactNode, useState } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { useToasts } from '../toasts.tsx';

/**
 * The empty restaurant's offer: POST /api/v1/sample fills it with a realistic roster and a filled
 * period, which then arrive like any other change, so the first screen shows what the product does.
 */
export function SampleOffer(): ReactNode {
  const messages = useMessages();
  const s = messages.schedule;
  const toasts = useToasts();
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    try {
      const token = sessionStorage.getItem('staff-sync:token');
      const response = await fetch('/api/v1/sample', {
        method: 'POST',
        // A change needs an idempotency key (docs/http-api.md): this press, once.
        headers: { 'Idempotency-Key': `sample-button-${uuid()}:1`, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
      const body = (await response.json().catch(() => ({}))) as {
        members?: number;
        code?: string;
        message?: string;
        error?: { code?: string; message?: string };
      };
      const code = body.error?.code ?? body.code ?? '';
      if (!response.ok) throw new Error(messages.reasons[code] ?? body.error?.message ?? body.message ?? String(response.status));
      toasts.show('success', s.sampleLoaded(body.members ?? 0));
    } catch (error) {
      toasts.show('error', s.sampleFailed(error instanceof Error ? error.message : String(error)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sample-offer" data-testid="sample-offer">
      <p>{s.emptyRoster}</p>
      <button type="button" className="primary" disabled={busy} onClick={load} data-testid="load-sample">
        {s.loadSample}
      </button>
    </div>
  );
}
