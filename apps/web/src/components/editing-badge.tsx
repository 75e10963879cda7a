import type { PresenceEntry } from '@staff-sync/protocol';
import type { ReactNode } from 'react';
import { useMessages } from '../i18n/i18n.tsx';

/** The names of the others editing `staffId` now, each once (one person may have two tabs open). */
function editorsOf(editors: readonly PresenceEntry[], staffId: string): string[] {
  return [...new Set(editors.filter((e) => e.staffId === staffId).map((e) => e.userName))];
}

/** "花子が編集中": shown wherever a member appears while someone else has it open. */
export function EditingBadge(props: { editors: readonly PresenceEntry[]; staffId: string }): ReactNode {
  const messages = useMessages();
  const names = editorsOf(props.editors, props.staffId);
  if (names.length === 0) return null;
  return (
    <span className="badge presence" data-testid="editing-badge">
      <span aria-hidden="true">✎ </span>
      {messages.presence(names)}
    </span>
  );
}
