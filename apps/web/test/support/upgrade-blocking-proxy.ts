import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BlockingProxy {
  url: string;
  /** WebSocket upgrades refused so far. */
  refused: number;
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of `target` that passes plain HTTP through (streamed both ways, so
 * server-sent events flow) and refuses every WebSocket upgrade with 403, as some corporate
 * proxies do. What the app behind it must survive with its HTTP fallback.
 */
export async function upgradeBlockingProxy(target: string): Promise<BlockingProxy> {
  const upstream = new URL(target);
  const proxy = { refused: 0 } as BlockingProxy;
  const server = createServer((incoming, outgoing) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forward.destroy());
    incoming.pipe(forward);
  });
  server.on('upgrade', (_request, socket) => {
    proxy.refused++;
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
