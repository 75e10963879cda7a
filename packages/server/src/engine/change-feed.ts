import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { currentSeq, currentSeqs } from '../storage/change-log.ts';
import type { Db } from '../storage/db.ts';
import { type Clock, systemClock } from '../storage/reconnect.ts';
import type { ChangeRow } from '../storage/rows.ts';
import { readChanges } from './changes.ts';
import type { ChangeRecord } from './collections/collection.ts';
import { changeRecordOf } from './collections/index.ts';
import { FeedPoller } from './feed-poller.ts';

const CHANGES_CHANNEL = 'staff_sync_changes';

type Listener = (change: ChangeRecord) => void;

interface Stream {
  /** Highest seq delivered to listeners. */
  lastSeq: number;
  /** Highest seq known to exist (notified, committed here, or read from the counter). */
  knownSeq: number;
  /** Work for this restaurant runs one step at a time, in arrival order. */
  tail: Promise<void>;
}

export interface ChangeFeedOptions {
  /** While LISTEN is down, read the counters this often (default 250 ms). */
  pollIntervalMs?: number;
  clock?: Clock;
}

export interface FeedStatus {
  /** The LISTEN connection is up. */
  listening: boolean;
  /** Listening, or catching up by polling that succeeds: new changes reach subscribers. */
  following: boolean;
  /** Changes known to be committed but not yet delivered, for the restaurant furthest behind. */
  behind: number;
}

/**
 * Committed changes from the database, in seq order per restaurant, without gaps (docs/design.md
 * invariant 4). Notifications come from the change-log trigger. A notification that skips a seq,
 * one too large to carry the change, and a reconnect of the listening connection all make the
 * feed read what it missed from the change log before going on, so a lost notification delays a
 * change but never loses it. While the listening connection is down, the feed polls the counters
 * and reads the log on its own, and a change committed by this replica is read at once (its seq
 * is a lower bound of what exists): see docs/operations.md, "When PostgreSQL restarts". Only
 * restaurants someone here is subscribed to are followed.
 */
export class ChangeFeed {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #clock: Clock;
  readonly #streams = new Map<string, Stream>();
  readonly #listeners = new Set<Listener>();
  readonly #poller: FeedPoller;
  #unlisten: (() => Promise<void>) | undefined;
  #started = false;
  #listening = false;
  #lostAt = 0;

  constructor(db: Db, log: Logger, metrics: Metrics, options: ChangeFeedOptions = {}) {
    this.#db = db;
    this.#log = log;
    this.#metrics = metrics;
    this.#clock = options.clock ?? systemClock;
    metrics.measureFeedBehind(() => this.status().behind);
    this.#poller = new FeedPoller({
      intervalMs: options.pollIntervalMs ?? 250,
      clock: this.#clock,
      poll: () => this.#pollCounters(),
      onFailing: (error) =>
        this.#log.warn({ err: error }, 'change feed cannot read the change log yet; retrying while LISTEN is down'),
    });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#db.listen(
      CHANGES_CHANNEL,
      (payload) => this.#onNotification(payload),
      () => this.#onListening(),
      () => this.#onListenLost(),
    );
  }

  async stop(): Promise<void> {
    this.#poller.stop();
    await this.#unlisten?.();
    this.#unlisten = undefined;
    await Promise.all([...this.#streams.values()].map((s) => s.tail));
  }

  /** What /ready and the metrics report. */
  status(): FeedStatus {
    let behind = 0;
    for (const stream of this.#streams.values()) behind = Math.max(behind, stream.knownSeq - stream.lastSeq);
    return { listening: this.#listening, following: this.#listening || this.#poller.healthy, behind };
  }

  /**
   * This replica committed `seq` for the restaurant. While LISTEN is down nothing else would tell
   * the feed, so it reads the log up to there at once.
   */
  noteCommitted(restaurantId: string, seq: number): void {
    const stream = this.#streams.get(restaurantId);
    if (!stream || seq <= stream.knownSeq) return;
    stream.knownSeq = seq;
    if (!this.#listening) this.#enqueue(restaurantId, (s) => this.#advance(restaurantId, s, seq, undefined));
  }

  #onListening(): void {
    // Initial LISTEN, and again after the listening connection reconnected: catch up.
    this.#listening = true;
    this.#metrics.feedListening.set(1);
    this.#poller.stop();
    if (this.#started) {
      this.#log.warn(
        { downMs: this.#clock.now() - this.#lostAt, behind: this.status().behind },
        'change feed listener reconnected; catching up from the change log',
      );
      for (const restaurantId of this.#streams.keys()) this.#catchUp(restaurantId);
    }
    this.#started = true;
  }

  #onListenLost(): void {
    this.#listening = false;
    this.#lostAt = this.#clock.now();
    this.#metrics.feedListening.set(0);
    this.#log.warn('change feed lost its LISTEN connection; reading the change log by polling until it is back');
    this.#poller.start();
  }

  /** One poll while LISTEN is down: every followed restaurant's counter, then what it missed. */
  async #pollCounters(): Promise<void> {
    // Asked even when nobody here follows a restaurant: a poll that succeeds is also what tells
    // /ready that the database is back.
    const seqs = await currentSeqs(this.#db, [...this.#streams.keys()]);
    for (const [restaurantId, seq] of seqs) {
      const stream = this.#streams.get(restaurantId);
      if (!stream || seq <= stream.lastSeq) continue;
      stream.knownSeq = Math.max(stream.knownSeq, seq);
      this.#log.info({ restaurantId, behind: seq - stream.lastSeq }, 'change feed behind while LISTEN is down; catching up');
      this.#enqueue(restaurantId, (s) => this.#advance(restaurantId, s, seq, undefined));
    }
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Start following a restaurant from its current seq. Resolves once that seq is known. */
  follow(restaurantId: string): Promise<void> {
    const existing = this.#streams.get(restaurantId);
    if (existing) return existing.tail;
    const stream: Stream = { lastSeq: 0, knownSeq: 0, tail: Promise.resolve() };
    stream.tail = currentSeq(this.#db, restaurantId).then(
      (seq) => {
        stream.lastSeq = seq;
        stream.knownSeq = Math.max(stream.knownSeq, seq);
      },
      (error: unknown) => {
        this.#log.error({ err: error, restaurantId }, 'change feed could not read the current seq');
        this.#streams.delete(restaurantId);
        throw error;
      },
    );
    this.#streams.set(restaurantId, stream);
    return stream.tail;
  }

  unfollow(restaurantId: string): void {
    this.#streams.delete(restaurantId);
  }

  /** Resolves when everything queued for the restaurant so far has been delivered. */
  settled(restaurantId: string): Promise<void> {
    return this.#streams.get(restaurantId)?.tail.catch(() => {}) ?? Promise.resolve();
  }

  #onNotification(payload: string): void {
    let row: (Partial<ChangeRow> & { truncated?: boolean }) | undefined;
    try {
      row = JSON.parse(payload);
    } catch (error) {
      this.#log.error({ err: error }, 'change feed received a notification that is not JSON');
      return;
    }
    if (!row?.restaurant_id || row.seq === undefined) return;
    const restaurantId = String(row.restaurant_id);
    const seq = Number(row.seq);
    const record = row.truncated ? undefined : changeRecordOf(row as ChangeRow);
    const stream = this.#streams.get(restaurantId);
    if (stream && seq > stream.knownSeq) stream.knownSeq = seq;
    this.#enqueue(restaurantId, (stream) => this.#advance(restaurantId, stream, seq, record));
  }

  /** Deliver every change committed so far for a followed restaurant; resolves when done. */
  catchUp(restaurantId: string): Promise<void> {
    this.#catchUp(restaurantId);
    return this.settled(restaurantId);
  }

  #catchUp(restaurantId: string): void {
    this.#enqueue(restaurantId, async (stream) => {
      const seq = await currentSeq(this.#db, restaurantId);
      await this.#advance(restaurantId, stream, seq, undefined);
    });
  }

  #enqueue(restaurantId: string, step: (stream: Stream) => Promise<void>): void {
    const stream = this.#streams.get(restaurantId);
    if (!stream) return; // nobody here follows this restaurant
    stream.tail = stream.tail
      .catch(() => {})
      .then(() => (this.#streams.get(restaurantId) === stream ? step(stream) : undefined))
      .catch((error: unknown) => {
        this.#metrics.databaseErrors.inc({ operation: 'change_feed' });
        this.#log.error({ err: error, restaurantId }, 'change feed step failed; will catch up on the next change');
      });
  }

  /** Deliver everything up to `seq`; `record` is seq's change when the notification carried it. */
  async #advance(restaurantId: string, stream: Stream, seq: number, record: ChangeRecord | undefined): Promise<void> {
    if (seq <= stream.lastSeq) return;
    if (record && seq === stream.lastSeq + 1) {
      this.#deliver(stream, record);
      return;
    }
    this.#metrics.feedGapsFilled.inc();
    const missed = await readChanges(this.#db, restaurantId, stream.lastSeq, seq);
    for (const change of missed) this.#deliver(stream, change);
    if (stream.lastSeq < seq) {
      // Pruned from the log (or never there): subscribers detect the gap and resume.
      this.#log.warn({ restaurantId, from: stream.lastSeq, to: seq }, 'change log no longer holds changes; skipping ahead');
      stream.lastSeq = seq;
    }
  }

  #deliver(stream: Stream, change: ChangeRecord): void {
    if (change.seq <= stream.lastSeq) return;
    stream.lastSeq = change.seq;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#log.error({ err: error }, 'change listener failed');
      }
    }
  }
}
