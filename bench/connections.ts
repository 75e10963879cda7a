// How many concurrent WebSocket clients one server process holds, and its memory at that count:
// opens --connections clients (each synced, as a real screen is), checks that every one still
// receives a change, and reports the server's RSS before and after.
//   node bench/connections.ts --connections 10000 [--db pglite|postgres] [--members 50]
//     [--compression [--compress-all]]
// --members M creates M members first, so that each screen's sync answer is a real roster (over
// 1 KiB, so compressed where permessage-deflate is on). --compress-all makes every client compress
// every message it sends, as browsers do (ws clients compress from 1 KiB only), so that the
// server inflates something from every socket.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import WebSocket from 'ws';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    db: { type: 'string', default: 'pglite' },
    concurrency: { type: 'string', default: '250' },
    compression: { type: 'boolean', default: false },
    'compress-all': { type: 'boolean', default: false },
    members: { type: 'string', default: '0' },
  },
});
const N = Number(opts.connections);
const log = (line: string) => process.stderr.write(`[connections] ${line}\n`);
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  const database = opts.db === 'postgres' ? await createTestDatabase('conn') : undefined;
  const server = await startServerProcess({
    env: { MAX_CONNECTIONS: String(N + 100), ...(database ? { DATABASE_URL: database.url } : {}) },
  });
  const pid = server.process.pid as number;
  const sockets: WebSocket[] = [];
  const received = new Set<WebSocket>();
  let sequence = 0;
  try {
    await createMembers(server.wsUrl, Number(opts.members));
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = rssMiB(pid);
    const perMessageDeflate = opts.compression ? (opts['compress-all'] ? { threshold: 0 } : true) : false;
    const started = performance.now();
    for (let i = 0; i < N; i += Number(opts.concurrency)) {
      const batch = Array.from({ length: Math.min(Number(opts.concurrency), N - i) }, () => {
        const ws = new WebSocket(server.wsUrl, 'staff-sync.v1', { perMessageDeflate });
        ws.on('message', (data) => {
          if (data.toString().includes('"type":"STAFF_CREATE"')) received.add(ws);
        });
        return new Promise<WebSocket>((resolve, reject) => {
          ws.once('open', () => {
            ws.send(
              JSON.stringify({
                type: 'SYNC_REQUEST',
                payload: {},
                timestamp: new Date().toISOString(),
                clientId: `c${++sequence}`,
                sequenceNumber: 1,
              }),
            );
            resolve(ws);
          });
          ws.once('error', reject);
        });
      });
      sockets.push(...(await Promise.all(batch)));
      if (sockets.length % 2000 === 0) log(`${sockets.length} open, server RSS ${rssMiB(pid).toFixed(0)} MiB`);
    }
    const openSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const health = await (await fetch(`${server.url}/health`)).json();
    const heldRss = rssMiB(pid);
    // One change must reach every one of them.
    const writer = sockets[0] as WebSocket;
    writer.send(
      JSON.stringify({
        type: 'STAFF_CREATE',
        payload: { name: 'reach', position: 'all' },
        timestamp: new Date().toISOString(),
        clientId: 'writer',
        sequenceNumber: 1,
      }),
    );
    const fanoutStarted = performance.now();
    while (received.size < N && performance.now() - fanoutStarted < 30_000) await new Promise((r) => setTimeout(r, 50));
    const result = {
      db: opts.db,
      connections: N,
      compression: opts.compression,
      compressAll: opts['compress-all'],
      members: Number(opts.members),
      openSeconds: Number(openSeconds.toFixed(1)),
      serverActiveConnections: health.active_connections,
      serverRssIdleMiB: Number(idleRss.toFixed(0)),
      serverRssWithConnectionsMiB: Number(heldRss.toFixed(0)),
      perConnectionKiB: Number((((heldRss - idleRss) * 1024) / N).toFixed(1)),
      reachedByOneChange: received.size,
      fanoutToAllMs: Number((performance.now() - fanoutStarted).toFixed(0)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
    await database?.drop();
  }
}

/** M members, created one after another by one client, each ACKed before the next. */
async function createMembers(url: string, count: number): Promise<void> {
  if (count === 0) return;
  const ws = new WebSocket(url, 'staff-sync.v1');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  for (let n = 1; n <= count; n++) {
    const acked = new Promise<void>((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        const text = data.toString();
        if (!text.includes(`"sequenceNumber":${n},`)) return;
        ws.off('message', onMessage);
        if (text.includes('"ACK"')) resolve();
        else reject(new Error(`member ${n} was not created: ${text.slice(0, 300)}`));
      };
      ws.on('message', onMessage);
    });
    const payload = { name: `メンバー ${n}`, position: 'ホール', department: 'ホール', status: 'パート' };
    ws.send(
      JSON.stringify({
        type: 'STAFF_CREATE',
        payload,
        timestamp: new Date().toISOString(),
        clientId: 'setup',
        sequenceNumber: n,
      }),
    );
    await acked;
  }
  ws.close();
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
