import { CloseCode, SUBPROTOCOLS } from '@staff-sync/protocol';
import type { CloseInfo, Transport, TransportFactory } from './transport.ts';

/** The WebSocket transport: `GET /staff-sync?period=&token=`, one JSON text frame per message or batch. */
export const webSocketTransport: TransportFactory = (options) => {
  const { callbacks } = options;
  let socket: WebSocket | undefined;
  let opened = false;
  let finished = false;
  const finish = (info: Omit<CloseInfo, 'wasOpen'>) => {
    if (finished) return;
    finished = true;
    if (socket) socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    callbacks.onClose({ ...info, wasOpen: opened });
  };

  const transport: Transport = {
    kind: 'websocket',
    open() {
      const url = new URL(options.url);
      if (options.period !== undefined) url.searchParams.set('period', String(options.period));
      if (options.token) url.searchParams.set('token', options.token);
      try {
        // The subprotocols this client speaks, best first; the server picks one (docs/protocol.md, "Dialects").
        socket = new WebSocket(url, Object.keys(SUBPROTOCOLS));
      } catch (error) {
        // A malformed URL or a blocked port throws synchronously; report it like any failed open.
        queueMicrotask(() => finish({ code: 1006, reason: String(error) }));
        return;
      }
      socket.onopen = () => {
        opened = true;
        callbacks.onOpen();
      };
      socket.onmessage = (event) => {
        if (typeof event.data === 'string') callbacks.onFrame(event.data);
        else console.warn('staff-sync: ignored a binary frame; the server sends JSON text only');
      };
      // An error is always followed by close, which carries the code.
      socket.onerror = () => {};
      socket.onclose = (event) => finish({ code: event.code || 1006, reason: event.reason });
    },
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) throw new Error('the WebSocket is not open');
      socket.send(JSON.stringify(message));
    },
    close(code = CloseCode.NORMAL, reason = 'client closed') {
      // Browsers accept only 1000 and 3000-4999 from a script.
      const sendable = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
      if (socket && socket.readyState <= WebSocket.OPEN) socket.close(sendable, reason);
      finish({ code, reason });
    },
  };
  return transport;
};
