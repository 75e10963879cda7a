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
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      const body = (await response.json().catch(() => ({}))) as { members?: number; message?: string; code?: string };
      if (!response.ok) throw new Error(messages.reasons[body.code ?? ''] ?? body.message ?? String(response.status));
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
