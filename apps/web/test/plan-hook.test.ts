import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, eventually, launchBrowser, recordErrors } from './support/browser.ts';

/**
 * The plan's own hook (seeds, "3.1 WebSocket Hook"): its message flow, in a React page in
 * Chromium, against a real server, in the plain dialect it gets by offering no subprotocol. It
 * loads, its update shows, its create shows as a named row, and every frame it gets is one JSON
 * object and none is an ERROR (docs/protocol.md, "Dialects").
 */
describe("the plan's useWebSocketStaff hook against a real server", () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let observer: TestClient;
  let errors: string[];
  const members = () => page.getByTestId('plan-member').allTextContents();
  const frames = () => page.evaluate(() => window.planFrames);

  beforeAll(async () => {
    const [bundle, launched] = await Promise.all([
      build({
        entryPoints: [join(import.meta.dirname, 'fixtures/plan-hook-page.tsx')],
        bundle: true,
        write: false,
        format: 'iife',
        jsx: 'automatic',
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'silent',
      }),
      launchBrowser(),
    ]);
    browser = launched;
    // Served by the server itself (STATIC_DIR), from 127.0.0.1 as the app is: Chromium refuses a
    // page that is not itself local a WebSocket to a local address.
    const dir = mkdtempSync(join(tmpdir(), 'staff-sync-plan-hook-'));
    writeFileSync(join(dir, 'plan-hook.js'), bundle.outputFiles[0]?.text ?? '');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="/plan-hook.js"></script>');
    server = await startServerProcess({ env: { STATIC_DIR: dir } });
    // A member that exists before the page loads (active in every period), written by our own client.
    observer = await TestClient.connect(server.wsUrl);
    observer.send('SYNC_REQUEST', {});
    await observer.waitFor((m) => m.type === 'SYNC_RESPONSE');
    observer.send('STAFF_CREATE', { name: '佐藤 花子', position: 'ホール' });
    await observer.waitFor((m) => m.type === 'ACK');
  });
  afterAll(async () => {
    observer?.ws.close();
    await browser?.close();
    await server?.stop();
  });

  it('loads the roster', async () => {
    page = await browser.context.newPage();
    errors = recordErrors(page);
    await page.goto(`${server.url}/?ws=${encodeURIComponent(server.wsUrl)}&period=0`);
    await page.getByTestId('plan-list').waitFor();
    expect(await page.getByTestId('plan-list').getAttribute('data-status')).toBe('connected');
    await eventually(members, ['佐藤 花子'], 10_000, 'members after SYNC_REQUEST');
  });

  it('updates a member: the change comes back to the sender and reaches our own client', async () => {
    const id = await page.getByTestId('plan-member').first().getAttribute('data-id');
    await page.evaluate((staffId) => window.planHook.updateStaff(staffId as string, { name: '佐藤 花江' }), id);
    await eventually(members, ['佐藤 花江'], 10_000, 'members after update');
    const seen = await observer.waitFor((m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === id);
    expect(seen.payload).toMatchObject({ changes: { name: '佐藤 花江' }, version: 2 });
  });

  it('creates a member with the fields the plan adds, shown by name', async () => {
    await page.evaluate(() =>
      window.planHook.addStaff({
        name: '新人 太郎',
        position: 'キッチン',
        department: '調理',
        status: 'パート',
        type: 'part-time',
        period: 0,
        staffOrder: 3,
        startPeriod: { year: 2020 },
        endPeriod: null,
      }),
    );
    await eventually(members, ['佐藤 花江', '新人 太郎'], 10_000, 'members after create');
    const created = await observer.waitFor(
      (m) => m.type === 'STAFF_CREATE' && 'staff' in m.payload && m.payload.staff?.name === '新人 太郎',
    );
    expect('staff' in created.payload ? created.payload.staff : undefined).toMatchObject({
      status: 'パート',
      order: 3,
      startPeriod: { year: 2020, month: 1 },
    });
  });

  it('got one JSON object per frame, never an array and never an ERROR, and threw nothing', async () => {
    const received = (await frames()).map((f) => JSON.parse(f) as { type?: string });
    expect(received.filter((m) => Array.isArray(m))).toEqual([]);
    expect(received.filter((m) => m.type === 'ERROR')).toEqual([]);
    expect(received.map((m) => m.type)).toEqual(expect.arrayContaining(['SYNC_RESPONSE', 'STAFF_UPDATE', 'STAFF_CREATE']));
    expect(errors).toEqual([]);
  });
});
