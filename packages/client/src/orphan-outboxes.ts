import {
  isShiftAck,
  isShiftConflict,
  type MutationMessage,
  parseServerFrame,
  RETRYABLE_CODES,
  type ServerMessage,
} from '@staff-sync/protocol';
import { claimClientId, hasWebLocks } from './client-identity.ts';
import { conflictError, refusalError, type StaffSyncError } from './errors.ts';
import {
  type AckedVersion,
  ackedVersion,
  finalMessage,
  type OutboxEntry,
  readOutbox,
  savedOutboxIds,
  writeOutbox,
} from './outbox.ts';
import type { KeyValueStorage } from './storage.ts';
import type { Transport, TransportFactory } from './transport.ts';

/** What became of the changes a closed tab left unsent. */
export interface AdoptionReport {
  /** The closed tab's clientId. */
  fromClientId: string;
  /** Changes the server has now applied (a repeat of one it had applied counts too). */
  delivered: number;
  /** Changes the server refused, nothing written: each as the error its promise would have had. */
  refused: StaffSyncError[];
  /** Changes still saved, to try again at the next check (the server was away or asked to wait). */
  remaining: number;
}

export interface OrphanOutboxesOptions {
  /** The localStorage the outboxes live in (it must list its keys, as Web Storage does). */
  storage: KeyValueStorage;
  /** This client's own id: its outbox is not an orphan. */
  ownClientId: () => string;
  /** The HTTP transport: one request per change, each answered by itself. */
  http: TransportFactory;
  url: string;
  httpUrl: string;
  getToken?: (context: { reason: 'connect' | 'expired' }) => string | undefined | Promise<string | undefined>;
  report: (report: AdoptionReport) => void;
  log: Pick<Console, 'warn'>;
}

type Answer = Extract<ServerMessage, { type: 'ACK' | 'CONFLICT' | 'ERROR' }>;

/**
 * Changes a closed tab left unsent. Each tab keeps its outbox in localStorage under its own
 * clientId and holds a Web Lock named after that id while it is open. A lock that can be taken
 * means its tab is gone (closed, crashed): while holding it, this client sends that outbox, in
 * order, under the closed tab's clientId and sequence numbers over the HTTP API, so the server's
 * deduplication still applies each change at most once. Only outboxes of the same restaurant are
 * taken; without Web Locks nothing is (an open tab cannot be told from a closed one).
 */
export class OrphanOutboxes {
  readonly #o: OrphanOutboxesOptions;
  #running: Promise<void> | undefined;
  #link: Transport | undefined;
  #disposed = false;

  constructor(options: OrphanOutboxesOptions) {
    this.#o = options;
  }

  /** Look for outboxes of closed tabs of `restaurantId` and deliver them; one run at a time. */
  adopt(restaurantId: string): Promise<void> {
    this.#running ??= this.#adoptAll(restaurantId).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  dispose(): void {
    this.#disposed = true;
    this.#link?.close();
  }

  async #adoptAll(restaurantId: string): Promise<void> {
    if (!hasWebLocks()) return;
    const { storage } = this.#o;
    for (const clientId of savedOutboxIds(storage)) {
      if (this.#disposed) return;
      if (clientId === this.#o.ownClientId()) continue;
      const peek = readOutbox(storage, clientId);
      if (peek.restaurantId !== restaurantId || peek.entries.length === 0) continue;
      const claim = await claimClientId(clientId);
      if (!claim.ours) continue; // its tab is open and sends them itself
      try {
        const report = await this.#deliver(clientId, restaurantId);
        if (report && !this.#disposed) this.#o.report(report);
      } catch (error) {
        this.#o.log.warn('staff-sync: could not deliver the changes a closed tab left', error);
      } finally {
        claim.release();
      }
    }
  }

  async #deliver(clientId: string, restaurantId: string): Promise<AdoptionReport | undefined> {
    const { storage } = this.#o;
    // Read again under the lock: another tab may have delivered it meanwhile.
    let entries = readOutbox(storage, clientId).entries;
    if (entries.length === 0) return undefined;
    const link = await this.#open();
    if (!link) return undefined;
    const report: AdoptionReport = { fromClientId: clientId, delivered: 0, refused: [], remaining: 0 };
    const acked = new Map<number, AckedVersion>();
    const save = (rest: OutboxEntry[]) => writeOutbox(storage, clientId, { restaurantId, entries: rest });
    try {
      while (entries.length > 0 && !this.#disposed) {
        let entry = entries[0] as OutboxEntry;
        if (!entry.sent) {
          // Frozen and saved before it leaves, as the tab itself would have: a repeat is identical.
          entry = { ...entry, sent: true, message: finalMessage(entry, acked) };
          entries = [entry, ...entries.slice(1)];
          save(entries);
        }
        const answer = await link.request(entry.message);
        if (!answer || (answer.type === 'ERROR' && RETRYABLE_CODES.has(answer.payload.code))) break;
        entries = entries.slice(1);
        save(entries);
        // Only staff changes are in an outbox of this client, so only staff answers come back.
        if (answer.type === 'ACK') {
          report.delivered++;
          if (!isShiftAck(answer.payload))
            acked.set(entry.message.sequenceNumber, ackedVersion(entry.message, answer.payload.version));
        } else if (answer.type === 'CONFLICT') {
          const refused = { mutation: entry.message, origin: 'closed-tab' } as const;
          if (!isShiftConflict(answer.payload)) report.refused.push(conflictError(answer.payload, refused));
        } else if (answer.type === 'ERROR') {
          report.refused.push(refusalError(answer.payload, { mutation: entry.message, origin: 'closed-tab' }));
        }
      }
    } finally {
      link.close();
    }
    report.remaining = entries.length;
    return report.delivered + report.refused.length > 0 ? report : undefined;
  }

  /** An open HTTP transport with a request/answer surface, or undefined when it cannot open. */
  async #open(): Promise<{ request: (m: MutationMessage) => Promise<Answer | undefined>; close: () => void } | undefined> {
    let token: string | undefined;
    try {
      token = await this.#o.getToken?.({ reason: 'connect' });
    } catch {
      return undefined; // the next check asks again
    }
    if (this.#disposed) return undefined;
    const waiting = new Map<number, (answer: Answer | undefined) => void>();
    let closed = false;
    return new Promise((resolve) => {
      const transport = this.#o.http({
        url: this.#o.url,
        httpUrl: this.#o.httpUrl,
        token,
        period: undefined,
        callbacks: {
          onOpen: () =>
            resolve({
              request: (message) =>
                new Promise((answer) => {
                  if (closed) return answer(undefined);
                  waiting.set(message.sequenceNumber, answer);
                  transport.send(message);
                }),
              close: () => transport.close(),
            }),
          onFrame: (text) => {
            for (const message of parseServerFrame(text).messages) {
              if (message.type !== 'ACK' && message.type !== 'CONFLICT' && message.type !== 'ERROR') continue;
              const n = message.payload.sequenceNumber;
              // Requests go one at a time: an ERROR naming no message answers the one waiting.
              for (const [key, answer] of waiting) {
                if (n !== undefined && n !== key) continue;
                answer(message);
                waiting.delete(key);
              }
            }
          },
          onClose: () => {
            closed = true;
            if (this.#link === transport) this.#link = undefined;
            for (const answer of waiting.values()) answer(undefined);
            waiting.clear();
            resolve(undefined);
          },
        },
      });
      this.#link = transport;
      transport.open();
    });
  }
}
