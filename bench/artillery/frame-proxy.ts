// A WebSocket proxy in front of the bench server that counts, per connection, every frame a client
// sends and the reply the server gives it. The server handles a connection's messages one at a
// time in arrival order and answers each with one reply (docs/protocol.md), so the k-th reply
// answers the k-th frame; HELLO, CONNECTION_ACK, PRESENCE and change events are not replies. The
// client's path, query and offered subprotocols go upstream unchanged, and an upgrade the server
// refuses is refused downstream with the same status.
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';

const NOT_REPLIES = new Set([
  'HELLO',
  'CONNECTION_ACK',
  'PRESENCE',
  'STAFF_CREATE',
  'STAFF_UPDATE',
  'STAFF_DELETE',
  'SHIFT_BROADCAST',
]);

export interface ProxyCounts {
  upgrades: number;
  /** Upgrades the server refused, by HTTP status. */
  refused: Record<string, number>;
  connections: number;
  /** Frames clients sent, by their `type` (`(no type)` when the frame has none or is no JSON object). */
  sent: Record<string, number>;
  /** "<frame type> -> <reply type>[ <code>]": what each frame was answered with. */
  answered: Record<string, number>;
  /** Replies by ERROR code. */
  errorCodes: Record<string, number>;
  /** Frames still without a reply when the proxy stopped. */
  unanswered: number;
  /** Frames from the server that were arrays (must be 0 for clients without a subprotocol). */
  arrayFrames: number;
  /** A few example frames as sent, and replies, for the record. */
  examples: { sent: string[]; replies: string[] };
}

const typeOf = (text: string): string => {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) && typeof value.type === 'string'
      ? value.type
      : '(no type)';
  } catch {
    return '(not JSON)';
  }
};

const add = (map: Record<string, number>, key: string) => {
  map[key] = (map[key] ?? 0) + 1;
};

export async function startFrameProxy(
  upstream: string,
): Promise<{ url: string; counts: ProxyCounts; stop: () => Promise<void> }> {
  const counts: ProxyCounts = {
    upgrades: 0,
    refused: {},
    connections: 0,
    sent: {},
    answered: {},
    errorCodes: {},
    unanswered: 0,
    arrayFrames: 0,
    examples: { sent: [], replies: [] },
  };
  interface Link {
    pending: string[];
    up: WebSocket;
    down: WebSocket;
    done: boolean;
  }
  const open = new Set<Link>();
  /** Count what the link still waits for, once, and close it. */
  const finish = (link: Link) => {
    if (link.done) return;
    link.done = true;
    counts.unanswered += link.pending.length;
    open.delete(link);
    link.up.close();
  };
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http = createServer((_req, res) => res.writeHead(404).end());

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    counts.upgrades++;
    const offered = req.headers['sec-websocket-protocol'];
    const protocols = offered ? offered.split(',').map((p) => p.trim()) : [];
    const up = new WebSocket(`${upstream}${req.url ?? '/'}`, protocols, { perMessageDeflate: false });
    const early: WebSocket.RawData[] = [];
    up.on('message', (data) => early.push(data as Buffer));
    up.once('unexpected-response', (_r, res) => {
      add(counts.refused, String(res.statusCode));
      socket.end(`HTTP/1.1 ${res.statusCode} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      up.terminate();
    });
    up.once('error', () => socket.destroy());
    up.once('open', () => {
      wss.handleUpgrade(req, socket, head, (down) => {
        counts.connections++;
        const link: Link = { pending: [], up, down, done: false };
        open.add(link);
        const fromServer = (data: WebSocket.RawData) => {
          const text = String(data);
          if (text.startsWith('[')) counts.arrayFrames++;
          const type = typeOf(text);
          if (!NOT_REPLIES.has(type)) {
            const request = link.pending.shift() ?? '(nothing sent)';
            let reply = type;
            if (type === 'ERROR') {
              const code = JSON.parse(text).payload?.code ?? '?';
              add(counts.errorCodes, code);
              reply = `ERROR ${code}`;
            }
            add(counts.answered, `${request} -> ${reply}`);
            if (
              counts.examples.replies.length < 3 &&
              type === 'ERROR' &&
              !counts.examples.replies.some((e) => e.includes(reply.slice(6)))
            )
              counts.examples.replies.push(text.slice(0, 300));
          }
          if (down.readyState === WebSocket.OPEN) down.send(text);
        };
        up.removeAllListeners('message');
        for (const data of early) fromServer(data);
        up.on('message', fromServer);
        down.on('message', (data) => {
          const text = String(data);
          const type = typeOf(text);
          add(counts.sent, type);
          link.pending.push(type);
          if (counts.examples.sent.length < 4 && !counts.examples.sent.some((e) => typeOf(e) === type))
            counts.examples.sent.push(text.slice(0, 300));
          up.send(text);
        });
        // The client may leave before its last reply: keep listening upstream until it comes (5 s at most).
        down.on('close', () => {
          const started = Date.now();
          const wait = setInterval(() => {
            if (link.done || link.pending.length === 0 || Date.now() - started > 5000) {
              clearInterval(wait);
              finish(link);
            }
          }, 50);
        });
        up.on('close', () => down.close());
      });
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    counts,
    stop: async () => {
      for (const link of [...open]) {
        finish(link);
        link.down.terminate();
        link.up.terminate();
      }
      wss.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
