import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, ErrorCode } from '@staff-sync/protocol';
import { metricValue } from '@staff-sync/test-support/metrics';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { es256Token, hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../src/config/load.ts';

const APP_ORIGIN = 'https://app.example.com';

/** Connect with a token in the query; resolves with the client or the HTTP status of the refusal. */
async function connectWith(server: ServerProcess, token: string | undefined, headers: Record<string, string> = {}) {
  try {
    return await TestClient.connect(server.wsUrl, { headers, ...(token ? { query: `token=${encodeURIComponent(token)}` } : {}) });
  } catch (error) {
    return (error as { status?: number }).status ?? error;
  }
}

describe('sign-in with HS256 tokens (Supabase JWT secret)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { AUTH_JWT_SECRET: TEST_JWT_SECRET, ALLOWED_ORIGINS: APP_ORIGIN } });
  });
  afterAll(() => server?.stop());

  it('refuses an upgrade without a valid token with HTTP 401, before the WebSocket opens', async () => {
    expect(await connectWith(server, undefined)).toBe(401);
    expect(await connectWith(server, 'not-a-jwt')).toBe(401);
    expect(await connectWith(server, await hs256Token({ restaurant: 'r1' }, `${TEST_JWT_SECRET}-other`))).toBe(401);
    expect(await connectWith(server, await hs256Token({ restaurant: 'r1', expiresIn: -60 }))).toBe(401);
    // Supabase's public anon key is a valid signature without the signed-in audience.
    expect(await connectWith(server, await hs256Token({ restaurant: 'r1', audience: 'anon' }))).toBe(401);
    // Signed, but names no restaurant or an unknown role: forbidden.
    expect(await connectWith(server, await hs256Token({ restaurant: '' }))).toBe(403);
    expect(await connectWith(server, await hs256Token({ restaurant: 'r1', role: 'admin' }))).toBe(403);
    expect(await metricValue(server.url, 'staff_sync_connections_refused_total', { reason: 'unauthorized' })).toBe(7);
    expect(server.output()).not.toContain(TEST_JWT_SECRET);
  });

  it('refuses ids the database cannot store; cuts a long name at whole characters', async () => {
    expect(await connectWith(server, await hs256Token({ restaurant: 'r\ud800' }))).toBe(403);
    expect(await connectWith(server, await hs256Token({ restaurant: 'r1', sub: 'user\u0000' }))).toBe(403);
    const name = `${'a'.repeat(99)}😀 and more`;
    const client = await TestClient.connect(server.wsUrl, { query: `token=${await hs256Token({ restaurant: 'r-name', name })}` });
    const staffId = '00000000-0000-4000-8000-000000000001';
    client.send('PRESENCE_SET', { staffId, userName: 'given' });
    const presence = await client.waitFor((m) => m.type === 'PRESENCE' && m.payload.editors.length > 0);
    expect(presence.payload).toMatchObject({ editors: [{ staffId, userName: `${'a'.repeat(99)}😀` }] });
    await client.close();
  });

  it('takes the token from Authorization: Bearer too, and says who connected in HELLO', async () => {
    const token = await hs256Token({ restaurant: 'r-bearer', role: 'editor' });
    const client = await TestClient.connect(server.wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    const hello = await client.waitFor((m) => m.type === 'HELLO');
    expect(hello.payload).toMatchObject({ restaurantId: 'r-bearer', role: 'editor' });
    await client.close();
  });

  it('a client of one restaurant never receives changes of another', async () => {
    const [a1, a2, b1] = await Promise.all([
      TestClient.connect(server.wsUrl, { query: `token=${await hs256Token({ restaurant: 'tenant-a', role: 'editor' })}` }),
      TestClient.connect(server.wsUrl, { query: `token=${await hs256Token({ restaurant: 'tenant-a', role: 'viewer' })}` }),
      TestClient.connect(server.wsUrl, { query: `token=${await hs256Token({ restaurant: 'tenant-b', role: 'editor' })}` }),
    ]);
    await Promise.all([a1.sync(), a2.sync(), b1.sync()]);
    const createdA = await a1.request('STAFF_CREATE', { name: 'A の人', position: 'ホール' });
    const createdB = await b1.request('STAFF_CREATE', { name: 'B の人', position: '調理' });
    expect(createdA.type).toBe('ACK');
    expect(createdB.type).toBe('ACK');
    const idA = (createdA.payload as { staffId: string }).staffId;
    const idB = (createdB.payload as { staffId: string }).staffId;
    await a2.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === idA);
    await b1.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === idB);
    // An update to B's member through a client of A is refused as unknown: tenants do not share ids.
    const cross = await a1.request('STAFF_UPDATE', { staffId: idB, changes: { name: 'stolen' } });
    expect(cross).toMatchObject({ type: 'ERROR', payload: { code: ErrorCode.NOT_FOUND } });
    // Sentinels: one more change in each tenant. Events arrive in seq order, so once each client
    // has its tenant's sentinel, anything leaked from the other tenant would be here before it.
    const sentinelB = (await b1.request('STAFF_CREATE', { name: 'B sentinel', position: '調理' })).payload as { staffId: string };
    const sentinelA = (await a1.request('STAFF_CREATE', { name: 'A sentinel', position: 'ホール' })).payload as {
      staffId: string;
    };
    for (const [client, id] of [
      [a1, sentinelA.staffId],
      [a2, sentinelA.staffId],
      [b1, sentinelB.staffId],
    ] as const) {
      await client.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === id);
    }
    expect(a1.changes().map((c) => c.payload.staffId)).toEqual([idA, sentinelA.staffId]);
    expect(a2.changes().map((c) => c.payload.staffId)).toEqual([idA, sentinelA.staffId]);
    expect(b1.changes().map((c) => c.payload.staffId)).toEqual([idB, sentinelB.staffId]);
    const rosterB = await b1.sync();
    expect(rosterB.payload.full && rosterB.payload.staffMembers.map((m) => m.id).sort()).toEqual([idB, sentinelB.staffId].sort());
    await Promise.all([a1.close(), a2.close(), b1.close()]);
  });

  it('a viewer reads but every mutation gets FORBIDDEN; a token without a role is a viewer', async () => {
    const viewer = await TestClient.connect(server.wsUrl, { query: `token=${await hs256Token({ restaurant: 'r-view' })}` });
    expect((await viewer.waitFor((m) => m.type === 'HELLO')).payload).toMatchObject({ role: 'viewer' });
    expect((await viewer.sync()).payload.full).toBe(true);
    for (const [type, payload] of [
      ['STAFF_CREATE', { name: 'x', position: 'y' }],
      ['STAFF_UPDATE', { staffId: '00000000-0000-4000-8000-000000000000', changes: { name: 'x' } }],
      ['STAFF_DELETE', { staffId: '00000000-0000-4000-8000-000000000000' }],
    ] as const) {
      expect(await viewer.request(type, payload)).toMatchObject({ type: 'ERROR', payload: { code: ErrorCode.FORBIDDEN } });
    }
    await viewer.close();
  });

  it('closes a connection whose token expires with 4001', async () => {
    const client = await TestClient.connect(server.wsUrl, {
      query: `token=${await hs256Token({ restaurant: 'r-exp', role: 'editor', expiresIn: 2 })}`,
    });
    await client.waitFor((m) => m.type === 'HELLO');
    const started = Date.now();
    const closed = await client.closed;
    expect(closed.code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await metricValue(server.url, 'staff_sync_connections_closed_total', { reason: 'token_expired' })).toBe(1);
  });

  it('refuses pages of origins outside ALLOWED_ORIGINS with 403; allows listed ones and programs without Origin', async () => {
    const token = await hs256Token({ restaurant: 'r-origin', role: 'editor' });
    expect(await connectWith(server, token, { Origin: 'https://evil.example.net' })).toBe(403);
    const fromApp = await connectWith(server, token, { Origin: APP_ORIGIN });
    expect(fromApp).toBeInstanceOf(TestClient);
    const program = await connectWith(server, token);
    expect(program).toBeInstanceOf(TestClient);
    await Promise.all([(fromApp as TestClient).close(), (program as TestClient).close()]);
  });
});

describe('sign-in with a JWKS (Supabase signing keys)', () => {
  let jwks: Server;
  let server: ServerProcess;
  let fetches = 0;
  const kid = 'test-key-1';
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    jwks = createServer((request, response) => {
      if (request.url !== '/auth/v1/.well-known/jwks.json') return response.writeHead(404).end();
      fetches++;
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    server = await startServerProcess({
      env: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`, AUTH_DEFAULT_ROLE: 'editor' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    jwks?.close();
  });

  it('accepts tokens signed by a key of the set, refuses others and HS256', async () => {
    const good = await connectWith(server, await es256Token({ restaurant: 'r-jwks' }, privateKey, kid));
    expect(good).toBeInstanceOf(TestClient);
    const client = good as TestClient;
    expect((await client.waitFor((m) => m.type === 'HELLO')).payload).toMatchObject({ restaurantId: 'r-jwks', role: 'editor' });
    expect((await client.request('STAFF_CREATE', { name: 'JWKS', position: 'x' })).type).toBe('ACK');
    await client.close();
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(await connectWith(server, await es256Token({ restaurant: 'r-jwks' }, otherKey, kid))).toBe(401);
    expect(await connectWith(server, await es256Token({ restaurant: 'r-jwks' }, otherKey, 'unknown-kid'))).toBe(401);
    // Without a secret configured, an HS256 token is not accepted whatever it is signed with.
    expect(await connectWith(server, await hs256Token({ restaurant: 'r-jwks' }))).toBe(401);
  });
});

describe('sign-in settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('production refuses to start with sign-in off unless told so explicitly', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('NODE_ENV=production with sign-in off')]);
    expect(problems({ NODE_ENV: 'production', ALLOW_OPEN_ACCESS: 'true' })).toEqual([]);
    expect(problems({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET })).toEqual([]);
    expect(problems({ NODE_ENV: 'development' })).toEqual([]);
  });

  it('validates the sign-in settings without echoing the secret', () => {
    const found = problems({
      AUTH_JWT_SECRET: 'short-secret',
      AUTH_JWKS_URL: 'ftp://keys.example.com/jwks.json',
      AUTH_RESTAURANT_CLAIM: 'app_metadata..restaurant',
      ALLOWED_ORIGINS: 'https://ok.example.com, https://bad.example.com/path',
    });
    expect(found).toEqual([
      'AUTH_JWT_SECRET: must be at least 32 characters',
      'AUTH_JWKS_URL: must start with https:// (or http:// on a private network)',
      'AUTH_RESTAURANT_CLAIM: must be a claim name or dotted path such as app_metadata.restaurant_id',
      'ALLOWED_ORIGINS: "https://bad.example.com/path" is not an origin like https://app.example.com (no path, no slash at the end)',
    ]);
    expect(found.join('\n')).not.toContain('short-secret');
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example.com,http://localhost:5173' }).allowedOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
  });
});
