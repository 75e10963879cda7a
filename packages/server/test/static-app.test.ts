import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A raw GET: fetch() folds `..` out of a URL before sending it, a browser-less attacker does not. */
function rawGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the web app served by the server (STATIC_DIR)', () => {
  let server: ServerProcess;
  const work = mkdtempSync(join(tmpdir(), 'staff-sync-static-'));
  const app = join(work, 'app');
  const script = `console.log(${JSON.stringify('x'.repeat(2000))});`;

  beforeAll(async () => {
    mkdirSync(join(app, 'assets'), { recursive: true });
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>staff-sync</title><div id="root"></div>');
    writeFileSync(join(app, 'assets/index-AbCd1234.js'), script);
    writeFileSync(join(app, 'assets/index-Zz9_yY8x.css'), 'body{margin:0}');
    writeFileSync(join(app, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    mkdirSync(join(app, '.vite'));
    writeFileSync(join(app, '.vite/manifest.json'), '{"hidden":true}');
    // Next to the app, not in it: must never be served.
    writeFileSync(join(work, 'secret.txt'), 'do not serve');
    server = await startServerProcess({ env: { STATIC_DIR: app } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves index.html at / with no-cache, and hashed assets with their types and a year of caching', async () => {
    const index = await rawGet(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body.toString()).toContain('<div id="root">');

    const js = await rawGet(server.port, '/assets/index-AbCd1234.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.body.toString()).toBe(script);

    const css = await rawGet(server.port, '/assets/index-Zz9_yY8x.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await rawGet(server.port, '/favicon.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    // Not hashed: revalidated every time.
    expect(svg.headers['cache-control']).toBe('no-cache');
  });

  it('compresses text for clients that accept gzip and answers 304 to a matching ETag', async () => {
    const zipped = await rawGet(server.port, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(script);
    expect(zipped.body.length).toBeLessThan(script.length / 4);
    const etag = zipped.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await rawGet(server.port, '/assets/index-AbCd1234.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await rawGet(server.port, '/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
  });

  it("answers the app's own URLs with index.html, but a missing file or asset with 404", async () => {
    for (const path of ['/staff', '/staff/123/edit', '/periods?x=1']) {
      const res = await rawGet(server.port, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], path).toBe('no-cache');
    }
    for (const path of ['/assets/index-gone0000.js', '/assets/other', '/robots.txt', '/.vite/manifest.json', '/.vite']) {
      const res = await rawGet(server.port, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toContain('application/json');
    }
    // Only GET and HEAD reach the app.
    expect((await rawGet(server.port, '/staff', {}, 'POST')).status).toBe(404);
  });

  it("leaves the server's own paths to the server, even unknown ones", async () => {
    const health = await rawGet(server.port, '/health');
    expect(health.headers['content-type']).toContain('application/json');
    expect(JSON.parse(health.body.toString())).toMatchObject({ status: 'healthy' });
    expect((await rawGet(server.port, '/metrics')).headers['content-type']).toContain('text/plain');
    for (const path of ['/api/v1/nothing', '/api', '/healthz/../health', '/staff-sync/x', '/metrics/x', '/ready/x']) {
      const res = await rawGet(server.port, path);
      expect(res.headers['content-type'], path).toContain('application/json');
      expect(res.body.toString(), path).not.toContain('<div id="root">');
    }
  });

  it('never reads a file outside the folder, however the path is written', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00/../secret.txt',
      '/%E0%A4%A',
      '//etc/passwd',
      '/../../../../../../etc/passwd',
    ];
    for (const path of attempts) {
      const res = await rawGet(server.port, path);
      expect(res.body.toString(), path).not.toContain('do not serve');
      expect(res.body.toString(), path).not.toContain('root:');
      expect([200, 400, 404], path).toContain(res.status);
    }
  });

  it('refuses to start when STATIC_DIR holds no app, and says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'staff-sync-static-empty-'));
    await expect(startServerProcess({ env: { STATIC_DIR: empty } })).rejects.toThrow(/STATIC_DIR .* has no index\.html/);
  });
});
