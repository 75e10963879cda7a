import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FrameCase, frameCorpus } from './support/fuzz-frames.ts';
import { type HttpCase, httpCorpus } from './support/fuzz-http.ts';
import { seededRng } from './support/fuzz-payloads.ts';
import { PlainClient } from './support/plain-client.ts';

/** Replay a failure with FUZZ_SEED=<seed>; each run prints the seed it used. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_122);
const COUNTS = { v1: 1500, plain: 1000, http: 600 };
/** Frames sent before their answers are awaited: enough to keep the server busy, bounded memory. */
const BATCH = 250;

type ErrorReply = { code: string; sequenceNumber?: number };

/** An unknown type, answered at once: its ERROR says every frame sent before it has been parsed. */
const marker = (sequenceNumber: number) =>
  JSON.stringify({
    type: 'FUZZ_MARKER',
    payload: {},
    timestamp: new Date().toISOString(),
    clientId: 'fuzz-marker',
    sequenceNumber,
  });

/**
 * Send `cases` on one connection in batches, each closed by a marker, and compare each ERROR with
 * its case. A refused frame is answered while it is parsed, so the answers before a marker's are
 * the batch's, in the order the frames went out; a frame that got through leaves a gap.
 */
async function runFrames(
  send: (text: string) => void,
  errors: () => ErrorReply[],
  waitFor: (done: () => boolean) => Promise<unknown>,
  cases: FrameCase[],
): Promise<string[]> {
  const mismatches: string[] = [];
  let seen = errors().length;
  for (let start = 0, batchNo = 1; start < cases.length; start += BATCH, batchNo++) {
    const batch = cases.slice(start, start + BATCH);
    const markerSeq = 900_000 + batchNo;
    for (const c of batch) send(c.text);
    send(marker(markerSeq));
    await waitFor(() => errors().some((e, i) => i >= seen && e.sequenceNumber === markerSeq));
    const answered = errors().slice(seen);
    const replies = answered.slice(
      0,
      answered.findIndex((e) => e.sequenceNumber === markerSeq),
    );
    seen += replies.length + 1;
    if (replies.length !== batch.length) {
      const named = new Set(replies.map((r) => r.sequenceNumber));
      const through = batch.filter((c) => c.named !== undefined && !named.has(c.named)).map((c) => c.label);
      mismatches.push(
        `${batch.length - replies.length} frames of batch ${batchNo} were not refused, among them: ${through.slice(0, 10).join(' | ')}`,
      );
      continue;
    }
    batch.forEach((c, i) => {
      const reply = replies[i] as ErrorReply;
      if (reply.code !== c.code || (c.named !== undefined && reply.sequenceNumber !== c.named)) {
        mismatches.push(`${c.label}: expected ${c.code} naming ${c.named}, got ${reply.code} naming ${reply.sequenceNumber}`);
      }
    });
  }
  return mismatches;
}

/** Send every request (a few at a time) and compare its status and ERROR code with its case. */
async function runHttp(baseUrl: string, cases: HttpCase[]): Promise<string[]> {
  const mismatches: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++] as HttpCase;
      const response = await fetch(`${baseUrl}/api/v1${c.path}`, { method: c.method, headers: c.headers, body: c.body ?? null });
      const answer = (await response.json()) as { type: string; payload: { code?: string } };
      if (response.status !== c.status || answer.type !== 'ERROR' || answer.payload.code !== c.code) {
        mismatches.push(
          `${c.label}: expected ${c.status} ${c.code}, got ${response.status} ${answer.type} ${answer.payload.code}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return mismatches;
}

for (const driver of await availableDrivers()) {
  describe(`bad input refused at the edge on ${driver}`, () => {
    let target: DriverServer;
    beforeAll(async () => {
      const unlimited = '1000000';
      target = await serverOn(driver, 'fuzz', {
        env: {
          RATE_LIMIT_PER_SECOND: unlimited,
          RATE_LIMIT_BURST: unlimited,
          USER_RATE_LIMIT_PER_SECOND: unlimited,
          USER_RATE_LIMIT_BURST: unlimited,
        },
      });
    });
    afterAll(() => target?.cleanup());

    it(`answers ${COUNTS.v1 + COUNTS.plain} malformed frames and ${COUNTS.http} requests as documented, writing nothing (seed ${SEED})`, async () => {
      const { server } = target;
      const v1 = await TestClient.connect(server.wsUrl, { clientId: 'fuzz-v1' });
      const plain = await PlainClient.connect(server.wsUrl);
      const setup = await v1.request('STAFF_CREATE', { name: '基準', position: '料理長' });
      if (setup.type !== 'ACK') throw new Error(`setup failed: ${JSON.stringify(setup)}`);
      const { staffId, seq } = setup.payload;
      const context = { staffId, dateKey: '2025-01-22' };
      const rng = seededRng(SEED);

      const v1Errors = () => v1.messages.filter((m) => m.type === 'ERROR').map((m) => m.payload as ErrorReply);
      const plainErrors = () => plain.messages.filter((m) => m.type === 'ERROR').map((m) => m.payload as unknown as ErrorReply);
      const mismatches = [
        ...(await runFrames(
          (text) => v1.sendRaw(text),
          v1Errors,
          (done) => v1.waitFor(done, 30_000),
          frameCorpus(rng, 'v1', context, COUNTS.v1, 1000),
        )),
        ...(await runFrames(
          (text) => plain.ws.send(text),
          plainErrors,
          (done) => plain.waitFor(done, 30_000),
          frameCorpus(rng, 'plain', context, COUNTS.plain, 1000),
        )),
        ...(await runHttp(server.url, httpCorpus(rng, context, COUNTS.http, 1000))),
      ];
      expect(mismatches.slice(0, 20), `seed ${SEED}: ${mismatches.length} mismatches`).toEqual([]);

      // The sentinel: the next change gets the very next seq, so nothing in between committed.
      const sentinel = await v1.request('STAFF_CREATE', { name: '番兵', position: '料理長' });
      expect(sentinel).toMatchObject({ type: 'ACK', payload: { seq: seq + 1 } });
      // Every frame (and marker) was refused at the gateway, none reached the database.
      const markers = Math.ceil(COUNTS.v1 / BATCH) + Math.ceil(COUNTS.plain / BATCH);
      expect(await metricValue(server.url, 'staff_operations_total', { operation: 'invalid', status: 'error' })).toBe(
        COUNTS.v1 + COUNTS.plain + markers,
      );
      expect(await metricValue(server.url, 'supabase_sync_errors_total')).toBe(0);
      await Promise.all([v1.close(), plain.close()]);
    });

    it('closes a text frame that is not UTF-8 with 1007 (RFC 6455) and counts it; others go on', async () => {
      const { server } = target;
      const bystander = await TestClient.connect(server.wsUrl);
      const broken = await TestClient.connect(server.wsUrl);
      // A text frame whose bytes are no UTF-8: the ws client sends a Buffer as given.
      broken.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), { binary: false });
      expect((await broken.closed).code).toBe(1007);
      expect(await metricValue(server.url, 'staff_sync_connections_closed_total', { reason: 'invalid_utf8' })).toBe(1);
      expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
      expect((await bystander.sync()).payload.full).toBe(true);
      await bystander.close();
    });
  });
}
