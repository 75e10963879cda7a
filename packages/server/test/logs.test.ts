import { startServerProcess } from '@staff-sync/test-support/server-process';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { describe, expect, it } from 'vitest';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  connectionId?: string;
  [key: string]: unknown;
}

/** Structured logs: request and connection ids on every line about them; no secrets or staff data at info. */
describe('logs', () => {
  it('are JSON lines with request and connection ids, and keep tokens, secrets and staff names out', async () => {
    const server = await startServerProcess({ env: { AUTH_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'debug' } });
    const token = await hs256Token({ restaurant: 'r-logs', role: 'editor', name: '管理者 太郎' });
    try {
      const health = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'probe-42' } });
      expect(health.headers.get('x-request-id')).toBe('probe-42');
      // A missing file: 404 whether or not the built web app is served (its own URLs get index.html).
      const missing = await fetch(`${server.url}/nothing-here.txt?token=${token}`, {
        headers: { 'X-Request-Id': 'bad id with spaces' },
      });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/); // an unusable id is replaced

      const client = await TestClient.connect(server.wsUrl, { query: `token=${token}` });
      const created = await client.request('STAFF_CREATE', { name: '山田 花子', position: 'スーシェフ' });
      expect(created.type).toBe('ACK');
      await client.request('STAFF_UPDATE', {
        staffId: (created.payload as { staffId: string }).staffId,
        changes: { name: '山田 春子' },
      });
      await client.close();
      await expect(TestClient.connect(server.wsUrl, { query: 'token=forged.token.value' })).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      await server.stop();
    }

    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.trim());
    const parsed = lines.map((line) => JSON.parse(line) as LogLine); // throws on a line that is not JSON
    const http = parsed.filter((l) => l.msg === 'http request');
    expect(http.find((l) => l.path === '/health')).toMatchObject({ requestId: 'probe-42', level: 20 });
    expect(http.find((l) => l.path === '/nothing-here.txt')).toMatchObject({
      status: 404,
      level: 30,
      requestId: expect.any(String),
    });
    const aboutConnections = parsed.filter((l) => l.connectionId !== undefined);
    expect(aboutConnections.length).toBeGreaterThanOrEqual(2); // connected, disconnected
    for (const line of aboutConnections) expect(line.requestId, line.msg).toEqual(expect.any(String));
    expect(parsed.find((l) => l.msg === 'upgrade refused')).toMatchObject({
      level: 30,
      status: 401,
      requestId: expect.any(String),
    });

    const everything = lines.join('\n');
    for (const secret of [token, TEST_JWT_SECRET, 'forged.token.value']) expect(everything).not.toContain(secret);
    const infoAndAbove = lines.filter((_, i) => (parsed[i] as LogLine).level >= 30).join('\n');
    for (const personal of ['山田', '花子', '春子', 'スーシェフ', '管理者']) expect(infoAndAbove).not.toContain(personal);
  });
});
