/**
 * The one interface both database drivers implement (embedded PGlite, PostgreSQL through
 * postgres.js). Everything above it (migrations, mutations, snapshots, the change feed) is written
 * once against it, and one storage test suite runs against both drivers.
 */

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Run one parameterized statement ($1, $2, ...) and return its rows. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run a script of several statements without parameters (migrations only). */
  exec(script: string): Promise<void>;
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, isolation?: Isolation): Promise<T>;
  /**
   * LISTEN on `channel`. `onReady` runs once the listener is in place and again after every
   * reconnect of the listening connection, so that the caller can catch up on what it missed;
   * `onLost` runs when the listening connection dropped (notifications are missed until the next
   * `onReady`). The embedded driver never loses it.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReady?: () => void,
    onLost?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
