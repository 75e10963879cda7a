import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium; no browser is ever downloaded. */
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * One Chromium; the pages of its context are the tabs of one browser (shared localStorage, one
 * sessionStorage each). Playwright starts it on a fresh temporary profile (its own new
 * --user-data-dir, removed on close). Not launchPersistentContext: its pages are tabs of one
 * window, and a background tab gets no animation frames, so it would neither paint promptly nor
 * take clicks without waiting; here every page is its own window, as two screens side by side.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Frames a page sent on its WebSockets, parsed, for asserting what was (not) sent. */
export function recordSent(page: Page): { types: () => string[] } {
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => {
      try {
        const parsed = JSON.parse(String(frame.payload)) as { type?: string } | { type?: string }[];
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) sent.push(String(m.type));
      } catch {
        sent.push('(not json)');
      }
    });
  });
  return { types: () => [...sent] };
}

/** Errors the page threw, so a test can assert the app never broke. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Open the app as `user` in a new tab and wait until it shows 接続中 and its roster. */
export async function openApp(browser: Browser, baseUrl: string, user: string, before?: (page: Page) => void): Promise<Page> {
  const page = await browser.context.newPage();
  before?.(page);
  await page.goto(`${baseUrl}/?user=${encodeURIComponent(user)}`);
  await connected(page);
  return page;
}

export async function connected(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
  await page.locator('[data-testid="staff-count"]', { hasNotText: '読み込み中' }).waitFor();
}

/**
 * Act in this tab next, as a person clicking into that window would. Chromium delays input to a
 * window that is not in front by up to two seconds (every page here is a window of its own), which
 * would only slow the tests down; updates from the server still reach and paint every page.
 */
export async function front(page: Page): Promise<Page> {
  await page.bringToFront();
  return page;
}

/** The main list's row of the member named exactly `name`. */
export function row(page: Page, name: string): Locator {
  return page.getByTestId('staff-row').filter({ has: page.getByTestId('member-name').getByText(name, { exact: true }) });
}

/** The schedule cell of the member named `name` on `date`. */
export function cell(page: Page, name: string, date: string): Locator {
  return row(page, name).locator(`[data-testid="cell"][data-date="${date}"]`);
}

/** The texts of the main list's names, in order. */
export function names(page: Page): Promise<string[]> {
  return page.getByTestId('member-name').allTextContents();
}

/** Wait until `read` gives `expected` (compared as JSON), polling; fails with the last value. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000, what = 'value'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: expected ${JSON.stringify(expected)}, last ${JSON.stringify(last)}`);
}

/** Open StaffEditModal on the member named `name` from the main list. */
export async function editFromList(page: Page, name: string): Promise<void> {
  await front(page);
  await row(page, name).getByTestId('row-edit').click();
  await page.getByTestId('staff-form').waitFor();
}

/** Add a member through the modal (opening it when needed); returns the new member's id. */
export async function addMember(page: Page, fields: { name: string; position: string }): Promise<string> {
  await front(page);
  if (!(await page.getByTestId('staff-modal').isVisible())) await page.getByTestId('staff-management-button').click();
  await page.getByTestId('add-staff-button').click();
  await page.getByTestId('staff-name').fill(fields.name);
  await page.getByTestId('input-position').fill(fields.position);
  await page.getByTestId('save-button').click();
  // The modal selects the new member (an id of the client's, shown at once).
  const item = page.locator('[data-testid^="edit-staff-"][aria-current="true"]');
  await item.getByText(fields.name, { exact: true }).waitFor();
  await page.getByTestId('toast').getByText(`${fields.name}を追加しました`).waitFor();
  return (await item.getAttribute('data-staff-id')) as string;
}

/** Close the modal with its × button. */
export async function closeModal(page: Page): Promise<void> {
  await front(page);
  await page.getByTestId('modal-close').click();
  await page.getByTestId('staff-form').waitFor({ state: 'detached' });
}

/**
 * Every toast text the page shows from now on, however briefly: a toast dismisses itself after a
 * few seconds, so counting the ones on screen at the end of a slow test says nothing about how
 * many were shown. Read with {@link toastsShown}.
 */
export async function recordToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown: string[] = [];
    (window as unknown as { __toastsShown: string[] }).__toastsShown = shown;
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of record.addedNodes) {
          if (!(node instanceof HTMLElement)) continue;
          const toasts = node.matches('[data-testid="toast"]') ? [node] : [...node.querySelectorAll('[data-testid="toast"]')];
          for (const toast of toasts) shown.push(toast.textContent ?? '');
        }
    }).observe(document.documentElement, { childList: true, subtree: true });
  });
}

/** The texts of the toasts shown since {@link recordToasts}, in order. */
export function toastsShown(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __toastsShown: string[] }).__toastsShown);
}
