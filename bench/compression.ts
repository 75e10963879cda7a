// Bytes on the wire for a full roster sync, with permessage-deflate and without: fills a roster
// of --members realistic members, then counts the bytes each client's socket reads for one
// SYNC_REQUEST -> SYNC_RESPONSE (frame headers included), and checks both decode to the same data.
//   node bench/compression.ts --members 200
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import WebSocket from 'ws';

const { values: opts } = parseArgs({ options: { members: { type: 'string', default: '200' } } });
const MEMBERS = Number(opts.members);
const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const GIVEN = ['太郎', '花子', '一郎', '美咲', '健太', '陽菜', '翔太', 'さくら', '大輔', '愛'];
const POSITIONS = ['料理長', '副料理長', 'ホール係', '洗い場', '店長', 'キッチン補助', 'バーテンダー'];
const DEPARTMENTS = ['調理', 'ホール', '管理'];
const STATUSES = ['社員', '派遣', 'パート'];

function envelope(type: string, payload: unknown, n: number) {
  return JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId: 'bench-compression', sequenceNumber: n });
}

function open(url: string, deflate: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'staff-sync.v1', { perMessageDeflate: deflate });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Bytes read by the socket while one full sync is answered, and the response itself. */
async function measureSync(ws: WebSocket, n: number): Promise<{ bytes: number; response: unknown }> {
  const socket = (ws as unknown as { _socket: { bytesRead: number } })._socket;
  const before = socket.bytesRead;
  const response = await new Promise((resolve) => {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'SYNC_RESPONSE') resolve(message.payload);
    });
    ws.send(envelope('SYNC_REQUEST', {}, n));
  });
  return { bytes: socket.bytesRead - before, response };
}

async function main(): Promise<void> {
  const server = await startServerProcess({
    env: { DATA_DIR: 'memory://', RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000' },
  });
  try {
    const writer = await open(server.wsUrl, false);
    let acked = 0;
    writer.on('message', (data) => {
      const text = String(data); // a frame may carry several messages
      acked += text.split('"type":"ACK"').length - 1;
      if (text.includes('"type":"ERROR"')) throw new Error(`create refused: ${text}`);
    });
    for (let i = 0; i < MEMBERS; i++) {
      writer.send(
        envelope(
          'STAFF_CREATE',
          {
            name: `${FAMILY[i % 10]} ${GIVEN[(i * 7) % 10]}`,
            position: POSITIONS[i % POSITIONS.length],
            department: DEPARTMENTS[i % 3],
            status: STATUSES[(i * 5) % 3],
            order: i,
            startPeriod: { year: 2024 + (i % 3), month: 1 + (i % 12) },
            endPeriod: i % 4 === 0 ? { year: 2027, month: 3, day: 31 } : null,
          },
          i + 1,
        ),
      );
      if (i % 50 === 49) while (acked < i + 1) await new Promise((r) => setTimeout(r, 10));
    }
    while (acked < MEMBERS) await new Promise((r) => setTimeout(r, 10));
    const plain = await measureSync(await open(server.wsUrl, false), 1);
    const deflated = await measureSync(await open(server.wsUrl, true), 1);
    const same = JSON.stringify(plain.response) === JSON.stringify(deflated.response);
    const result = {
      members: MEMBERS,
      plainBytes: plain.bytes,
      compressedBytes: deflated.bytes,
      savedPercent: Number((100 * (1 - deflated.bytes / plain.bytes)).toFixed(1)),
      sameData: same,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!same) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
