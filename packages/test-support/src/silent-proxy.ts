import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export interface SilentProxy {
  /** `http://127.0.0.1:<port>`: the proxy's own address, to load the app or connect through. */
  url: string;
  /** WebSocket connections opened through the proxy so far. */
  readonly webSockets: number;
  /**
   * Every WebSocket connection open now goes silent: nothing more is forwarded either way, and
   * neither side is told (no FIN, no RST), as when a NAT forgets a connection or a laptop sleeps.
   * Plain HTTP connections and connections opened later are forwarded as before.
   */
  silence(): void;
  /** Like a network that went away: every connection is reset, and new ones are reset at once. */
  cut(): void;
  /** The network is back: new connections are forwarded again. */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  webSocket: boolean;
  silent: boolean;
}

/**
 * A TCP proxy in front of `target` (`http://host:port`) for tests of connections that stop
 * working without closing: bytes are forwarded both ways until `silence()`, after which they are
 * dropped and closes are not passed on. A WebSocket is told apart by its upgrade request.
 */
export async function silentProxy(target: string): Promise<SilentProxy> {
  const upstreamUrl = new URL(target);
  const pairs = new Set<Pair>();
  const sockets = new Set<Socket>();
  let refusing = false;
  let webSockets = 0;

  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect(Number(upstreamUrl.port), upstreamUrl.hostname);
    const pair: Pair = { client, upstream, webSocket: false, silent: false };
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        pair.webSocket = /\r\nupgrade:\s*websocket/i.test(chunk.toString('latin1'));
        if (pair.webSocket) webSockets++;
      }
      if (!pair.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.silent) client.write(chunk);
    });
    // A silent connection passes nothing on, not even its end: the other side never learns.
    const ended = (other: Socket) => () => {
      pairs.delete(pair);
      if (!pair.silent) other.destroy();
    };
    client.on('close', ended(upstream));
    upstream.on('close', ended(client));
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    get webSockets() {
      return webSockets;
    },
    silence() {
      for (const pair of pairs) if (pair.webSocket) pair.silent = true;
    },
    cut() {
      refusing = true;
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    restore() {
      refusing = false;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
