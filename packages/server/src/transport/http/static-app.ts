import { existsSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpDeps } from './http-server.ts';

/** The built web app of this repository (apps/web/dist), the default of STATIC_DIR. */
const BUILT_APP_DIR = fileURLToPath(new URL('../../../../../apps/web/dist', import.meta.url));

/** Paths that belong to the server itself: never answered with the app, even when unknown. */
const SERVER_PATHS = ['/api', '/health', '/ready', '/metrics', '/staff-sync'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg)/;

/** Vite names built assets with a content hash (`assets/index-B1x2y3z4.js`): safe to cache for good. */
const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
}

export interface StaticApp {
  readonly dir: string;
  readonly route: HttpDeps['routes'][number];
}

/**
 * The folder to serve: STATIC_DIR when set (it must hold an index.html), else the built app when
 * there is one, else none (the server runs without a web app, e.g. in tests of the API alone).
 */
export function staticDirFor(configured: string | undefined): string | undefined {
  if (configured !== undefined) {
    const dir = resolve(configured);
    if (!existsSync(resolve(dir, 'index.html'))) {
      throw new Error(`STATIC_DIR ${dir} has no index.html (build the app with \`npm run build -w @staff-sync/web\`)`);
    }
    return dir;
  }
  return existsSync(resolve(BUILT_APP_DIR, 'index.html')) ? BUILT_APP_DIR : undefined;
}

/**
 * Serves a built single-page app from `dir`: files with their content types, hashed assets cached
 * for a year, index.html never cached (a deploy takes effect at the next load), and index.html for
 * unknown GET paths so that the app's own URLs survive a reload. Paths of the server (API, health,
 * metrics, the WebSocket) are left to it, and nothing outside `dir` is ever read.
 */
export function createStaticApp(dir: string): StaticApp {
  const root = resolve(dir);
  const cache = new Map<string, Cached>();

  async function load(file: string, info: Stats): Promise<Cached> {
    const held = cache.get(file);
    if (held && held.mtimeMs === info.mtimeMs && held.size === info.size) return held;
    const body = await readFile(file);
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const entry: Cached = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      body,
      // Compressed once per file version, not once per request.
      gzip: COMPRESSIBLE.test(type) && body.length > 512 ? gzipSync(body) : undefined,
      etag: `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
    };
    cache.set(file, entry);
    return entry;
  }

  /** The file for a URL path, or undefined when the path is not a file inside the root. */
  async function fileFor(pathname: string): Promise<{ file: string; info: Stats } | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
    // Hidden files and folders (the build's .vite manifest, editors' leftovers) are not the app.
    if (decoded.split('/').some((segment) => segment.startsWith('.'))) return undefined;
    const file = resolve(root, `.${decoded}`);
    // resolve() has already folded every `..`: anything that left the root is refused.
    if (file !== root && !file.startsWith(root + sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { file, info } : undefined;
  }

  async function send(
    request: IncomingMessage,
    response: ServerResponse,
    file: string,
    info: Stats,
    cacheControl: string,
  ): Promise<void> {
    const entry = await load(file, info);
    const headers: Record<string, string | number> = {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': cacheControl,
      ETag: entry.etag,
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    };
    if (request.headers['if-none-match'] === entry.etag) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    const gzip = entry.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? entry.gzip : undefined;
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const body = gzip ?? entry.body;
    headers['Content-Length'] = body.length;
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  const route: StaticApp['route'] = async (request, response, url) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = url.pathname;
    if (SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return false;
    const found = path === '/' ? undefined : await fileFor(path);
    if (found) {
      const immutable = HASHED.test(path);
      await send(request, response, found.file, found.info, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return true;
    }
    // A missing file (a name with an extension, or anything under /assets) is a 404, not the
    // app: a stale page asking for an old chunk must fail visibly instead of parsing HTML as JS.
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (path.startsWith('/assets/') || last.includes('.')) return false;
    const index = resolve(root, 'index.html');
    const info = await stat(index).catch(() => undefined);
    if (!info?.isFile()) return false;
    await send(request, response, index, info, 'no-cache');
    return true;
  };

  return { dir: root, route };
}
