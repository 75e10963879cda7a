/**
 * Screenshots of the main screen (the schedule) and StaffEditModal for the README, from the real
 * app on a real server (a fresh embedded database with the sample restaurant), in Debian's Chromium.
 * Run: node apps/web/scripts/screenshots.ts   (writes docs/images/*.png)
 * Japanese text needs a Japanese font on the machine (Debian: fonts-ipafont-gothic or fonts-noto-cjk).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServerProcess } from '@staff-sync/test-support/server-process';
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

const [dist, browser, other] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
// The sample restaurant: 12 members in three departments and the current period filled.
const server = await startServerProcess({ args: ['--sample'], env: { STATIC_DIR: dist } });
try {
  const colleague = await openApp(other, server.url, '佐藤');
  const page = await openApp(browser, server.url, '山田');
  await row(page, '松本 裕子').waitFor();
  const dates = (await page
    .getByTestId('day-header')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-date')))) as string[];
  const cell = (p: typeof page, name: string, date: string) => row(p, name).locator(`[data-testid="cell"][data-date="${date}"]`);
  // Someone else is on a cell of 中村 さくら: the grid shows it with their name.
  await front(colleague);
  await cell(colleague, '中村 さくら', dates[9] as string).click();
  await cell(page, '中村 さくら', dates[9] as string)
    .getByTestId('cell-presence')
    .waitFor();
  // This person selects a range of two members and three days.
  await front(page);
  await cell(page, '佐藤 健一', dates[4] as string).click();
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await page.screenshot({ path: join(OUT, 'schedule.png') });

  await editFromList(page, '伊藤 大輔');
  await page.getByTestId('input-position').fill('調理スタッフ');
  await page.getByTestId('start-day').selectOption('21');
  await page.getByTestId('staff-form').getByTestId('save-button').focus();
  await page.screenshot({ path: join(OUT, 'staff-edit-modal.png') });
  console.log(`screenshots: wrote ${join(OUT, 'schedule.png')} and ${join(OUT, 'staff-edit-modal.png')}`);
} finally {
  await browser.close();
  await other.close();
  await server.stop();
}
