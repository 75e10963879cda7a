import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APP = join(import.meta.dirname, '../..');

/**
 * Build the app from the current sources into a folder of this test file's own, so that test
 * files running side by side never serve a build another one is rewriting, and a test never
 * runs against an old apps/web/dist.
 */
export async function buildApp(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'staff-sync-web-'));
  const vite = join(createRequire(join(APP, 'package.json')).resolve('vite/package.json'), '../bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: APP,
    // What people get: the production build (vitest sets NODE_ENV=test, which would make React's development build).
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vite build failed (${code}):\n${output}`);
  return outDir;
}
