import type { ClientMessage } from '@staff-sync/protocol';
import type { Clock } from './clock.ts';
import type { TransportKind } from './transport.ts';

export interface PresenceOptions {
  clock: Clock;
  /** Over HTTP, how often it is renewed while it names a member. */
  renewMs: number;
  /** Shown to others when the token carries no name. */
  userName: string | undefined;
  /** The open transport's kind; undefined when none is open. */
  transportKind: () => TransportKind | undefined;
  send: (type: ClientMessage['type'], payload: ClientMessage['payload']) => void;
}

/**
 * What this user edits, told to the others (PRESENCE_SET): at once when it changes, again at every
 * open, and over HTTP renewed on a timer of its own while it names a member (there presence is a
 * lease on the server, docs/protocol.md "Presence").
 */
export class Presence {
  readonly #o: PresenceOptions;
  #staffId: string | null = null;
  /** The schedule cell of the member being edited, on the schedule screen. */
  #dateKey: string | null = null;
  #timer: unknown;

  constructor(options: PresenceOptions) {
    this.#o = options;
  }

  /** Name the member (and cell) being edited; `null`: none. Sent when it is a change. */
  set(staffId: string | null, dateKey: string | null): void {
    const date = staffId === null ? null : dateKey;
    if (this.#staffId === staffId && this.#dateKey === date) return;
    this.#staffId = staffId;
    this.#dateKey = date;
    this.#send();
  }

  /** A transport opened: what was named before is told again. */
  opened(): void {
    if (this.#staffId !== null) this.#send();
  }

  stop(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #send(): void {
    this.stop();
    const kind = this.#o.transportKind();
    if (kind === undefined) return; // sent again after the next open
    const { userName } = this.#o;
    const where = this.#dateKey === null ? { staffId: this.#staffId } : { staffId: this.#staffId, dateKey: this.#dateKey };
    this.#o.send('PRESENCE_SET', userName ? { ...where, userName } : where);
    if (kind === 'http' && this.#staffId !== null) this.#timer = this.#o.clock.setTimeout(() => this.#send(), this.#o.renewMs);
  }
}
