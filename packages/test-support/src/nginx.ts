import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NGINX_BIN } from './services.ts';

/** The deployment's nginx configuration, the file the tests render and run. */
export const WEBSOCKET_CONF = fileURLToPath(new URL('../../../deploy/nginx/websocket.conf', import.meta.url));

/** A free loopback port (the kernel picks it; it stays free until someone binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * deploy/nginx/websocket.conf with its upstream's `server` lines replaced by the given addresses
 * and its `listen` by a loopback port. Throws when the file no longer has the shape this relies
 * on, so a changed deployment file cannot silently go untested.
 */
export function renderWebsocketConf(source: string, options: { upstreams: string[]; listen: number }): string {
  const upstream = /(upstream staff_sync_replicas \{\n)([\s\S]*?)(\n\})/.exec(source);
  if (!upstream) throw new Error(`${WEBSOCKET_CONF}: no "upstream staff_sync_replicas {" block`);
  const body = upstream[2] as string;
  const serverLine = /^(\s*)server \S+( [^;\n]*)?;$/m.exec(body);
  if (!serverLine) throw new Error(`${WEBSOCKET_CONF}: the upstream has no server line`);
  const [, indent, params = ''] = serverLine;
  const servers = options.upstreams.map((address) => `${indent}server ${address}${params};`).join('\n');
  const newBody = body.replace(/^\s*server \S+( [^;\n]*)?;$/gm, '').replace(/\n{2,}/g, '\n');
  const rendered = source.replace(upstream[0], `${upstream[1]}${newBody.replace(/\n?$/, '\n')}${servers}${upstream[3]}`);
  const listens = rendered.match(/^\s*listen [^;]+;$/gm) ?? [];
  if (listens.length !== 1) throw new Error(`${WEBSOCKET_CONF}: expected one listen line, found ${listens.length}`);
  return rendered.replace(/^(\s*)listen [^;]+;$/m, `$1listen 127.0.0.1:${options.listen};`);
}

export interface NginxProcess {
  readonly port: number;
  readonly url: string;
  /** WebSocket URL of the server through nginx's /ws/ location. */
  readonly wsUrl: string;
  readonly prefix: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** The main configuration around the rendered file: loopback only, everything under `prefix`. */
function mainConf(prefix: string, include: string, workers: number): string {
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes ${workers};
worker_rlimit_nofile 40000;
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 16384; }
http {
  client_body_temp_path ${join(prefix, 'tmp/body')};
  proxy_temp_path ${join(prefix, 'tmp/proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp/fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp/uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp/scgi')};
  include ${include};
}
`;
}

/** `nginx -t` on a configuration; resolves with nginx's output, rejects with it when invalid. */
function checkNginxConf(prefix: string, conf: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      NGINX_BIN,
      ['-t', '-p', prefix, '-c', conf, '-g', `pid ${join(prefix, 'nginx-t.pid')};`],
      { timeout: 10_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`)),
    ),
  );
}

/** Start Debian's nginx in the foreground with deploy/nginx/websocket.conf in front of `upstreams`. */
export async function startNginx(options: {
  upstreams: string[];
  port?: number;
  /** nginx worker processes (default 1: tests share two cores with everything else). */
  workers?: number;
}): Promise<NginxProcess> {
  const prefix = mkdtempSync(join(tmpdir(), 'staff-sync-nginx-'));
  mkdirSync(join(prefix, 'tmp'));
  mkdirSync(join(prefix, 'logs')); // nginx opens logs/error.log before reading the configuration
  const port = options.port ?? (await freePort());
  const include = join(prefix, 'websocket.conf');
  writeFileSync(
    include,
    renderWebsocketConf(readFileSync(WEBSOCKET_CONF, 'utf8'), { upstreams: options.upstreams, listen: port }),
  );
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, mainConf(prefix, include, options.workers ?? 1));
  await checkNginxConf(prefix, conf);
  const child: ChildProcess = spawn(
    NGINX_BIN,
    ['-p', prefix, '-c', conf, '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return readFileSync(join(prefix, 'error.log'), 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  // Listening once a TCP connection to the port is accepted.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${errorLog()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} in 10 s:\n${errorLog()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws/staff-sync`,
    prefix,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // fast shutdown: closes every proxied connection
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
