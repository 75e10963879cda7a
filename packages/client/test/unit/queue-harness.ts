import type { MutationMessage, StaffMember } from '@staff-sync/protocol';
import type { StaffSyncError } from '../../src/errors.ts';
import { MutationQueue } from '../../src/mutation-queue.ts';
import { Outbox } from '../../src/outbox.ts';
import type { PacerOptions } from '../../src/pacer.ts';
import { Roster } from '../../src/roster.ts';
import { memoryStorage } from '../../src/storage.ts';
import { manualClock } from './manual-clock.ts';

/** A MutationQueue on a manual clock, a roster at seq 10 holding `members`, and a transport that records. */
export function queueHarness(members: StaffMember[], options: { pacing?: PacerOptions; maxRetries?: number } = {}) {
  const clock = manualClock();
  const outbox = new Outbox(memoryStorage(), 'me', 100);
  const roster = new Roster();
  roster.replace({ full: true, period: 0, periods: [], staffMembers: members }, 10);
  const sent: MutationMessage[] = [];
  const refused: StaffSyncError[] = [];
  let connected = true;
  const queue = new MutationQueue({
    outbox,
    roster,
    clock,
    pacing: options.pacing,
    maxInFlight: 16,
    maxRetries: options.maxRetries ?? 2,
    probeAfterMs: 0,
    stalled: () => {},
    send: (message) => {
      if (!connected) return false;
      sent.push(message);
      return true;
    },
    connected: () => connected,
    refused: (error) => refused.push(error),
    changed: () => {},
    cellConflict: () => {},
  });
  const setConnected = (value: boolean) => {
    connected = value;
  };
  return { clock, outbox, roster, queue, sent, refused, setConnected };
}

/** The version an update or delete went out with. */
export const versionOf = (message: MutationMessage | undefined) =>
  (message?.payload as { version?: number } | undefined)?.version;
