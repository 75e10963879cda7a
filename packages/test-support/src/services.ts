import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import postgres from 'postgres';

/**
 * Real services for tests. On CI (STAFF_SYNC_REQUIRE_SERVICES=1, set by .ci/run) a missing
 * service fails the run; on a fresh machine without it, the tests that need it are skipped with
 * one line saying why.
 */
export const REQUIRE_SERVICES = process.env.STAFF_SYNC_REQUIRE_SERVICES === '1';
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let available: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch (error) {
      if (REQUIRE_SERVICES) throw new Error(`PostgreSQL is required here but unreachable at ${POSTGRES_ADMIN_URL}: ${error}`);
      console.warn(`[skip] PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}; its tests are skipped on this machine`);
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return available;
}

/** A fresh, empty database for one test file; dropped by the returned function. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `staff_sync_test_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const sql = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      await sql.end();
    },
  };
}

/** Checked once per test file: a missing service fails on CI and skips (one line) elsewhere. */
function service(name: string, check: () => Promise<void>, what: string): () => Promise<boolean> {
  let result: Promise<boolean> | undefined;
  return () => {
    result ??= check().then(
      () => true,
      (error: unknown) => {
        if (REQUIRE_SERVICES) throw new Error(`${name} is required here but ${what}: ${error}`);
        console.warn(`[skip] ${name} ${what}; its tests are skipped on this machine`);
        return false;
      },
    );
    return result;
  };
}

export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Redis answers PING at REDIS_TEST_URL (a raw RESP exchange: no client library needed to ask). */
export const redisAvailable = service(
  'Redis',
  () =>
    new Promise<void>((resolve, reject) => {
      const url = new URL(REDIS_TEST_URL);
      const socket = connect(Number(url.port || 6379), url.hostname);
      const timer = setTimeout(() => socket.destroy(new Error('no answer in 3 s')), 3000);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        clearTimeout(timer);
        socket.end();
        if (data.toString().startsWith('+PONG')) resolve();
        else reject(new Error(`unexpected answer ${JSON.stringify(data.toString().slice(0, 40))}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    }),
  `is not reachable at ${REDIS_TEST_URL}`,
);

/** nginx from Debian's package (/usr/sbin/nginx, or NGINX_BIN). */
export const NGINX_BIN = process.env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
export const nginxAvailable = service('nginx', () => runs(NGINX_BIN, ['-v']), `(${NGINX_BIN}) is not installed`);

/** promtool from Debian's prometheus package. */
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';
export const promtoolAvailable = service('promtool', () => runs(PROMTOOL_BIN, ['--version']), 'is not installed');

function runs(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(bin, args, { timeout: 10_000 }, (error) => (error ? reject(error) : resolve())),
  );
}
