import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ChangeBatch } from '../src/fanout/change-batch.ts';
import { EventStream, type StreamEndReason } from '../src/transport/http/event-stream.ts';

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

const event = (seq: number) => {
  const text = JSON.stringify({ type: 'STAFF_UPDATE', seq });
  return { seq, text, bytes: Buffer.byteLength(text) };
};
const batch = (...seqs: number[]) => new ChangeBatch(seqs.map(event));
/** The seqs of the change events in one write. */
const seqsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

function stream(expiresAt?: number) {
  const response = new Response();
  const ended: StreamEndReason[] = [];
  const info = {
    id: 'c',
    restaurantId: 'r',
    role: 'editor' as const,
    userId: undefined,
    userName: undefined,
    expiresAt,
    period: undefined,
    dialect: 'v1' as const,
  };
  const s = new EventStream(
    response as unknown as ServerResponse,
    info,
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

  it('ends with `event: expired` when its token expires', async () => {
    const { s, response, ended } = stream(Date.now() + 50);
    s.open(0);
    s.catchUp([], 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(response.writes.at(-1)).toMatch(/^event: expired\ndata: \{"reason":/);
    expect(ended).toEqual(['token_expired']);
    expect(response.ended).toBe(true);
  });
});
