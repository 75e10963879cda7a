import type { ClientMessage, MutationMessage, StaffChanges, StaffCreatePayload, StaffType } from '@staff-sync/protocol';
import { claimTab } from './client-identity.ts';
import { type ClientParts, clientParts, disposeParts, partsLost, partsOpened } from './client-parts.ts';
import { type ClientAction, type ClientState, initialState, reduce } from './client-state.ts';
import { Emitter } from './emitter.ts';
import { StaffSyncError } from './errors.ts';
import { checkMutation } from './mutation-check.ts';
import type { StaffSyncClientOptions } from './options.ts';
import { handleFrame } from './server-messages.ts';
import {
  type CellEdit,
  type CellResult,
  type ClientEvents,
  deriveSnapshot,
  type EditOptions,
  type MutationResult,
  type StaffSyncSnapshot,
} from './snapshot.ts';
import { uuid } from './uuid.ts';

/**
 * The framework-free staff-sync client: one store per screen (docs/design.md, invariant 5). What it
 * shows is the confirmed server state with the pending mutations replayed on top; mutations wait
 * in a persisted outbox until the server answers, and are re-sent after every reconnect with the
 * same sequenceNumber (the server applies each at most once). A façade (docs/client.md): its state
 * changes only by `#dispatch` of an action (client-state.ts), the snapshot is derived from it, and
 * the work is done by the parts it wires together, each with its own timers.
 */
export class StaffSyncClient {
  readonly #events = new Emitter<ClientEvents>();
  readonly #listeners = new Set<() => void>();
  readonly #p: ClientParts;
  readonly #log: Pick<Console, 'warn'>;
  readonly #ready: Promise<void>;
  #state: ClientState = initialState;
  #published: { state: ClientState; snapshot: StaffSyncSnapshot };
  #wantConnected = false;
  #disposed = false;
  #releaseClaim = () => {};

  constructor(options: StaffSyncClientOptions) {
    this.#log = options.logger ?? console;
    const p = clientParts(options, {
      send: (type, payload) => this.#send(type, payload),
      dispatch: (action) => this.#dispatch(action),
      refused: (error) => this.#refused(error),
      failed: (error) => this.#fail(error),
      publish: () => this.#publish(),
      events: this.#events,
      log: this.#log,
    });
    this.#p = p;
    p.connection.events.on('state', (change) => {
      if (change.newState !== 'connected') partsLost(p);
      this.#dispatch({ type: 'connection', status: change.newState, transport: p.connection.transportKind ?? null });
      this.#publish();
      this.#events.emit('state', change);
    });
    p.connection.events.on('open', () => this.#onOpen());
    p.connection.events.on('frame', (text) => this.#onFrame(text));
    p.connection.events.on('fatal', ({ code, message }) => this.#fail(new StaffSyncError(code, message)));
    this.#dispatch({ type: 'pendingCount', count: p.outbox.size });
    this.#published = { state: this.#state, snapshot: deriveSnapshot(this.#state, this.#sources()) };
    this.#ready = this.#claimIdentity();
  }

  /** This tab's stable id: the same across reconnects and reloads of the tab. */
  get clientId(): string {
    return this.#p.identity.clientId;
  }

  /** Start connecting (and keep reconnecting) until `disconnect()`. */
  connect(): void {
    this.#wantConnected = true;
    void this.#ready.then(() => {
      if (this.#wantConnected && !this.#disposed) this.#p.connection.connect();
    });
  }

  /** Close the connection and stop reconnecting. Pending mutations stay in the outbox. */
  disconnect(): void {
    this.#wantConnected = false;
    this.#p.connection.disconnect();
  }

  /** Disconnect for good: pending promises reject with `CLOSED` (their mutations stay saved). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.disconnect();
    const error = 'the client was closed; the change stays saved and is sent by the next client of this tab';
    disposeParts(this.#p, new StaffSyncError('CLOSED', error));
    this.#releaseClaim();
  }

  /** The current state; a new object only when something in it changed (for useSyncExternalStore). */
  getSnapshot = (): StaffSyncSnapshot => this.#published.snapshot;

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
    this.#p.presence.set(staffId, dateKey);
  }

  /**
   * Keep the cells of schedule period `periodIndex` in step (undefined: none): asked for now and on
   * every connect, and shown in `snapshot.schedule`.
   */
  setSchedulePeriod(periodIndex: number | undefined): void {
    if (!this.#p.schedule.setPeriod(periodIndex)) return;
    this.#dispatch({ type: 'changed' });
    this.#publish();
  }

  /**
   * Set one schedule cell (`null` clears it). Shows at once; resolves on ACK, rejects on CONFLICT
   * (`error.cellConflict`) or ERROR. `options.baseVersion`: the cell's version when the person began
   * this edit; default the confirmed one now.
   */
  setCell(staffId: string, dateKey: string, value: string | null, options: EditOptions = {}): Promise<CellResult> {
    const change = this.#p.schedule.cellChange(staffId, dateKey, value, options.baseVersion);
    if (options.resolves) change.resolves = options.resolves;
    return this.#mutate<CellResult>('SHIFT_UPDATE', change);
  }

  /** Set many cells of one period in one change, all or nothing (a range fill, an undo of one). */
  setCells(periodIndex: number, cells: readonly CellEdit[]): Promise<CellResult> {
    return this.#mutate<CellResult>('SHIFT_BULK_UPDATE', this.#p.schedule.cellsChange(periodIndex, cells));
  }

  /** The period the screen looks at, for the next sync (every active member is here already). */
  setPeriod(period: number | undefined): void {
    this.#p.resume.period = period;
  }

  #mutate<R extends MutationResult | CellResult = MutationResult>(
    type: MutationMessage['type'],
    payload: Record<string, unknown>,
    editStartedAt?: number,
  ): Promise<R> {
    if (this.#disposed) return Promise.reject(new StaffSyncError('CLOSED', 'the client was closed'));
    const { maxMessageBytes } = this.#state;
    const outbox = { size: this.#p.outbox.size, limit: this.#p.outbox.limit };
    const checked = checkMutation({ type, payload, timestamp: this.#now(), clientId: this.clientId, maxMessageBytes, outbox });
    if (!checked.ok) return Promise.reject(checked.error);
    const result = this.#p.queue.enqueue<R>({ ...checked.message, sequenceNumber: this.#p.identity.next() }, editStartedAt);
    this.#publish();
    return result;
  }

  async #claimIdentity(): Promise<void> {
    const claim = await claimTab(this.#p.identity, this.#p.outbox);
    this.#releaseClaim = claim.release;
    if (claim.renewed) {
      this.#dispatch({ type: 'changed' });
      this.#publish();
    }
    if (this.#disposed) this.#releaseClaim();
  }

  #now(): string {
    return new Date(this.#p.clock.now()).toISOString();
  }

  #send(type: ClientMessage['type'], payload: ClientMessage['payload']): number | undefined {
    const sequenceNumber = this.#p.identity.next();
    const message = { type, payload, timestamp: this.#now(), clientId: this.clientId, sequenceNumber } as ClientMessage;
    return this.#p.connection.send(message) ? sequenceNumber : undefined;
  }

  #onOpen(): void {
    // A move from HTTP to a WebSocket opens without a state change: the snapshot shows it all the same.
    this.#dispatch({ type: 'connection', status: this.#p.connection.state, transport: this.#p.connection.transportKind ?? null });
    partsOpened(this.#p);
  }

  #onFrame(text: string): void {
    this.#p.liveness.heard();
    handleFrame(text, this.#p, {
      dispatch: (action) => this.#dispatch(action),
      failed: (error) => this.#fail(error),
      clientId: this.clientId,
      invalid: (bad) => {
        this.#log.warn('staff-sync: dropped a server message that failed validation:', bad.reason);
        this.#events.emit('invalidMessage', bad);
      },
    });
    this.#publish();
    this.#p.queue.pump();
  }

  #refused(error: StaffSyncError): void {
    this.#dispatch({ type: 'refused', error });
    this.#events.emit(error.code === 'CONFLICT' ? 'conflict' : 'error', error);
  }

  #fail(error: StaffSyncError): void {
    this.#dispatch({ type: 'failed', error });
    this.#events.emit('error', error);
    this.#publish();
  }

  #dispatch(action: ClientAction): void {
    this.#state = reduce(this.#state, action);
  }

  #sources() {
    const pending = this.#p.queue.pending();
    return { roster: this.#p.roster, pending, schedule: this.#p.schedule.snapshot(pending), clientId: this.clientId };
  }

  /** Derive the snapshot when the state moved since the last one, and tell the subscribers once. */
  #publish(): void {
    this.#dispatch({ type: 'pendingCount', count: this.#p.outbox.size });
    if (this.#state === this.#published.state) return;
    this.#published = { state: this.#state, snapshot: deriveSnapshot(this.#state, this.#sources(), this.#published) };
    for (const listener of this.#listeners) listener();
  }
}
