import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
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
  row,
} from './support/browser.ts';
import { type BlockingProxy, upgradeBlockingProxy } from './support/upgrade-blocking-proxy.ts';

/**
 * One tab reaches the server through a proxy that refuses WebSocket upgrades, the other directly:
 * the first works over the HTTP API (changes both ways, presence both ways) and says so.
 */
describe('behind a proxy that blocks WebSockets, in a real browser', () => {
  let server: ServerProcess;
  let proxy: BlockingProxy;
  let browser: Browser;
  const errors: string[][] = [];

  beforeAll(async () => {
    const [dist, launched] = await Promise.all([buildApp(), launchBrowser()]);
    browser = launched;
    server = await startServerProcess({ env: { STATIC_DIR: dist } });
    proxy = await upgradeBlockingProxy(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.stop();
    expect(errors.flat()).toEqual([]);
  });

  it('syncs over HTTP, shows HTTP経由, and carries presence both ways', async () => {
    const behind: Page = await openApp(browser, proxy.url, '花子', (p) => errors.push(recordErrors(p)));
    const direct: Page = await openApp(browser, server.url, '次郎', (p) => errors.push(recordErrors(p)));
    expect(proxy.refused).toBeGreaterThanOrEqual(2); // it tried WebSockets first
    await behind.getByTestId('connection-transport').getByText('HTTP経由').waitFor();
    expect(await behind.getByTestId('connection-label').textContent()).toBe('接続中');
    expect(await direct.getByTestId('connection-transport').count()).toBe(0);

    // A change made behind the proxy reaches the direct tab, and the other way round.
    await addMember(behind, { name: '中村 聡', position: 'ホール' });
    await closeModal(behind);
    await row(direct, '中村 聡').waitFor();
    await editFromList(direct, '中村 聡');
    await direct.getByTestId('input-position').fill('ホール長');
    await direct.getByTestId('save-button').click();
    await closeModal(direct);
    await eventually(() => row(behind, '中村 聡').getByTestId('staff-position').textContent(), 'ホール長', 10_000, 'position');

    // Presence from behind the proxy (a lease over HTTP), and to it (the change stream).
    await editFromList(await front(behind), '中村 聡');
    await row(direct, '中村 聡').getByTestId('editing-badge').getByText('花子が編集中').waitFor({ timeout: 10_000 });
    await closeModal(behind);
    await row(direct, '中村 聡').getByTestId('editing-badge').waitFor({ state: 'detached', timeout: 10_000 });
    await editFromList(await front(direct), '中村 聡');
    await row(behind, '中村 聡').getByTestId('editing-badge').getByText('次郎が編集中').waitFor({ timeout: 10_000 });
    await closeModal(direct);
  });
});
