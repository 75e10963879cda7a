/**
 * Builds the web app before `npm start` when the build is missing or older than its sources (the
 * app's, and the packages it bundles), so a fresh clone gets a working app from `npm install &&
 * npm start` and a second start costs nothing. Without Vite (a production install) an existing
 * build is served as it is; with neither, the server starts without the app and this says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const app = join(import.meta.dirname, '..');
const root = join(app, '../..');
const built = join(app, 'dist/index.html');
const sources = [
  join(app, 'src'),
  join(app, 'public'),
  join(app, 'index.html'),
  join(app, 'vite.config.ts'),
  join(app, 'package.json'),
  join(root, 'packages/protocol/src'),
  join(root, 'packages/client/src'),
  join(root, 'packages/react/src'),
  join(root, 'package-lock.json'),
];

/** The newest modification time under `path` (files and folders). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), info.mtimeMs);
}

function viteBin(): string | undefined {
  try {
    const require = createRequire(join(app, 'package.json'));
    return join(require.resolve('vite/package.json'), '../bin/vite.js');
  } catch {
    return undefined;
  }
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const stale = sources.some((source) => newest(source) > builtAt);
if (!stale) {
  console.log('web app: build is current (apps/web/dist)');
} else {
  const vite = viteBin();
  if (!vite) {
    console.warn(
      builtAt
        ? 'web app: sources changed but Vite is not installed (production install?); serving the existing build'
        : 'web app: not built and Vite is not installed; the server starts without the app (install dev dependencies and run `npm run build`)',
    );
  } else {
    console.log(`web app: ${builtAt ? 'sources changed' : 'no build yet'}; building apps/web (vite build)`);
    // NODE_ENV decides React's build over Vite's mode; a shell's NODE_ENV=development must not leak in.
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: app,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (result.status !== 0) {
      console.error('web app: the build failed (see above)');
      process.exit(result.status ?? 1);
    }
  }
}
