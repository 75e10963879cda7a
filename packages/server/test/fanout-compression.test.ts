import type { ServerMessage, ShiftAckPayload } from '@staff-sync/protocol';
import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { WireTap } from '@staff-sync/test-support/wire-tap';
import { TestClient, type TestClientOptions } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A fan-out pass's frame of 1 KiB or more is deflated once and shared by every subscriber that
 * negotiated permessage-deflate with that window size (docs/protocol.md, "Connecting"), over real
 * sockets to a server process. Compression is the transport's, not the database's: PGlite only.
 */
interface Watcher {
  client: TestClient;
  wire: WireTap;
  /** Every text message as received from `skipped` on (the k-th came in data frame `skipped + k`). */
  texts: string[];
  skipped: number;
  /** Frames before this one are left out of `framesOf`. */
  from: number;
}

describe('fan-out frames compressed once per pass', () => {
  let env: DriverServer;
  const closers: (() => Promise<unknown>)[] = [];
  const connect = async (options: TestClientOptions = {}): Promise<Watcher> => {
    const wire = new WireTap();
    const client = await TestClient.connect(env.server.wsUrl, { ...options, wire });
    closers.push(() => client.close());
    // Messages the client read before this listener (HELLO may have been) are counted by it.
    const watcher: Watcher = { client, wire, texts: [], skipped: client.frames, from: 0 };
    client.ws.on('message', (data) => watcher.texts.push(String(data)));
    await client.sync(); // following the restaurant from here on
    watcher.from = watcher.texts.length;
    return watcher;
  };
  /** The frames received since `from`, each with its size before compression. */
  const framesOf = (w: Watcher) =>
    w.texts
      .slice(w.from)
      .map((text, k) => ({ textBytes: Buffer.byteLength(text), ...w.wire.dataFrames[w.skipped + w.from + k] }));
  const shared = () => metricValue(env.server.url, 'staff_sync_fanout_frames_total', { compression: 'shared' });
  const perSocket = () => metricValue(env.server.url, 'staff_sync_fanout_frames_total', { compression: 'per_socket' });
  const deflates = () => metricValue(env.server.url, 'staff_sync_fanout_deflates_total');

  beforeAll(async () => {
    // Passes at least 300 ms apart: a burst of changes goes out as one frame of several KiB.
    env = await serverOn('pglite', 'fanout-compression', { env: { FANOUT_INTERVAL_MS: '300' } });
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await env.cleanup();
  });

  it('every client gets the same events in order; those that offered deflate get the large frames compressed', async () => {
    const wide = await connect({ perMessageDeflate: true });
    const narrow = await connect({ perMessageDeflate: { serverMaxWindowBits: 10 } });
    const compact = await connect({ perMessageDeflate: true, protocols: ['staff-sync.v2'] });
    const plain = await connect();
    const writer = await TestClient.connect(env.server.wsUrl);
    closers.push(() => writer.close());
    const sent = Array.from({ length: 12 }, (_, i) =>
      writer.send('STAFF_CREATE', { name: `${'山田'.repeat(40)} ${i}`, position: 'ホール'.repeat(10) }),
    );
    const seqs: number[] = [];
    for (const n of sent) {
      const reply = await writer.reply(n);
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      seqs.push(reply.payload.seq);
    }
    const last = Math.max(...seqs);
    const all = [wide, narrow, compact, plain];
    for (const w of all) await w.client.waitFor((m) => m.type === 'STAFF_CREATE' && m.seq === last);
    const created = (w: Watcher) => w.client.messages.filter((m) => m.type === 'STAFF_CREATE');
    expect(created(wide).map((m) => m.seq)).toEqual([...seqs].sort((a, b) => a - b));
    // v1 clients: the very same events, whichever way they travelled.
    expect(created(narrow)).toEqual(created(wide));
    expect(created(plain)).toEqual(created(wide));
    const names = (w: Watcher) => created(w).map((m) => [m.seq, (m.payload as { staff: { name: string } }).staff.name]);
    expect(names(compact)).toEqual(names(wide));
    for (const w of all) expect(w.client.invalid).toEqual([]);

    for (const w of [wide, narrow, compact]) {
      const frames = framesOf(w);
      expect(frames.some((f) => f.rsv1)).toBe(true); // the burst made at least one frame over 1 KiB
      // Everything of 1 KiB or more is compressed, nothing under 256 bytes (pass frames from 256 on).
      for (const f of frames) if (f.textBytes >= 1024 || f.textBytes < 256) expect(f.rsv1).toBe(f.textBytes >= 1024);
    }
    expect(framesOf(plain).every((f) => !f.rsv1 && f.payloadBytes === f.textBytes)).toBe(true);
    const wireBytes = (w: Watcher) => framesOf(w).reduce((n, f) => n + (f.payloadBytes ?? 0), 0);
    expect(wireBytes(wide)).toBeLessThan(wireBytes(plain) / 2);
    await Promise.all([...all.map((w) => w.client.close()), writer.close()]);
  });

  it('deflates a pass once per dialect and window size, however many sockets share it (the metrics)', async () => {
    const writer = await TestClient.connect(env.server.wsUrl);
    closers.push(() => writer.close());
    const snapshot = await writer.sync({ period: 1 });
    if (!snapshot.payload.full) throw new Error('expected a full snapshot');
    const period = snapshot.payload.periods[1] as { index: number; startDate: string };
    const members: string[] = [];
    let last = 0;
    for (let i = 0; i < 4; i++) {
      const reply = await writer.request('STAFF_CREATE', { name: `田中 ${i}`, position: 'ホール' });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      members.push(reply.payload.staffId);
      last = reply.payload.seq;
    }
    // Their pass is out before anything is counted (the writer gets its own changes too).
    await writer.waitFor((m) => m.type === 'STAFF_CREATE' && m.seq === last);
    const wide = [1, 2, 3].map(() => connect({ perMessageDeflate: true }));
    const narrow = [1, 2].map(() => connect({ perMessageDeflate: { serverMaxWindowBits: 10 } }));
    const compact = [1, 2].map(() => connect({ perMessageDeflate: true, protocols: ['staff-sync.v2'] }));
    const deflating = await Promise.all([...wide, ...narrow, ...compact]);
    const plain = await connect();
    for (const w of [...deflating, plain]) w.from = w.texts.length;
    const before = { shared: await shared(), perSocket: await perSocket(), deflates: await deflates() };
    const day = (n: number) => {
      const date = new Date(`${period.startDate}T00:00:00Z`);
      date.setUTCDate(date.getUTCDate() + n);
      return date.toISOString().slice(0, 10);
    };
    const days = Array.from({ length: 20 }, (_, n) => day(n));
    const scheduleData = Object.fromEntries(members.map((id) => [id, Object.fromEntries(days.map((d) => [d, '×']))]));
    // A bulk change goes out in one pass (docs/protocol.md, "The shift schedule"): exactly one frame each.
    const ack = (await writer.reply(
      writer.send('SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData }),
    )) as ServerMessage;
    if (ack.type !== 'ACK') throw new Error(JSON.stringify(ack));
    const { seq } = ack.payload as ShiftAckPayload;
    const cells = (w: Watcher) => w.client.messages.filter((m) => m.type === 'SHIFT_BROADCAST');
    for (const w of [...deflating, plain]) await w.client.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.seq === seq);
    for (const w of [...deflating, plain]) {
      expect(cells(w)).toHaveLength(80);
      expect(cells(w).map((m) => m.seq)).toEqual(cells(plain).map((m) => m.seq));
      expect(framesOf(w)).toHaveLength(1);
    }
    for (const w of deflating) expect(framesOf(w)[0]).toMatchObject({ rsv1: true });
    expect(framesOf(plain)[0]).toMatchObject({ rsv1: false });
    // Three keys (v1 window 15, v1 window 10, v2 window 15), seven sockets.
    expect((await deflates()) - before.deflates).toBe(3);
    expect((await shared()) - before.shared).toBe(7);
    expect((await perSocket()) - before.perSocket).toBe(0);
  });
});
