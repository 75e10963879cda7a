import { request as httpRequest } from 'node:http';
import type { AckPayload, ChangeEvent, Envelope, ServerMessage } from '@staff-sync/protocol';
import { metricValue, until } from '@staff-sync/test-support/metrics';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What one server-sent-events stream delivered: raw text, and the events in it. */
function openStream(url: string, headers: Record<string, string> = {}) {
  const state = { text: '', status: 0, ended: false, events: [] as { id?: string; event: string; data: string }[] };
  const req = httpRequest(url, { headers }, (res) => {
    state.status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      state.text += chunk;
      state.events = state.text
        .split('\n\n')
        .slice(0, -1)
        .map((block) => {
          const lines = block.split('\n');
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          return { id: field('id'), event: field('event') ?? 'message', data: field('data') ?? '' };
        })
        .filter((e) => e.data !== '');
    });
    res.on('end', () => {
      state.ended = true;
    });
  });
  req.on('error', () => {
    state.ended = true;
  });
  req.end();
  return { state, close: () => req.destroy() };
}

describe('HTTP API', () => {
  let server: ServerProcess;
  let api: string;
  let writer: TestClient;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startServerProcess({
      env: {
        DELTA_MAX_CHANGES: '3',
        HEARTBEAT_INTERVAL_MS: '200',
        MAX_MESSAGE_BYTES: '2048',
        RATE_LIMIT_BURST: '40',
        RATE_LIMIT_PER_SECOND: '1',
      },
    });
    api = `${server.url}/api/v1`;
    writer = await TestClient.connect(server.wsUrl);
  });
  afterAll(async () => {
    await writer.close();
    await server.stop();
  });

  it('streams change events with id = seq from sinceSeq, keep-alives, and honours Last-Event-ID', async () => {
    const start = (await (await fetch(`${api}/staff`)).json()) as ServerMessage;
    const since = start.seq as number;
    await writer.request('STAFF_CREATE', { name: 'Before the stream', position: 'x' });
    const stream = openStream(`${api}/changes?sinceSeq=${since}`);
    await writer.request('STAFF_CREATE', { name: 'During the stream', position: 'x' });
    await until(() => stream.state.events.length >= 2, 10_000, 'two events');
    expect(stream.state.status).toBe(200);
    expect(stream.state.events.map((e) => e.id)).toEqual([String(since + 1), String(since + 2)]);
    const [first, second] = stream.state.events.map((e) => JSON.parse(e.data) as ChangeEvent);
    expect(first).toMatchObject({ type: 'STAFF_CREATE', seq: since + 1, payload: { staff: { name: 'Before the stream' } } });
    expect(second).toMatchObject({ seq: since + 2, payload: { staff: { name: 'During the stream' } } });
    await until(() => stream.state.text.includes(': keep-alive'), 5_000, 'a keep-alive comment');
    stream.close();

    // An EventSource reconnecting sends the last id it saw; that wins over the URL's sinceSeq.
    const resumed = openStream(`${api}/changes?sinceSeq=0`, { 'Last-Event-ID': String(since + 1) });
    await until(() => resumed.state.events.length >= 1, 10_000, 'the resumed event');
    expect(resumed.state.events[0]?.id).toBe(String(since + 2));
    resumed.close();
  });

  it('tells the client to take a full snapshot when the delta is gone, and ends the stream', async () => {
    // More changes than DELTA_MAX_CHANGES since seq 0.
    for (let i = 0; i < 4; i++) await writer.request('STAFF_CREATE', { name: `Filler ${i}`, position: 'x' });
    const stream = openStream(`${api}/changes?sinceSeq=0`);
    await until(() => stream.state.ended, 10_000, 'the stream to end');
    expect(stream.state.events).toEqual([expect.objectContaining({ event: 'resync' })]);
    expect(JSON.parse(stream.state.events[0]?.data ?? '{}')).toMatchObject({ reason: expect.stringContaining('full snapshot') });
  });

  it('validates every input with the protocol codes, as JSON', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [fetch(`${api}/changes`), 400, 'VALIDATION_FAILED'],
      [fetch(`${api}/staff?sinceSeq=-1`), 400, 'VALIDATION_FAILED'],
      [post('/staff', { name: 'No key', position: 'x' }), 400, 'INVALID_MESSAGE'],
      [post('/staff', '{"name":', { 'Idempotency-Key': 'c:1' }), 400, 'INVALID_JSON'],
      [post('/staff', { name: 'x', position: 'x', salary: 1 }, { 'Idempotency-Key': 'c:2' }), 400, 'VALIDATION_FAILED'],
      [post('/staff', { name: 'x'.repeat(3000), position: 'x' }, { 'Idempotency-Key': 'c:3' }), 413, 'INVALID_MESSAGE'],
      [fetch(`${api}/staff`, { method: 'POST', headers: { 'Idempotency-Key': 'c:4' }, body: 'name=x' }), 415, 'INVALID_MESSAGE'],
      [fetch(`${api}/staff/not-a-uuid`, { method: 'DELETE', headers: { 'Idempotency-Key': 'c:5' } }), 400, 'VALIDATION_FAILED'],
      [fetch(`${api}/staff`, { method: 'PUT' }), 405, 'INVALID_MESSAGE'],
      [fetch(`${api}/nothing`), 404, 'NOT_FOUND'],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      const body = (await res.json()) as ServerMessage;
      expect({ status: res.status, type: body.type, code: body.type === 'ERROR' ? body.payload.code : undefined }).toEqual({
        status,
        type: 'ERROR',
        code,
      });
    }
    // Nothing of that was written.
    const roster = (await (await fetch(`${api}/staff`)).json()) as ServerMessage;
    expect(
      roster.type === 'SYNC_RESPONSE' && roster.payload.full && roster.payload.staffMembers.some((m) => m.name === 'x'),
    ).toBe(false);
  });

  it('answers a stale PATCH with 409 CONFLICT and a create with 201, then 200 duplicate', async () => {
    const created = await post('/staff', { name: 'Http', position: 'x' }, { 'Idempotency-Key': 'http-client:1' });
    expect(created.status).toBe(201);
    const ack = (await created.json()) as Envelope<'ACK', AckPayload>;
    const again = await post('/staff', { name: 'Http', position: 'x' }, { 'Idempotency-Key': 'http-client:1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ type: 'ACK', payload: { staffId: ack.payload.staffId, duplicate: true } });
    const patch = (key: string, name: string) =>
      fetch(`${api}/staff/${ack.payload.staffId}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ changes: { name }, version: 1 }),
      });
    expect((await patch('http-client:2', 'First')).status).toBe(200);
    // Stale for another client (its own changes never count against a client: docs/protocol.md).
    const stale = await patch('http-other:1', 'Second');
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ type: 'CONFLICT', payload: { conflictingFields: ['name'] } });
  });

  it('limits the request rate per client with 429 RATE_LIMITED', async () => {
    // 40 at once, refilled at 1 a second: 60 at once cannot all pass, however slow the machine.
    const statuses = await Promise.all(Array.from({ length: 60 }, () => fetch(`${api}/hello`).then((r) => r.status)));
    expect(statuses).toContain(429);
    expect(await metricValue(server.url, 'http_api_requests_total', { route: 'hello', status: '429' })).toBeGreaterThan(0);
  });
});
