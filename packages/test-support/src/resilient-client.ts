import { randomUUID } from 'node:crypto';
import type { StaffMember } from '@staff-sync/protocol';
import WebSocket from 'ws';

/**
 * A protocol-level client with what a real one does across failures: reconnect with jittered
 * backoff, resume from the last applied `seq` (SYNC_REQUEST sinceSeq), and resend the mutations
 * not yet answered with their original sequence numbers. It records what it saw so that tests can
 * check delivery: `received` (live change events in arrival order), `applied` (every seq applied,
 * from events and deltas), `redundant` (events for a seq already applied).
 *
 * Frames are parsed with JSON.parse only: the conformance tests validate shapes; these tests move
 * hundreds of thousands of events and check delivery.
 */
export interface ReplyMessage {
  type: 'ACK' | 'CONFLICT' | 'ERROR';
  payload: { sequenceNumber: number; staffId?: string; version?: number; seq?: number; duplicate?: true; code?: string };
}

interface Wire {
  type: string;
  payload: Record<string, unknown>;
  seq?: number;
  clientId: string;
  sequenceNumber: number;
}

interface Pending {
  type: string;
  payload: unknown;
  sequenceNumber: number;
  resolve: (reply: ReplyMessage) => void;
}

export interface ResilientClientOptions {
  clientId?: string;
  /** Query string for the WebSocket URL (e.g. `token=...`). */
  query?: string;
}

export class ResilientClient {
  readonly url: string;
  readonly clientId: string;
  readonly roster = new Map<string, StaffMember>();
  lastSeq = 0;
  readonly received: number[] = [];
  readonly applied: number[] = [];
  redundant = 0;
  gaps = 0;
  fullResyncs = 0;
  resent = 0;
  connects = 0;
  readonly closeCodes: number[] = [];
  readonly anomalies: string[] = [];
  /** Every final answer, by sequence number. */
  readonly answers = new Map<number, ReplyMessage>();
  /** The last PRESENCE list received. */
  presence: { clientId: string; userName: string; staffId: string }[] = [];

  readonly #outbox = new Map<number, Pending>();
  #ws: WebSocket | undefined;
  #state: 'connecting' | 'syncing' | 'live' | 'stopped' = 'connecting';
  #nextSequence = 1;
  #hasBase = false;
  #failures = 0;
  /** Set on a new connection: the next sync response is followed by resending the outbox. */
  #resendAfterSync = false;
  #onSynced: (() => void) | undefined;
  /** The sequence number of the SYNC_REQUEST awaiting its answer. */
  #syncSequence = 0;

  constructor(url: string, options: ResilientClientOptions = {}) {
    this.url = options.query ? `${url}?${options.query}` : url;
    this.clientId = options.clientId ?? randomUUID();
  }

  /** Connect and resolve once the first SYNC_RESPONSE is applied. */
  start(): Promise<void> {
    const synced = new Promise<void>((resolve) => {
      this.#onSynced = resolve;
    });
    this.#connect();
    return synced;
  }

  get live(): boolean {
    return this.#state === 'live';
  }

  /** Mutations sent but not yet answered. */
  get pending(): number {
    return this.#outbox.size;
  }

  /** Queue a mutation; it is (re)sent whenever connected until answered. */
  mutate(type: string, payload: unknown): Promise<ReplyMessage> {
    return this.queue(type, payload).reply;
  }

  /** Like {@link mutate}, also telling the sequence number the mutation got. */
  queue(type: string, payload: unknown): { sequenceNumber: number; reply: Promise<ReplyMessage> } {
    const sequenceNumber = this.#nextSequence++;
    const reply = new Promise<ReplyMessage>((resolve) => {
      this.#outbox.set(sequenceNumber, { type, payload, sequenceNumber, resolve });
    });
    if (this.#state === 'live') this.#send(type, payload, sequenceNumber);
    return { sequenceNumber, reply };
  }

  /** Send a message that is not a mutation (e.g. PRESENCE_SET) when connected. */
  notify(type: string, payload: unknown): boolean {
    if (this.#state !== 'live') return false;
    this.#send(type, payload, this.#nextSequence++);
    return true;
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'connecting';
    const ws = new WebSocket(this.url, 'staff-sync.v1', { perMessageDeflate: false });
    this.#ws = ws;
    ws.on('open', () => {
      this.connects++;
      this.#failures = 0;
      this.#resendAfterSync = true;
      this.#resync();
    });
    ws.on('message', (data) => {
      if (ws !== this.#ws) return; // a superseded socket
      const parsed: Wire | Wire[] = JSON.parse(data.toString());
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.#onMessage(message);
    });
    ws.on('error', () => {}); // the close that follows decides what to do
    ws.on('close', (code) => {
      if (ws !== this.#ws) return;
      this.closeCodes.push(code);
      if (this.#state === 'stopped') return;
      this.#state = 'connecting';
      // Full jitter, growing with consecutive failures, capped at 2 s.
      const ceiling = Math.min(2000, 100 * 2 ** this.#failures++);
      setTimeout(() => this.#connect(), 50 + Math.random() * ceiling).unref();
    });
  }

  #send(type: string, payload: unknown, sequenceNumber: number): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId: this.clientId, sequenceNumber }));
  }

  #resync(): void {
    this.#state = 'syncing';
    this.#syncSequence = this.#nextSequence++;
    this.#send('SYNC_REQUEST', this.#hasBase ? { sinceSeq: this.lastSeq } : {}, this.#syncSequence);
  }

  #onMessage(message: Wire): void {
    const { type } = message;
    if (type === 'STAFF_CREATE' || type === 'STAFF_UPDATE' || type === 'STAFF_DELETE') this.#onChange(message);
    else if (type === 'SYNC_RESPONSE') this.#onSyncResponse(message);
    else if (type === 'ACK' || type === 'CONFLICT' || type === 'ERROR') this.#onReply(message as unknown as ReplyMessage);
    else if (type === 'PRESENCE') this.presence = (message.payload as { editors: ResilientClient['presence'] }).editors;
  }

  #onChange(message: Wire): void {
    // What arrives before the sync response on a new connection is covered by that response.
    if (this.#state !== 'live') return;
    const seq = message.seq as number;
    this.received.push(seq);
    if (seq <= this.lastSeq) {
      this.redundant++;
    } else if (seq === this.lastSeq + 1) {
      this.#apply(message);
    } else {
      this.gaps++;
      this.#resync();
    }
  }

  #apply(change: Wire): void {
    const seq = change.seq as number;
    const staff = (change.payload as { staff: StaffMember }).staff;
    if (staff.isActive) this.roster.set(staff.id, staff);
    else this.roster.delete(staff.id);
    this.lastSeq = seq;
    this.applied.push(seq);
  }

  #onSyncResponse(message: Wire): void {
    const payload = message.payload as { full: boolean; staffMembers?: StaffMember[]; changes?: Wire[] };
    const seq = message.seq as number;
    if (payload.full) {
      if (this.#hasBase) this.fullResyncs++;
      this.roster.clear();
      for (const member of payload.staffMembers ?? []) this.roster.set(member.id, member);
      this.lastSeq = seq;
      this.#hasBase = true;
    } else {
      for (const change of payload.changes ?? []) {
        const changeSeq = change.seq as number;
        if (changeSeq <= this.lastSeq) continue;
        if (changeSeq !== this.lastSeq + 1) this.anomalies.push(`delta skipped from ${this.lastSeq} to ${changeSeq}`);
        this.#apply(change);
      }
      if (seq !== this.lastSeq) this.anomalies.push(`delta covers ${seq} but ended at ${this.lastSeq}`);
    }
    this.#state = 'live';
    // On a new connection, resend what was never answered, in order, with the same sequence numbers.
    if (this.#resendAfterSync) {
      this.#resendAfterSync = false;
      for (const entry of [...this.#outbox.values()].sort((a, b) => a.sequenceNumber - b.sequenceNumber)) {
        this.#send(entry.type, entry.payload, entry.sequenceNumber);
        if (this.connects > 1) this.resent++;
      }
    }
    this.#onSynced?.();
    this.#onSynced = undefined;
  }

  #onReply(reply: ReplyMessage): void {
    const entry = this.#outbox.get(reply.payload.sequenceNumber);
    if (!entry && reply.type === 'ERROR' && reply.payload.sequenceNumber === this.#syncSequence && this.#state === 'syncing') {
      // The sync failed (INTERNAL: the database went away meanwhile): ask again, as a real client does.
      const ws = this.#ws;
      setTimeout(() => {
        if (ws === this.#ws && this.#state === 'syncing') this.#resync();
      }, 200).unref();
      return;
    }
    if (!entry) return; // the answer to a notify that failed
    if (reply.type === 'ERROR' && reply.payload.code === 'RATE_LIMITED') {
      setTimeout(() => {
        if (this.#state === 'live' && this.#outbox.has(entry.sequenceNumber))
          this.#send(entry.type, entry.payload, entry.sequenceNumber);
      }, 200).unref();
      return;
    }
    this.#outbox.delete(entry.sequenceNumber);
    this.answers.set(entry.sequenceNumber, reply);
    entry.resolve(reply);
  }
}
