import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { sessionOf } from '../../src/dispatch/session.ts';
import { ChangeBatch, type HubEvent } from '../../src/fanout/change-batch.ts';
import { type CloseReason, Connection } from '../../src/transport/ws/connection.ts';
import type { FrameCompression } from '../../src/transport/ws/pass-frame.ts';

/**
 * Connection.sendBatch with a stand-in for ws's socket (the fields transport/ws/precompressed.ts
 * reads): which way a pass's frame goes, and what the backlog limit is charged for it.
 */
function fakeSocket(options: { deflate: boolean; busy?: boolean; buffered?: number }) {
  const written: { how: 'shared' | 'send'; bytes: number; compress?: boolean }[] = [];
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: options.buffered ?? 0,
    _extensions: options.deflate ? { 'permessage-deflate': { params: { server_no_context_takeover: true } } } : {},
    _sender: {
      _state: options.busy ? 1 : 0,
      _queue: [],
      sendFrame: (list: Buffer[]) => written.push({ how: 'shared', bytes: list.reduce((n, b) => n + b.length, 0) }),
    },
    send: (data: Buffer, opts: { compress?: boolean }) =>
      written.push({ how: 'send', bytes: data.length, compress: opts.compress }),
  };
  return { ws: ws as unknown as WebSocket, written };
}

const limits = (maxBacklogBytes: number) => ({
  maxBacklogBytes,
  maxPendingMessages: 10,
  rateLimitPerSecond: 10,
  rateLimitBurst: 10,
});
const identity = { restaurantId: 'r', role: 'editor' as const, userId: undefined, userName: undefined, expiresAt: undefined };
const event = (seq: number): HubEvent => {
  const text = JSON.stringify({ type: 'STAFF_UPDATE', seq, payload: { staffId: `s${seq % 3}`, name: '山田 太郎', order: seq } });
  return { seq, text, bytes: Buffer.byteLength(text) };
};
/** 40 events: about 3.5 KB plain, a few hundred bytes deflated. */
const pass = () => new ChangeBatch(Array.from({ length: 40 }, (_, i) => event(i + 1)));

function connect(socket: ReturnType<typeof fakeSocket>, maxBacklogBytes: number) {
  const closed: CloseReason[] = [];
  const sent: FrameCompression[] = [];
  let deflates = 0;
  const connection = new Connection(
    socket.ws,
    sessionOf('c', identity, undefined),
    limits(maxBacklogBytes),
    (_, r) => closed.push(r),
    {
      sent: (c) => sent.push(c),
      deflated: () => void deflates++,
    },
  );
  return { connection, closed, sent, deflates: () => deflates };
}

describe('Connection.sendBatch: a pass frame compressed once, and the backlog charged what is queued', () => {
  it('writes the shared compressed frame, charging its compressed size against the limit', () => {
    const batch = pass();
    const plainBytes = batch.frame('v1').length;
    expect(plainBytes).toBeGreaterThan(3000);
    // 1,500 bytes already buffered and a 2,000-byte limit: only the compressed frame fits.
    const socket = fakeSocket({ deflate: true, buffered: 1500 });
    const c = connect(socket, 2000);
    c.connection.sendBatch(batch);
    expect(c.closed).toEqual([]);
    expect(c.sent).toEqual(['shared']);
    expect(socket.written).toHaveLength(1);
    expect(socket.written[0]?.how).toBe('shared');
    expect(socket.written[0]?.bytes).toBeLessThan(500);
    // The same pass to a socket without permessage-deflate does not fit: the backlog closes it.
    const plain = connect(fakeSocket({ deflate: false, buffered: 1500 }), 2000);
    plain.connection.sendBatch(batch);
    expect(plain.closed).toEqual(['backlog']);
  });

  it('deflates once for many connections of a window size', () => {
    const batch = pass();
    const counters = [1, 2, 3].map(() => {
      const c = connect(fakeSocket({ deflate: true }), 1 << 20);
      c.connection.sendBatch(batch);
      return c;
    });
    expect(counters.map((c) => c.sent)).toEqual([['shared'], ['shared'], ['shared']]);
    expect(counters.map((c) => c.deflates())).toEqual([1, 0, 0]); // the first made it; the batch keeps it
  });

  it('behind a message the socket is still compressing, hands the frame to ws.send to queue in order', () => {
    const socket = fakeSocket({ deflate: true, busy: true });
    const c = connect(socket, 1 << 20);
    c.connection.sendBatch(pass());
    expect(c.sent).toEqual(['per_socket']);
    expect(socket.written).toEqual([{ how: 'send', bytes: pass().frame('v1').length, compress: true }]);
    expect(c.deflates()).toBe(0);
  });
});
