import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeBatch } from '../../src/fanout/change-batch.ts';
import { EventStream, type StreamEndReason } from '../../src/transport/http/event-stream.ts';

/** The part of a ServerResponse an EventStream uses, keeping each write apart. */
class Response extends EventEmitter {
  readonly writes: string[] = [];
  status: number | undefined;
  ended = false;
  destroyed = false;
  writableLength = 0;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/**
 * A real Writable as the response, with a reader the test controls: each chunk stays in the
 * stream's buffer (its writableLength, as on a socket whose peer stopped reading) until `drain`.
 */
class StalledResponse extends Writable {
  readonly #waiting: (() => void)[] = [];
  readonly taken: string[] = [];
  constructor() {
    super({ highWaterMark: 64, decodeStrings: false });
  }
  writeHead(): this {
    return this;
  }
  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#waiting.push(() => {
      this.taken.push(chunk);
      callback();
    });
  }
  /** The reader takes one chunk at a time (the next is handed over only after the last was taken). */
  drain(): void {
    while (this.#waiting.length > 0) this.#waiting.shift()?.();
  }
}

const event = (seq: number) => {
  const text = JSON.stringify({ type: 'STAFF_UPDATE', seq });
  return { seq, text, bytes: Buffer.byteLength(text) };
};
const batch = (...seqs: number[]) => new ChangeBatch(seqs.map(event));
/** The seqs of the change events in one write. */
const seqsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

const info = (expiresAt?: number) => ({
  id: 'c',
  restaurantId: 'r',
  role: 'editor' as const,
  userId: undefined,
  userName: undefined,
  expiresAt,
  period: undefined,
  dialect: 'v1' as const,
});

function stream(expiresAt?: number) {
  const response = new Response();
  const ended: StreamEndReason[] = [];
  const s = new EventStream(
    response as unknown as ServerResponse,
    info(expiresAt),
    { maxBacklogBytes: 1 << 20, keepAliveMs: 60_000 },
    (_, r) => ended.push(r),
  );
  return { s, response, ended };
}

describe('EventStream (GET /api/v1/changes)', () => {
  it('writes a fan-out pass in one write when up to date, and only what it has not sent', () => {
    const { s, response } = stream();
    s.open(5);
    s.catchUp([], 5);
    const before = response.writes.length;
    s.sendBatch(batch(6, 7, 8));
    expect(response.writes.length).toBe(before + 1);
    expect(seqsIn(response.writes.at(-1) as string)).toEqual([6, 7, 8]);
    expect(response.writes.at(-1)).toBe(batch(6, 7, 8).sse());
    // A pass that overlaps what went out (after a catch-up) sends only the rest.
    s.sendBatch(batch(8, 9));
    expect(response.writes.slice(before + 1).flatMap(seqsIn)).toEqual([9]);
    s.end('client');
  });

  it('holds passes during the catch-up and writes them after it, each event once and in order', () => {
    const { s, response } = stream();
    s.open(10);
    s.sendBatch(batch(11, 12));
    expect(response.writes.flatMap(seqsIn)).toEqual([]);
    s.catchUp([event(11)] as never, 11);
    expect(response.writes.flatMap(seqsIn)).toEqual([11, 12]);
    s.sendBatch(batch(13));
    expect(response.writes.flatMap(seqsIn)).toEqual([11, 12, 13]);
    s.end('client');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends with `event: expired` when its token expires', () => {
    vi.useFakeTimers();
    const { s, response, ended } = stream(Date.now() + 50);
    s.open(0);
    s.catchUp([], 0);
    vi.advanceTimersByTime(49);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(response.writes.at(-1)).toMatch(/^event: expired\ndata: \{"reason":/);
    expect(ended).toEqual(['token_expired']);
    expect(response.ended).toBe(true);
  });

  it('counts what a reader that stopped reading has not taken, and ends the stream past the limit', () => {
    const response = new StalledResponse();
    const ended: StreamEndReason[] = [];
    const s = new EventStream(
      response as unknown as ServerResponse,
      info(),
      { maxBacklogBytes: 2000, keepAliveMs: 60_000 },
      (_, r) => ended.push(r),
    );
    s.open(0);
    s.catchUp([], 0);
    let seq = 0;
    const backlogs: number[] = [];
    while (ended.length === 0 && seq < 100) {
      s.sendBatch(batch(++seq));
      backlogs.push(response.writableLength);
    }
    // The backlog grew with every event nobody took, and passing 2000 bytes ended the stream.
    expect(backlogs[0]).toBeGreaterThan(0);
    expect(backlogs.at(-2)).toBeGreaterThan(backlogs[0] as number);
    expect(ended).toEqual(['backlog']);
    expect(response.destroyed).toBe(true);
    expect(seq).toBeLessThan(100);
  });

  it('keeps a stream whose reader keeps up, however much goes through it', () => {
    const response = new StalledResponse();
    const ended: StreamEndReason[] = [];
    const s = new EventStream(
      response as unknown as ServerResponse,
      info(),
      { maxBacklogBytes: 2000, keepAliveMs: 60_000 },
      (_, r) => ended.push(r),
    );
    s.open(0);
    s.catchUp([], 0);
    for (let seq = 1; seq <= 100; seq++) {
      s.sendBatch(batch(seq));
      response.drain();
    }
    expect(ended).toEqual([]);
    expect(response.taken.join('').match(/^id: /gm)).toHaveLength(100);
    s.end('client');
  });

  it('counts events held during the catch-up against the same limit', () => {
    const response = new StalledResponse();
    const ended: StreamEndReason[] = [];
    const s = new EventStream(
      response as unknown as ServerResponse,
      info(),
      { maxBacklogBytes: 2000, keepAliveMs: 60_000 },
      (_, r) => ended.push(r),
    );
    s.open(0);
    response.drain();
    let seq = 0;
    while (ended.length === 0 && seq < 200) s.sendBatch(batch(++seq)); // all held: the catch-up has not been written
    expect(ended).toEqual(['backlog']);
    expect(seq).toBeGreaterThan(10);
    expect(seq).toBeLessThan(200);
  });
});
