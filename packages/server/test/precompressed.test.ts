import type { AddressInfo } from 'node:net';
import { WireTap } from '@staff-sync/test-support/wire-tap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { type PerMessageDeflateOptions, WebSocketServer } from 'ws';
import { ChangeBatch, type HubEvent } from '../src/fanout/change-batch.ts';
import { deflateMessage } from '../src/transport/ws/deflate-message.ts';
import { type FrameCompression, passFrame, sendOwnMessage, sendPassFrame } from '../src/transport/ws/pass-frame.ts';
import {
  COMPRESS_THRESHOLD,
  deflateState,
  framePrecompressed,
  PER_MESSAGE_DEFLATE,
  releaseInflater,
  writeFramed,
} from '../src/transport/ws/precompressed.ts';

/**
 * A fan-out pass's frame deflated once and written to many sockets through ws's internals
 * (transport/ws/precompressed.ts), against real ws sockets on loopback with the gateway's
 * permessage-deflate options. If a ws upgrade changes what that module relies on, these fail.
 */

interface Peer {
  /** The server's side of the socket. */
  server: WebSocket;
  client: WebSocket;
  wire: WireTap;
  texts: string[];
}

function counters() {
  const sent: FrameCompression[] = [];
  let deflates = 0;
  return {
    sent,
    get deflates() {
      return deflates;
    },
    sink: { sent: (c: FrameCompression) => sent.push(c), deflated: () => void deflates++ },
  };
}

const member = (i: number) => ({
  type: 'STAFF_UPDATE',
  seq: i,
  payload: { staffId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `山田 太郎 ${i}`, position: '料理長' },
});
const event = (i: number): HubEvent => {
  const text = JSON.stringify(member(i));
  return { seq: i, text, bytes: Buffer.byteLength(text) };
};
/** A pass of `n` change events (frame over 1 KiB from about 5 on). */
const batchOf = (from: number, n: number) => new ChangeBatch(Array.from({ length: n }, (_, k) => event(from + k)));

describe('a pass frame deflated once for many sockets (ws internals)', () => {
  const servers: WebSocketServer[] = [];
  const peers: Peer[] = [];

  async function listen(perMessageDeflate: PerMessageDeflateOptions | false) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
    servers.push(wss);
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return wss;
  }

  async function connect(wss: WebSocketServer, perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<Peer> {
    const wire = new WireTap();
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, {
      perMessageDeflate,
      createConnection: wire.createConnection,
    });
    const texts: string[] = [];
    client.on('message', (data) => texts.push(String(data)));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const peer = { server: await accepted, client, wire, texts };
    peers.push(peer);
    return peer;
  }

  const received = async (peer: Peer, count: number) => {
    for (let i = 0; i < 500 && peer.texts.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    return peer.texts;
  };

  let gateway: WebSocketServer;
  beforeAll(async () => {
    gateway = await listen(PER_MESSAGE_DEFLATE);
  });
  afterAll(async () => {
    for (const p of peers) p.client.terminate();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('reads what each socket negotiated: the window size, or none, or only per-socket compression', async () => {
    const byDefault = await connect(gateway, true);
    const narrow = await connect(gateway, { serverMaxWindowBits: 10 });
    const plain = await connect(gateway, false);
    expect(deflateState(byDefault.server)).toEqual({ kind: 'shared', windowBits: 15, idle: true });
    expect(deflateState(narrow.server)).toEqual({ kind: 'shared', windowBits: 10, idle: true });
    expect(deflateState(plain.server)).toEqual({ kind: 'none' });
    // With context takeover, each socket's compressed bytes depend on what it was sent before.
    const withContext = await connect(await listen({ threshold: COMPRESS_THRESHOLD }), true);
    expect(deflateState(withContext.server)).toEqual({ kind: 'per_socket' });
  });

  it('the wire tap counts each frame once, also one that came with the upgrade response', async () => {
    const greeting = await listen(false);
    greeting.on('connection', (ws) => ws.send('hello'));
    const peer = await connect(greeting, false);
    expect(await received(peer, 1)).toEqual(['hello']);
    peer.server.send('again');
    expect(await received(peer, 2)).toEqual(['hello', 'again']);
    expect(peer.wire.dataFrames).toEqual([
      { opcode: 1, fin: true, rsv1: false, payloadBytes: 5 },
      { opcode: 1, fin: true, rsv1: false, payloadBytes: 5 },
    ]);
  });

  it('deflates a pass once per window size, and every client reads the exact frame, compressed on the wire', async () => {
    const wide = [await connect(gateway, true), await connect(gateway, true), await connect(gateway, true)];
    const narrow = await connect(gateway, { serverMaxWindowBits: 10 });
    const plain = await connect(gateway, false);
    const batch = batchOf(1, 20);
    const text = batch.frame('v1').toString();
    expect(text.length).toBeGreaterThan(COMPRESS_THRESHOLD);
    const c = counters();
    const all = [...wide, narrow, plain];
    const bytes: number[] = [];
    for (const peer of all) {
      const out = passFrame(peer.server, batch, 'v1', c.sink);
      bytes.push(out.bytes);
      sendPassFrame(peer.server, out, c.sink);
    }
    expect(c.deflates).toBe(2); // window 15 and window 10, however many sockets each
    expect(c.sent).toEqual(['shared', 'shared', 'shared', 'shared', 'none']);
    for (const peer of all) expect(await received(peer, 1)).toEqual([text]);
    for (const peer of [...wide, narrow]) {
      const [frame] = peer.wire.dataFrames;
      expect(frame).toMatchObject({ rsv1: true, fin: true, opcode: 1 });
      expect(frame?.payloadBytes).toBeLessThan(batch.frame('v1').length / 3);
    }
    const size = batch.frame('v1').length;
    expect(plain.wire.dataFrames).toEqual([{ opcode: 1, fin: true, rsv1: false, payloadBytes: size }]);
    // The backlog is charged what the socket is given, header included: the compressed frame, or
    // the plain one (framed once for the pass too, and written whole).
    expect(bytes[0]).toBe((wide[0]?.wire.dataFrames[0]?.payloadBytes ?? 0) + 4);
    expect(bytes[4]).toBe(size + 4);
  });

  it('compresses a socket’s own large message in one call, keeping no zlib stream on the socket', async () => {
    const zlibStreamOf = (ws: WebSocket) =>
      (ws as unknown as { _extensions: Record<string, { _deflate: unknown }> })._extensions['permessage-deflate']?._deflate;
    const ours = await connect(gateway, true);
    const theirs = await connect(gateway, true);
    const big = JSON.stringify({ type: 'SYNC_RESPONSE', payload: Array.from({ length: 40 }, (_, i) => member(i)) });
    expect(big.length).toBeGreaterThan(COMPRESS_THRESHOLD);
    sendOwnMessage(ours.server, big);
    sendOwnMessage(ours.server, '{"type":"ACK"}'); // small: plain, and after the big one
    theirs.server.send(big); // what ws does on its own: a stream per socket, kept after the message
    expect(await received(ours, 2)).toEqual([big, '{"type":"ACK"}']);
    expect(await received(theirs, 1)).toEqual([big]);
    expect(ours.wire.dataFrames.map((f) => f.rsv1)).toEqual([true, false]);
    expect(ours.wire.dataFrames[0]?.payloadBytes).toBeLessThan(big.length / 3);
    expect(zlibStreamOf(ours.server)).toBeNull();
    expect(zlibStreamOf(theirs.server)).not.toBeNull();
  });

  it('drops the inflate stream after each message from a client that compresses everything, and still reads the next', async () => {
    const inflaterOf = (ws: WebSocket) =>
      (ws as unknown as { _extensions: Record<string, { _inflate: unknown }> })._extensions['permessage-deflate']?._inflate;
    const peer = await connect(gateway, { threshold: 0 }); // as browsers do: every message compressed
    const got: string[] = [];
    const kept: unknown[] = [];
    peer.server.on('message', (data) => {
      kept.push(inflaterOf(peer.server));
      releaseInflater(peer.server);
      got.push(String(data));
    });
    const messages = ['{"type":"PING"}', JSON.stringify({ type: 'SYNC_REQUEST', payload: { big: 'x'.repeat(5000) } }), '{"n":3}'];
    for (const m of messages) peer.client.send(m);
    for (let i = 0; i < 500 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(messages);
    expect(kept.every((inflater) => inflater)).toBe(true); // ws had made one for each message
    expect(inflaterOf(peer.server)).toBeNull(); // and none is kept between messages
  });

  it('sends a pass frame under 256 bytes uncompressed, with no deflate', async () => {
    const peer = await connect(gateway, true);
    const batch = batchOf(100, 1);
    const c = counters();
    sendPassFrame(peer.server, passFrame(peer.server, batch, 'v1', c.sink), c.sink);
    expect(await received(peer, 1)).toEqual([batch.frame('v1').toString()]);
    expect(c.deflates).toBe(0);
    expect(c.sent).toEqual(['none']);
    expect(peer.wire.dataFrames[0]?.rsv1).toBe(false);
  });

  it('never overtakes a message ws is still compressing (a large SYNC_RESPONSE): the frame queues behind it', async () => {
    const peer = await connect(gateway, true);
    const snapshot = JSON.stringify({ type: 'SYNC_RESPONSE', payload: Array.from({ length: 400 }, (_, i) => member(i)) });
    peer.server.send(snapshot); // ws compresses it in the thread pool: not done before this turn ends
    expect(deflateState(peer.server)).toMatchObject({ kind: 'shared', idle: false });
    const batch = batchOf(200, 20);
    const c = counters();
    const out = passFrame(peer.server, batch, 'v1', c.sink);
    expect(out.compression).toBe('per_socket');
    sendPassFrame(peer.server, out, c.sink);
    // A small pass frame (sent uncompressed) waits its turn the same way, through ws.
    const small = batchOf(300, 1);
    const smallOut = passFrame(peer.server, small, 'v1', c.sink);
    expect(smallOut).toMatchObject({ compression: 'none', frame: small.frame('v1') });
    sendPassFrame(peer.server, smallOut, c.sink);
    expect(c.deflates).toBe(0);
    expect(await received(peer, 3)).toEqual([snapshot, batch.frame('v1').toString(), small.frame('v1').toString()]);
    expect(peer.wire.dataFrames.map((f) => f.rsv1)).toEqual([true, true, false]);
    // What the check prevents: a shared frame written straight away would have gone first.
    const hazard = await connect(gateway, true);
    hazard.server.send(snapshot);
    writeFramed(hazard.server, framePrecompressed(deflateMessage(batch.frame('v1'), 15)));
    expect(await received(hazard, 2)).toEqual([batch.frame('v1').toString(), snapshot]);
  });
});
