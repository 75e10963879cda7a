import {
  type AnyChangeEvent,
  type ServerMessage,
  type ShiftChangeEvent,
  type StaffPatch,
  toCompactEvent,
  toPlainMessage,
  toStaffPatch,
  toStaffPatches,
} from '@staff-sync/protocol';
import type { Session } from '../dispatch/session.ts';
import { toChangeEvent } from '../engine/change-event.ts';
import type { ChangeFeed } from '../engine/change-feed.ts';
import type { ChangeRecord } from '../engine/collections/collection.ts';
import type { Metrics } from '../metrics.ts';
import { ChangeBatch, type HubEvent } from './change-batch.ts';

/** Anything that receives a restaurant's change events: a WebSocket connection, an SSE stream. */
export interface Subscriber {
  readonly info: Session;
  /** One change event, serialized once for everyone of its dialect. */
  sendChange(event: HubEvent): void;
  /** The events of one fan-out pass at once; subscribers without it get them one by one. */
  sendBatch?(batch: ChangeBatch): void;
  /** Any other server message (PRESENCE). */
  send<M extends ServerMessage>(type: M['type'], payload: M['payload']): void;
}

interface Room {
  subscribers: Set<Subscriber>;
  pending: HubEvent[];
  published: ChangeRecord[];
  /** When the first part of a bulk change still missing its last part came (performance.now()). */
  bulkOpenSince?: number | undefined;
}

export interface HubOptions {
  /**
   * Least time between two fan-out passes. Changes committed meanwhile go out together, one frame
   * per subscriber. A pass that comes after a quiet spell goes out at once.
   */
  fanoutIntervalMs: number;
}

/**
 * A pass costs one socket write per subscriber (about 12-15 us of kernel time each on the
 * benchmark machine's loopback). Spacing passes by this many times the time the last one spent
 * writing keeps fan-out to about 40% of the event loop at any subscriber count; under load the
 * batches grow instead of the queue.
 */
const PASS_SPACING = 2.5;
/** Subscribers written per event-loop turn, so replies (ACK) are not stuck behind a long pass. */
const SLICE = 256;
/**
 * A bulk change's parts come from the feed one by one, over several reads of the database's
 * socket; its restaurant's pass waits for the last part so that subscribers get the bulk in one
 * frame (docs/protocol.md, "The shift schedule"), but never longer than this.
 */
const BULK_WAIT_MS = 1000;

interface Delivery {
  batch: ChangeBatch;
  subscribers: Subscriber[];
  published: ChangeRecord[];
}

/**
 * Subscribers grouped by restaurant. Each committed change from the feed is serialized once, and
 * each fan-out pass writes one frame per subscriber with every change gathered since the last
 * pass, whatever period each subscriber looks at.
 */
export class Hub {
  readonly #rooms = new Map<string, Room>();
  /** Restaurants whose room has pending changes: a pass looks at these, not at every room. */
  readonly #due = new Set<string>();
  readonly #feed: ChangeFeed;
  readonly #metrics: Metrics;
  readonly #options: HubOptions;
  readonly #published = new Set<(change: ChangeRecord) => void>();
  #scheduled = false;
  #nextPassAt = -Infinity;
  #bulkTimer: ReturnType<typeof setTimeout> | undefined;
  /** The pass in progress: passes never overlap, or a later batch could overtake an earlier one. */
  #running: Promise<void> | undefined;

  constructor(feed: ChangeFeed, metrics: Metrics, options: HubOptions) {
    this.#feed = feed;
    this.#metrics = metrics;
    this.#options = options;
    feed.onChange((change) => this.#collect(change));
  }

  /** Add a subscriber; resolves once its restaurant's changes are followed. */
  async join(subscriber: Subscriber): Promise<void> {
    const { restaurantId } = subscriber.info;
    let room = this.#rooms.get(restaurantId);
    if (!room) {
      room = { subscribers: new Set(), pending: [], published: [] };
      this.#rooms.set(restaurantId, room);
    }
    room.subscribers.add(subscriber);
    await this.#feed.follow(restaurantId);
  }

  leave(subscriber: Subscriber): void {
    const { restaurantId } = subscriber.info;
    const room = this.#rooms.get(restaurantId);
    if (!room) return;
    room.subscribers.delete(subscriber);
    if (room.subscribers.size === 0 && room.pending.length === 0) {
      this.#rooms.delete(restaurantId);
      this.#feed.unfollow(restaurantId);
    }
  }

  subscribers(restaurantId: string): Iterable<Subscriber> {
    return this.#rooms.get(restaurantId)?.subscribers ?? [];
  }

  restaurants(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Called once a change has been handed to every subscriber of its restaurant. */
  onPublished(listener: (change: ChangeRecord) => void): void {
    this.#published.add(listener);
  }

  /** Hand out everything gathered so far now (before a shutdown closes the sockets). */
  flush(): Promise<void> {
    return this.#pass(true);
  }

  #collect(change: ChangeRecord): void {
    const room = this.#rooms.get(change.restaurantId);
    if (!room) return;
    const event = toChangeEvent(change);
    const text = JSON.stringify(event);
    let plain: string | undefined;
    let compact: string | undefined;
    let patch: StaffPatch | undefined | null = null;
    const patchOf = () => {
      if (patch === null) patch = toStaffPatch(event as AnyChangeEvent);
      return patch;
    };
    this.#due.add(change.restaurantId);
    room.pending.push({
      seq: change.seq,
      text,
      bytes: Buffer.byteLength(text),
      plain: () => (plain ??= JSON.stringify(toPlainMessage(event))),
      compact: () => {
        if (compact !== undefined) return compact;
        const row = patchOf();
        compact = JSON.stringify(row ? toStaffPatches([row]) : toCompactEvent(event as AnyChangeEvent));
        return compact;
      },
      patch: patchOf,
      collection: change.collection,
      bulk: change.bulk,
      ...(change.bulk ? { cell: event as ShiftChangeEvent } : {}),
    });
    room.published.push(change);
    if (change.bulk && change.bulk.left > 0) {
      room.bulkOpenSince ??= performance.now();
      this.#armBulkTimer();
      return;
    }
    room.bulkOpenSince = undefined;
    this.#schedule();
  }

  /** Should a bulk's last part never come, its room's pass goes ahead after the wait. */
  #armBulkTimer(): void {
    if (this.#bulkTimer) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const restaurantId of this.#due) {
      const since = this.#rooms.get(restaurantId)?.bulkOpenSince;
      if (since !== undefined) earliest = Math.min(earliest, since);
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.#bulkTimer = setTimeout(
      () => {
        this.#bulkTimer = undefined;
        this.#schedule();
      },
      Math.max(0, earliest + BULK_WAIT_MS - performance.now()),
    );
  }

  /** True while the room's pending changes end in a bulk change whose last part has not come yet. */
  #waitingForBulk(room: Room, now: number): boolean {
    return room.bulkOpenSince !== undefined && now - room.bulkOpenSince < BULK_WAIT_MS;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#nextPassAt - performance.now();
    if (wait > 0) setTimeout(() => this.#pass(), wait);
    else setImmediate(() => this.#pass());
  }

  /** Some room has changes for a pass now (not only a bulk still waiting for its last part). */
  #anyDue(now: number): boolean {
    for (const restaurantId of this.#due) {
      const room = this.#rooms.get(restaurantId);
      if (room && room.pending.length > 0 && !this.#waitingForBulk(room, now)) return true;
    }
    return false;
  }

  /** Hand every room's gathered changes to its subscribers, a slice of subscribers per turn. */
  #pass(force = false): Promise<void> {
    if (this.#running) return this.#running.then(() => this.#pass(force));
    const startedAt = performance.now();
    const deliveries: Delivery[] = [];
    for (const restaurantId of this.#due) {
      const room = this.#rooms.get(restaurantId);
      if (!room || room.pending.length === 0) {
        this.#due.delete(restaurantId);
        continue;
      }
      if (!force && this.#waitingForBulk(room, startedAt)) continue;
      // Emptied in place (splice), not replaced: a room lives long, so its arrays end up in V8's
      // old generation, and a dropped old array would keep its events alive in every young-
      // generation collection until the next full one (about 6 MB/s promoted at 1,000 changes/s).
      deliveries.push({
        batch: new ChangeBatch(room.pending.splice(0)),
        subscribers: [...room.subscribers],
        published: room.published.splice(0),
      });
      room.bulkOpenSince = undefined;
      this.#due.delete(restaurantId);
      // Everyone left while its changes waited for this pass (leave keeps such a room).
      if (room.subscribers.size === 0) {
        this.#rooms.delete(restaurantId);
        this.#feed.unfollow(restaurantId);
      }
    }
    let done = false;
    // Time spent writing, without the other work that runs between slices.
    let busy = 0;
    const running = new Promise<void>((resolve) => {
      const deliver = (d: number, from: number): void => {
        const sliceStart = performance.now();
        for (; d < deliveries.length; d++, from = 0) {
          const { batch, subscribers, published } = deliveries[d] as Delivery;
          const to = Math.min(from + SLICE, subscribers.length);
          for (let i = from; i < to; i++) {
            const subscriber = subscribers[i] as Subscriber;
            if (subscriber.sendBatch) subscriber.sendBatch(batch);
            else for (const e of batch.events) subscriber.sendChange(e);
          }
          if (to < subscribers.length) {
            busy += performance.now() - sliceStart;
            setImmediate(() => deliver(d, to));
            return;
          }
          this.#metrics.changesPublished.inc(batch.events.length);
          for (const change of published) for (const listener of this.#published) listener(change);
        }
        busy += performance.now() - sliceStart;
        this.#nextPassAt = startedAt + Math.max(this.#options.fanoutIntervalMs, busy * PASS_SPACING);
        done = true;
        this.#running = undefined;
        this.#scheduled = false;
        // Rooms waiting for a bulk's last part are scheduled by its arrival or by the bulk timer.
        if (this.#anyDue(performance.now())) this.#schedule();
        this.#armBulkTimer();
        resolve();
      };
      deliver(0, 0);
    });
    if (!done) this.#running = running; // still slicing: later passes wait for it
    return running;
  }
}
