/**
 * Screenshots of the main screen and StaffEditModal for the README, from the real app on a real
 * server (a fresh embedded database with a sample roster), in Debian's Chromium.
 * Run: node apps/web/scripts/screenshots.ts   (writes docs/images/*.png)
 * Japanese text needs a Japanese font on the machine (Debian: fonts-ipafont-gothic or fonts-noto-cjk).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { buildApp } from '../test/support/app-build.ts';
import { editFromList, front, launchBrowser, openApp, row } from '../test/support/browser.ts';

const OUT = join(import.meta.dirname, '../../../docs/images');

const fonts = (() => {
  try {
    return execFileSync('fc-list', [':lang=ja'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();
if (!fonts) {
  console.error('screenshots: no Japanese font found (fc-list :lang=ja); install fonts-ipafont-gothic first');
  process.exit(1);
}

const year = new Date().getFullYear();
const roster = [
  { name: '山田 太郎', position: '料理長', department: '調理', status: '社員', startPeriod: { year: year - 3, month: 4 } },
  { name: '佐藤 花子', position: 'ホール長', department: 'ホール', status: '社員', startPeriod: { year: year - 2, month: 10 } },
  { name: '鈴木 一郎', position: '店長', department: '管理', status: '社員', startPeriod: { year: year - 5, month: 1 } },
  {
    name: '高橋 美咲',
    position: 'ホールスタッフ',
    department: 'ホール',
    status: '派遣',
    startPeriod: { year: year - 1, month: 6 },
  },
  { name: '伊藤 健', position: '調理補助', department: '調理', status: 'パート', startPeriod: { year: year - 1, month: 2 } },
  {
    name: '渡辺 栞',
    position: '洗い場',
    department: '調理',
    status: 'パート',
    startPeriod: { year: year - 1, month: 8 },
    endPeriod: { year: year - 1, month: 12 },
  },
  { name: '中村 蓮', position: 'ホールスタッフ', department: 'ホール', status: 'パート', startPeriod: { year, month: 1 } },
];

const [dist, browser] = await Promise.all([buildApp(), launchBrowser()]);
const server = await startServerProcess({ env: { STATIC_DIR: dist } });
try {
  const seed = await TestClient.connect(`${server.url.replace('http', 'ws')}/staff-sync`);
  for (const member of roster) {
    const reply = await seed.request('STAFF_CREATE', member);
    if (reply.type !== 'ACK') throw new Error(`seeding ${member.name}: ${JSON.stringify(reply.payload)}`);
  }
  await seed.close();

  const colleague = await openApp(browser, server.url, '佐藤');
  const page = await openApp(browser, server.url, '山田');
  await row(page, '中村 蓮').waitFor();
  // Someone else has 高橋 美咲 open: the list shows it.
  await editFromList(colleague, '高橋 美咲');
  await row(page, '高橋 美咲').getByTestId('editing-badge').waitFor();
  await front(page);
  await page.screenshot({ path: join(OUT, 'staff-list.png') });

  await editFromList(page, '伊藤 健');
  await page.getByTestId('input-position').fill('調理スタッフ');
  await page.getByTestId('start-day').selectOption('21');
  await page.getByTestId('staff-form').getByTestId('submit').focus();
  await page.screenshot({ path: join(OUT, 'staff-edit-modal.png') });
  console.log(`screenshots: wrote ${join(OUT, 'staff-list.png')} and ${join(OUT, 'staff-edit-modal.png')}`);
} finally {
  await browser.close();
  await server.stop();
}
