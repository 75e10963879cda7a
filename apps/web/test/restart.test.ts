import type { ChangeEvent } from '@staff-sync/protocol';
import { freePort } from '@staff-sync/test-support/nginx';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import {
  addMember,
  type Browser,
  closeModal,
  editFromList,
  eventually,
  front,
  launchBrowser,
  openApp,
  recordErrors,
  recordToasts,
  row,
  toastsShown,
} from './support/browser.ts';

/** The server goes away while a change is submitted and not yet saved; it comes back on the same port and data. */
describe('a server restart under a submitted change, in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dist: string;
  let port: number;
  const errors: string[][] = [];

  beforeAll(async () => {
    const [built, launched, free] = await Promise.all([buildApp(), launchBrowser(), freePort()]);
    dist = built;
    browser = launched;
    port = free;
    server = await startServerProcess({ port, env: { STATIC_DIR: dist } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(errors.flat()).toEqual([]);
  });

  it('keeps the change while offline, delivers it once after the restart, and returns to 接続中', async () => {
    const open = (user: string) => openApp(browser, server.url, user, (p) => errors.push(recordErrors(p)));
    const tab: Page = await open('花子');
    const watcher: Page = await open('次郎');
    const staffId = await addMember(tab, { name: '高橋 進', position: '調理' });
    await closeModal(tab);
    await row(watcher, '高橋 進').waitFor();

    await server.stop();
    const status = tab.getByTestId('connection-status');
    await eventually(() => status.getAttribute('data-status'), 'reconnecting', 15_000, 'status after the stop');
    expect(await tab.getByTestId('connection-label').textContent()).toBe('再接続中');

    // Submitted while the server is away: shown at once, counted as pending.
    await editFromList(tab, '高橋 進');
    await tab.getByTestId('input-position').fill('副料理長');
    await tab.getByTestId('save-button').click();
    await closeModal(tab);
    expect(await row(tab, '高橋 進').getByTestId('staff-position').textContent()).toBe('副料理長');
    await tab.getByTestId('pending-count').getByText('未送信 1件').waitFor();
    expect(await tab.getByTestId('toast').filter({ hasText: '更新しました' }).count()).toBe(0);
    await recordToasts(tab);

    server = await startServerProcess({ port, dataDir: server.dataDir, env: { STATIC_DIR: dist } });
    await front(tab);
    await eventually(() => status.getAttribute('data-status'), 'connected', 40_000, 'status after the restart');
    expect(await tab.getByTestId('connection-label').textContent()).toBe('接続中');
    await tab.getByTestId('pending-count').waitFor({ state: 'detached' });
    await tab.getByTestId('toast').getByText('高橋 進を更新しました').waitFor();
    await eventually(() => row(watcher, '高橋 進').getByTestId('staff-position').textContent(), '副料理長', 40_000, 'other tab');

    // Once: one update in the change log, version 2 (a re-send would have been a duplicate ACK).
    const observer = await TestClient.connect(`${server.url.replace('http', 'ws')}/staff-sync`);
    try {
      const response = await observer.sync({ sinceSeq: 0 });
      if (response.payload.full) throw new Error('expected the change log from seq 0');
      const updates = (response.payload.changes as ChangeEvent[]).filter(
        (c) => c.payload.staffId === staffId && c.type === 'STAFF_UPDATE',
      );
      expect(updates.map((c) => c.payload.changes)).toEqual([{ position: '副料理長' }]);
      expect(updates[0]?.payload.staff?.version).toBe(2);
    } finally {
      await observer.close();
    }
    // Shown once: a re-send answered as a duplicate would have shown it again (a toast goes away
    // after a few seconds, so the ones shown are counted, not the ones still on screen).
    expect((await toastsShown(tab)).filter((text) => text.includes('高橋 進を更新しました'))).toHaveLength(1);
  });

  it('delivers a change a closed tab left unsent, from another tab, once the server is back', async () => {
    for (const page of browser.context.pages()) await page.close();
    const open = (user: string) => openApp(browser, server.url, user, (p) => errors.push(recordErrors(p)));
    const closing: Page = await open('花子');
    const other: Page = await open('次郎');
    const staffId = await addMember(closing, { name: '小林 明', position: 'ホール' });
    await closeModal(closing);
    await row(other, '小林 明').waitFor();

    await server.stop();
    await eventually(
      () => closing.getByTestId('connection-status').getAttribute('data-status'),
      'reconnecting',
      15_000,
      'status',
    );
    await editFromList(closing, '小林 明');
    await closing.getByTestId('input-position').fill('ホール長');
    await closing.getByTestId('save-button').click();
    await closeModal(closing);
    await closing.getByTestId('pending-count').getByText('未送信 1件').waitFor();
    await closing.close(); // closed with the change unsent (Playwright skips the beforeunload prompt)

    server = await startServerProcess({ port, dataDir: server.dataDir, env: { STATIC_DIR: dist } });
    await front(other);
    await other.getByTestId('toast').getByText('閉じたタブの未送信の変更を1件送信しました').waitFor({ timeout: 40_000 });
    await eventually(() => row(other, '小林 明').getByTestId('staff-position').textContent(), 'ホール長', 15_000, 'position');

    const observer = await TestClient.connect(`${server.url.replace('http', 'ws')}/staff-sync`);
    try {
      const response = await observer.sync({ sinceSeq: 0 });
      if (response.payload.full) throw new Error('expected the change log from seq 0');
      const updates = (response.payload.changes as ChangeEvent[]).filter(
        (c) => c.payload.staffId === staffId && c.type === 'STAFF_UPDATE',
      );
      expect(updates.map((c) => c.payload.changes)).toEqual([{ position: 'ホール長' }]);
    } finally {
      await observer.close();
    }
  });
});
