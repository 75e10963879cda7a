import {
  type AnyChangeEvent,
  type ClientMessage,
  type ErrorPayload,
  type MutationMessage,
  type PresenceEntry,
  parseServerFrame,
  type Role,
  type ServerMessage,
  type StaffChanges,
  type StaffCreatePayload,
  type StaffType,
  validateClientMessage,
} from '@staff-sync/protocol';
import { ClientIdentity, claimClientId } from './client-identity.ts';
import { type Clock, systemClock } from './clock.ts';
import { Connection } from './connection.ts';
import { Emitter } from './emitter.ts';
import { StaffSyncError } from './errors.ts';
import { httpTransport } from './http-transport.ts';
import { Liveness } from './liveness.ts';
import { MutationQueue } from './mutation-queue.ts';
import { httpUrlFor, type StaffSyncClientOptions } from './options.ts';
import { OrphanOutboxes } from './orphan-outboxes.ts';
import { Outbox } from './outbox.ts';
import { Roster } from './roster.ts';
import { ScheduleSync } from './schedule-sync.ts';
import { browserOnline, browserVisibility } from './signals.ts';
import {
  buildSnapshot,
  type CellEdit,
  type CellResult,
  type ClientEvents,
  type EditOptions,
  type MutationResult,
  type StaffSyncSnapshot,
} from './snapshot.ts';
import { browserStorage } from './storage.ts';
import { uuid } from './uuid.ts';
import { webSocketTransport } from './websocket-transport.ts';

const DEFAULT_MAX_MESSAGE_BYTES = 65_536;

/**
 * The framework-free staff-sync client: one store per screen (docs/design.md, invariant 5). What it
 * shows is the confirmed server state with the pending mutations replayed on top; mutations wait
 * in a persisted outbox until the server answers, and are re-sent after every reconnect with the
 * same sequenceNumber (the server applies each at most once).
 */
export class StaffSyncClient {
  readonly #options: StaffSyncClientOptions;
  readonly #clock: Clock;
  readonly #log: Pick<Console, 'warn'>;
  readonly #events = new Emitter<ClientEvents>();
  readonly #listeners = new Set<() => void>();
  readonly #identity: ClientIdentity;
  readonly #outbox: Outbox;
  readonly #roster = new Roster();
  readonly #connection: Connection;
  readonly #queue: MutationQueue;
  readonly #liveness: Liveness;
  readonly #orphans: OrphanOutboxes;
  readonly #ready: Promise<void>;
  #restaurantId: string | undefined;
  #orphanTimer: unknown;
  #presenceTimer: unknown;
  #awaitingSync = false;
  #syncSequence: number | undefined;
  #period: number | undefined;
  #editing: string | null = null;
  /** The schedule cell of the member being edited, on the schedule screen. */
  #editingDate: string | null = null;
  readonly #schedule: ScheduleSync;
  #editors: readonly PresenceEntry[] = [];
  #role: Role | null = null;
  #maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  #lastConflict: StaffSyncError | null = null;
  #lastError: StaffSyncError | null = null;
  #snapshot: StaffSyncSnapshot;
  #membersChanged = true;
  #dirty = false;
  #wantConnected = false;
  #disposed = false;
  #releaseClaim = () => {};

  constructor(options: StaffSyncClientOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? console;
    this.#period = options.period;
    this.#schedule = new ScheduleSync({
      send: (type, payload) => (this.#roster.synced ? this.#send(type, payload) : undefined),
      periods: () => this.#roster.periods,
    });
    this.#identity = new ClientIdentity(options.sessionStorage ?? browserStorage('sessionStorage'), options.clientId);
    const localStorage = options.localStorage ?? browserStorage('localStorage');
    this.#outbox = new Outbox(localStorage, this.#identity.clientId, options.maxPending ?? 500);
    this.#connection = new Connection({
      url: options.url,
      httpUrl: options.httpUrl ?? httpUrlFor(options.url),
      transports: { websocket: webSocketTransport, http: httpTransport, ...options.transportFactories },
      order: options.transports ?? ['websocket', 'http'],
      getToken: options.getToken,
      period: () => this.#period,
      backoff: options.backoff,
      clock: this.#clock,
      online: options.online ?? browserOnline(),
      visibility: options.visibility ?? browserVisibility(),
      upgradeRetryMs: options.upgradeRetryMs,
    });
    this.#queue = new MutationQueue({
      outbox: this.#outbox,
      roster: this.#roster,
      clock: this.#clock,
      pacing: options.pacing,
      maxInFlight: options.maxInFlight ?? 16,
      maxRetries: options.maxRetries ?? 5,
      probeAfterMs: options.probeAfterMs ?? 3000,
      stalled: (cause) => this.#liveness.probe(cause),
      send: (message) => this.#connection.send(message),
      connected: () => this.#connection.state === 'connected',
      refused: (error) => this.#refused(error),
      cellConflict: (conflict) => {
        this.#schedule.onConflict(conflict);
        this.#dirty = true;
      },
      changed: () => {
        this.#membersChanged = true;
      },
    });
    this.#liveness = new Liveness({
      clock: this.#clock,
      intervalMs: options.pingIntervalMs ?? 25_000,
      timeoutMs: options.pongTimeoutMs ?? 10_000,
      probeTimeoutMs: options.probeTimeoutMs ?? 2000,
      watched: () => this.#connection.transportKind === 'websocket',
      ping: () => this.#send('PING', {}),
      dead: (reason) => {
        this.#log.warn(`staff-sync: ${reason}; reconnecting`);
        this.#connection.reconnect(reason);
      },
    });
    this.#orphans = new OrphanOutboxes({
      storage: localStorage,
      ownClientId: () => this.clientId,
      http: options.transportFactories?.http ?? httpTransport,
      url: options.url,
      httpUrl: options.httpUrl ?? httpUrlFor(options.url),
      getToken: options.getToken,
      log: this.#log,
      report: (report) => {
        for (const error of report.refused) this.#refused(error);
        this.#events.emit('adopted', report);
        this.#publish(true);
      },
    });
    const { events } = this.#connection;
    events.on('state', (change) => {
      if (change.newState !== 'connected') {
        this.#queue.connectionLost();
        this.#liveness.stop();
        this.#clock.clearTimeout(this.#orphanTimer);
        this.#clock.clearTimeout(this.#presenceTimer);
      }
      this.#publish(true);
      this.#events.emit('state', change);
    });
    events.on('open', () => this.#onOpen());
    events.on('frame', (text) => this.#onFrame(text));
    events.on('fatal', ({ code, message }) => this.#fail(new StaffSyncError(code, message)));
    this.#snapshot = this.#build();
    this.#ready = this.#claimIdentity();
  }

  /** This tab's stable id: the same across reconnects and reloads of the tab. */
  get clientId(): string {
    return this.#identity.clientId;
  }

  /** Start connecting (and keep reconnecting) until `disconnect()`. */
  connect(): void {
    this.#wantConnected = true;
    void this.#ready.then(() => {
      if (this.#wantConnected && !this.#disposed) this.#connection.connect();
    });
  }

  /** Close the connection and stop reconnecting. Pending mutations stay in the outbox. */
  disconnect(): void {
    this.#wantConnected = false;
    this.#connection.disconnect();
  }

  /** Disconnect for good: pending promises reject with `CLOSED` (their mutations stay saved). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.disconnect();
    this.#connection.dispose();
    this.#liveness.stop();
    this.#clock.clearTimeout(this.#orphanTimer);
    this.#clock.clearTimeout(this.#presenceTimer);
    this.#orphans.dispose();
    this.#queue.dispose(
      new StaffSyncError('CLOSED', 'the client was closed; the change stays saved and is sent by the next client of this tab'),
    );
    this.#releaseClaim();
  }

  /** The current state; a new object only when something in it changed (for useSyncExternalStore). */
  getSnapshot = (): StaffSyncSnapshot => this.#snapshot;

  /** `listener` runs after every change of the snapshot: at most once per server frame or local action. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Events: `state` (every connection state change), `conflict`, `error`, `resync`, `invalidMessage`. */
  on<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /**
   * Change a member. Shows at once; resolves on ACK, rejects on CONFLICT or ERROR with a StaffSyncError.
   * `options.baseVersion`: the member's version when the person began this edit (a form opened
   * earlier). When someone else changed the member since, that version is sent and the server's
   * conflict strategy decides; without it the edit starts from the version the client holds now.
   */
  updateStaff(staffId: string, changes: StaffChanges & { type?: StaffType }, options: EditOptions = {}): Promise<MutationResult> {
    const resolves = options.resolves ? { resolves: options.resolves } : {};
    return this.#mutate('STAFF_UPDATE', { staffId, changes, ...resolves }, options.baseVersion);
  }

  /** Create a member; the client proposes its id, so it shows at once under its final id. */
  addStaff(fields: Omit<StaffCreatePayload, 'id'> & { id?: string; type?: StaffType }): Promise<MutationResult> {
    return this.#mutate('STAFF_CREATE', { ...fields, id: fields.id ?? uuid() });
  }

  /** Delete a member (soft: `isActive` becomes false); `options.baseVersion` as for `updateStaff`. */
  deleteStaff(staffId: string, options: EditOptions = {}): Promise<MutationResult> {
    return this.#mutate('STAFF_DELETE', { staffId }, options.baseVersion);
  }

  /**
   * Tell others which member (and, on the schedule, which of its cells) this user is on (`null`:
   * none); over HTTP it is renewed while it names one.
   */
  setEditing(staffId: string | null, dateKey: string | null = null): void {
    const date = staffId === null ? null : dateKey;
    if (this.#editing === staffId && this.#editingDate === date) return;
    this.#editing = staffId;
    this.#editingDate = date;
    this.#sendPresence();
  }

  /**
   * Keep the cells of schedule period `periodIndex` in step (undefined: none): asked for now and on
   * every connect, and shown in `snapshot.schedule`.
   */
  setSchedulePeriod(periodIndex: number | undefined): void {
    if (this.#schedule.setPeriod(periodIndex)) this.#publish(true);
  }

  /**
   * Set one schedule cell (`null` clears it). Shows at once; resolves on ACK, rejects on CONFLICT
   * (`error.cellConflict`) or ERROR. `options.baseVersion`: the cell's version when the person began
   * this edit; default the confirmed one now.
   */
  setCell(staffId: string, dateKey: string, value: string | null, options: EditOptions = {}): Promise<CellResult> {
    const version = options.baseVersion ?? this.#schedule.versionOf(staffId, dateKey);
    const payload: Record<string, unknown> = { staffId, dateKey, shiftValue: value, version };
    const period = this.#schedule.periodIndex;
    if (period !== undefined && this.#inPeriod(period, dateKey)) payload.periodIndex = period;
    if (options.resolves) payload.resolves = options.resolves;
    return this.#mutate<CellResult>('SHIFT_UPDATE', payload);
  }

  /** Set many cells of one period in one change, all or nothing (a range fill, an undo of one). */
  setCells(periodIndex: number, cells: readonly CellEdit[]): Promise<CellResult> {
    const scheduleData: Record<string, Record<string, string | null>> = {};
    const versions: Record<string, Record<string, number>> = {};
    for (const cell of cells) {
      scheduleData[cell.staffId] = { ...scheduleData[cell.staffId], [cell.dateKey]: cell.value };
      const version = cell.baseVersion ?? this.#schedule.versionOf(cell.staffId, cell.dateKey);
      versions[cell.staffId] = { ...versions[cell.staffId], [cell.dateKey]: version };
    }
    return this.#mutate<CellResult>('SHIFT_BULK_UPDATE', { periodIndex, scheduleData, versions });
  }

  #inPeriod(periodIndex: number, dateKey: string): boolean {
    const period = this.#roster.periods[periodIndex];
    return period !== undefined && dateKey >= period.startDate && dateKey <= period.endDate;
  }

  /** The period the screen looks at, for the next sync (every active member is here already). */
  setPeriod(period: number | undefined): void {
    this.#period = period;
  }

  #mutate<R extends MutationResult | CellResult = MutationResult>(
    type: MutationMessage['type'],
    payload: Record<string, unknown>,
    editStartedAt?: number,
  ): Promise<R> {
    if (this.#disposed) return Promise.reject(new StaffSyncError('CLOSED', 'the client was closed'));
    // The same validation as the server's: a bad change is refused here, with the same fields.
    const parsed = validateClientMessage({ type, payload, timestamp: this.#now(), clientId: this.clientId, sequenceNumber: 1 });
    if (!parsed.ok) {
      const { code, message, fields } = parsed.error;
      return Promise.reject(new StaffSyncError(code, message, { fields }));
    }
    // Counted in UTF-8 bytes, as the server counts frames (a Japanese name is 3 bytes a character).
    if (new TextEncoder().encode(JSON.stringify(parsed.value)).length > this.#maxMessageBytes - 64) {
      return Promise.reject(new StaffSyncError('VALIDATION_FAILED', `the change is larger than ${this.#maxMessageBytes} bytes`));
    }
    if (this.#outbox.size >= this.#outbox.limit) {
      const text = `${this.#outbox.limit} changes are waiting to be sent; wait until the connection is back`;
      return Promise.reject(new StaffSyncError('OUTBOX_FULL', text));
    }
    const result = this.#queue.enqueue<R>(
      { ...parsed.value, sequenceNumber: this.#identity.next() } as MutationMessage,
      editStartedAt,
    );
    this.#publish(false);
    return result;
  }

  async #claimIdentity(): Promise<void> {
    const claim = await claimClientId(this.clientId);
    this.#releaseClaim = claim.release;
    if (!claim.ours) {
      // A duplicated tab starts with the original's id; the outbox under it is the original's.
      this.#identity.renew();
      this.#outbox.rekey(this.clientId, (m) => ({ ...m, clientId: this.clientId, sequenceNumber: this.#identity.next() }));
      this.#releaseClaim = (await claimClientId(this.clientId)).release;
      this.#publish(true);
    }
    if (this.#disposed) this.#releaseClaim();
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  #send(type: ClientMessage['type'], payload: ClientMessage['payload']): number | undefined {
    const sequenceNumber = this.#identity.next();
    const message = { type, payload, timestamp: this.#now(), clientId: this.clientId, sequenceNumber } as ClientMessage;
    return this.#connection.send(message) ? sequenceNumber : undefined;
  }

  #onOpen(): void {
    this.#queue.connectionLost();
    this.#requestSync();
    if (this.#editing !== null) this.#sendPresence();
    this.#queue.pump();
    this.#liveness.start();
  }

  /** SYNC_REQUEST: a delta from the last applied seq once synced, else a full snapshot. */
  #requestSync(full = false): void {
    const payload: { period?: number; sinceSeq?: number } = {};
    if (this.#period !== undefined) payload.period = this.#period;
    if (this.#roster.synced && !full) payload.sinceSeq = this.#roster.seq;
    this.#awaitingSync = true;
    this.#syncSequence = this.#send('SYNC_REQUEST', payload);
  }

  #sendPresence(): void {
    this.#clock.clearTimeout(this.#presenceTimer);
    const kind = this.#connection.transportKind;
    if (kind === undefined) return; // sent again after the next open
    const { userName } = this.#options;
    const where =
      this.#editingDate === null ? { staffId: this.#editing } : { staffId: this.#editing, dateKey: this.#editingDate };
    this.#send('PRESENCE_SET', userName ? { ...where, userName } : where);
    // Over HTTP presence is a lease on the server (PRESENCE_LEASE_MS): renew it while editing.
    if (kind === 'http' && this.#editing !== null) {
      this.#presenceTimer = this.#clock.setTimeout(() => this.#sendPresence(), this.#options.presenceRenewMs ?? 5000);
    }
  }

  #onFrame(text: string): void {
    this.#liveness.heard();
    const frame = parseServerFrame(text);
    for (const bad of frame.invalid) {
      // Never applied: a message that fails the schema could corrupt the roster.
      this.#log.warn('staff-sync: dropped a server message that failed validation:', bad.reason);
      this.#events.emit('invalidMessage', bad);
    }
    for (const message of frame.messages) this.#handle(message);
    this.#publish(false);
    this.#queue.pump();
  }

  #handle(message: ServerMessage): void {
    switch (message.type) {
      case 'HELLO':
        this.#role = message.payload.role;
        this.#maxMessageBytes = message.payload.limits.maxMessageBytes;
        this.#restaurantId = message.payload.restaurantId;
        this.#outbox.setRestaurant(message.payload.restaurantId);
        this.#dirty = true;
        this.#checkOrphans();
        break;
      case 'SYNC_RESPONSE':
        this.#onSyncResponse(message);
        break;
      case 'SHIFT_SYNC_RESPONSE':
        if (this.#schedule.onMessage(message)) this.#dirty = true;
        break;
      case 'SHIFT_BROADCAST':
        // Taken by version, whatever the roster's seq: a snapshot of the roster does not cover cells.
        if (this.#schedule.onMessage(message)) this.#dirty = true;
        this.#onChange(message);
        break;
      case 'STAFF_CREATE':
      case 'STAFF_UPDATE':
      case 'STAFF_DELETE':
        this.#onChange(message);
        break;
      case 'ACK':
        this.#queue.onAck(message.payload);
        break;
      case 'CONFLICT':
        this.#queue.onConflict(message.payload);
        break;
      case 'ERROR':
        this.#onError(message.payload);
        break;
      case 'PRESENCE':
        this.#editors = message.payload.editors.filter((e) => e.clientId !== this.clientId);
        this.#dirty = true;
        break;
      case 'PONG':
        this.#liveness.ponged();
        break;
    }
  }

  /**
   * Deliver what closed tabs of this restaurant left unsent (OrphanOutboxes): at every HELLO, and
   * every `orphanCheckMs` while connected. A viewer's changes would all be refused: it leaves them.
   */
  #checkOrphans(): void {
    this.#clock.clearTimeout(this.#orphanTimer);
    const restaurantId = this.#restaurantId;
    const every = this.#options.orphanCheckMs ?? 60_000;
    if (this.#disposed || restaurantId === undefined || this.#role !== 'editor' || every <= 0) return;
    void this.#orphans.adopt(restaurantId).then(() => {
      if (this.#disposed || this.#connection.state !== 'connected') return;
      this.#clock.clearTimeout(this.#orphanTimer);
      this.#orphanTimer = this.#clock.setTimeout(() => this.#checkOrphans(), every);
    });
  }

  /** A committed change of any collection: the restaurant's next seq, or a gap to resume from. */
  #onChange(message: AnyChangeEvent): void {
    // Before the first snapshot, and while a resume is answered, the response covers these.
    if (!this.#roster.synced || this.#awaitingSync) return;
    const result = this.#roster.apply(message);
    if (result === 'gap') {
      this.#events.emit('resync', { reason: 'gap', sinceSeq: this.#roster.seq, seenSeq: message.seq });
      this.#requestSync();
    } else if (result === 'applied') {
      this.#membersChanged = true;
      this.#queue.settle();
    }
  }

  #onSyncResponse(message: Extract<ServerMessage, { type: 'SYNC_RESPONSE' }>): void {
    const { payload } = message;
    const seq = message.seq as number;
    if (payload.full) {
      this.#roster.replace(payload, seq);
      // A snapshot of the roster covers the roster only: the cells are asked for after it.
      this.#schedule.request();
    } else {
      // A delta must continue exactly where the roster stands; anything else needs a full snapshot.
      if (this.#schedule.onChanges(payload.changes)) this.#dirty = true;
      if (!this.#roster.synced || payload.changes.some((change) => this.#roster.apply(change) === 'gap')) {
        this.#requestSync(true);
        return;
      }
      this.#roster.advanceTo(seq);
    }
    this.#awaitingSync = false;
    this.#membersChanged = true;
    this.#queue.settle();
  }

  #onError(payload: ErrorPayload): void {
    if (payload.sequenceNumber !== undefined && payload.sequenceNumber === this.#syncSequence) {
      // The sync request failed: try again later (without a period the server does not have).
      this.#fail(new StaffSyncError(payload.code, payload.message, { fields: payload.fields }));
      this.#queue.retryLater(() => {
        if (payload.code === 'VALIDATION_FAILED') this.#period = undefined;
        this.#requestSync();
      });
      return;
    }
    if (!this.#queue.onError(payload)) this.#fail(new StaffSyncError(payload.code, payload.message, { fields: payload.fields }));
  }

  #refused(error: StaffSyncError): void {
    if (error.code === 'CONFLICT') {
      this.#lastConflict = error;
      this.#events.emit('conflict', error);
    } else {
      this.#lastError = error;
      this.#events.emit('error', error);
    }
    this.#dirty = true;
  }

  #fail(error: StaffSyncError): void {
    this.#lastError = error;
    this.#events.emit('error', error);
    this.#publish(true);
  }

  #build(): StaffSyncSnapshot {
    return buildSnapshot(this.#snapshot, this.#membersChanged, {
      status: this.#connection.state,
      transport: this.#connection.transportKind ?? null,
      roster: this.#roster,
      pending: this.#queue.pending(),
      pendingCount: this.#outbox.size,
      lastConflict: this.#lastConflict,
      lastError: this.#lastError,
      editors: this.#editors,
      role: this.#role,
      clientId: this.clientId,
      schedule: this.#schedule.snapshot(this.#queue.pending()),
    });
  }

  /** Rebuild the snapshot when something changed, and tell the subscribers once. */
  #publish(force: boolean): void {
    if (!force && !this.#dirty && !this.#membersChanged && this.#snapshot.pendingCount === this.#outbox.size) return;
    this.#snapshot = this.#build();
    this.#membersChanged = false;
    this.#dirty = false;
    for (const listener of this.#listeners) listener();
  }
}
