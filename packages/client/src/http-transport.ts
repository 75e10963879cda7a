import { type ClientMessage, CloseCode } from '@staff-sync/protocol';
import { SseParser } from './sse-parser.ts';
import { CLOSE_FORBIDDEN, type CloseInfo, type Transport, type TransportFactory } from './transport.ts';

export interface HttpTransportOptions {
  /** A change stream silent this long is taken as dead (the server sends keep-alives; default 75 s). */
  streamTimeoutMs?: number;
}

class TransportClosed extends Error {
  readonly info: Omit<CloseInfo, 'wasOpen'>;
  constructor(code: number, reason: string) {
    super(reason);
    this.info = { code, reason };
  }
}

const isServerMessage = (text: string): boolean => {
  try {
    const value = JSON.parse(text) as { type?: unknown };
    return typeof value?.type === 'string';
  } catch {
    return false;
  }
};

/**
 * The HTTP fallback (docs/http-api.md) behind the same surface as the WebSocket: messages become
 * requests, sent one at a time so that the server applies them in the order the client made them,
 * and change events come from a server-sent-events stream that is (re)started from the seq of
 * every SYNC_RESPONSE, so nothing between the snapshot and the stream is missed.
 */
export function httpTransportWith(settings: HttpTransportOptions = {}): TransportFactory {
  const streamTimeoutMs = settings.streamTimeoutMs ?? 75_000;
  return (options) => {
    const { callbacks } = options;
    const base = options.httpUrl.replace(/\/$/, '');
    const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
    const life = new AbortController();
    let stream: AbortController | undefined;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    let queue: Promise<void> = Promise.resolve();
    let opened = false;
    let finished = false;
    let lastPeriod: number | undefined = options.period;

    const finish = (info: Omit<CloseInfo, 'wasOpen'>) => {
      if (finished) return;
      finished = true;
      clearTimeout(watchdog);
      life.abort();
      callbacks.onClose({ ...info, wasOpen: opened });
    };
    const fail = (error: unknown) => {
      if (error instanceof TransportClosed) finish(error.info);
      else finish({ code: 1006, reason: error instanceof Error ? error.message : String(error) });
    };

    /** A request whose answer is a server message; anything else ends the transport. */
    const request = async (path: string, init: RequestInit = {}): Promise<string> => {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
        signal: life.signal,
      });
      const text = await response.text();
      if (response.status === 401) throw new TransportClosed(CloseCode.TOKEN_EXPIRED, 'the server refused the token');
      if (response.status === 403 && !opened) throw new TransportClosed(CLOSE_FORBIDDEN, 'the server refused this sign-in');
      // A proxy's error page is not an answer: end the transport so the message is sent again later.
      if (!isServerMessage(text)) throw new TransportClosed(1011, `HTTP ${response.status} without a staff-sync message`);
      return text;
    };

    const deliver = (text: string) => {
      if (!finished) callbacks.onFrame(text);
    };

    const armWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => fail(new TransportClosed(1006, 'the change stream went silent')), streamTimeoutMs);
    };

    const startStream = (sinceSeq: number) => {
      stream?.abort();
      const controller = new AbortController();
      stream = controller;
      const signal = AbortSignal.any([life.signal, controller.signal]);
      armWatchdog();
      (async () => {
        const response = await fetch(`${base}/changes?sinceSeq=${sinceSeq}`, { headers, signal });
        if (response.status === 401) throw new TransportClosed(CloseCode.TOKEN_EXPIRED, 'the server refused the token');
        if (!response.ok || !response.body) throw new TransportClosed(1011, `the change stream answered HTTP ${response.status}`);
        const parser = new SseParser();
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          armWatchdog();
          for (const event of parser.push(decoder.decode(value, { stream: true }))) {
            if (event.event === 'expired') {
              throw new TransportClosed(CloseCode.TOKEN_EXPIRED, 'the token expired; the change stream ended');
            }
            if (event.event === 'resync') {
              // The server no longer has the delta: take a full snapshot, which restarts the stream.
              queue = queue.then(() => sync(lastPeriod, undefined)).catch(fail);
              return;
            }
            deliver(event.data);
            if (event.event === 'error') throw new TransportClosed(1011, 'the change stream failed on the server');
          }
        }
        throw new TransportClosed(1006, 'the change stream ended');
      })().catch((error: unknown) => {
        if (controller.signal.aborted || life.signal.aborted) return;
        fail(error);
      });
    };

    const sync = async (period: number | undefined, sinceSeq: number | undefined) => {
      stream?.abort();
      lastPeriod = period;
      const query = new URLSearchParams();
      if (period !== undefined) query.set('period', String(period));
      if (sinceSeq !== undefined) query.set('sinceSeq', String(sinceSeq));
      const text = await request(`/staff${query.size ? `?${query}` : ''}`);
      deliver(text);
      const message = JSON.parse(text) as { type: string; seq?: number };
      if (message.type === 'SYNC_RESPONSE' && typeof message.seq === 'number') startStream(message.seq);
    };

    const sendNow = async (message: ClientMessage) => {
      const idempotency = { 'Idempotency-Key': `${message.clientId}:${message.sequenceNumber}` };
      const json = { ...idempotency, 'Content-Type': 'application/json' };
      switch (message.type) {
        case 'SYNC_REQUEST':
          return sync(message.payload.period ?? lastPeriod, message.payload.sinceSeq);
        case 'STAFF_CREATE':
          return deliver(await request('/staff', { method: 'POST', headers: json, body: JSON.stringify(message.payload) }));
        case 'STAFF_UPDATE': {
          const { staffId, ...body } = message.payload;
          const path = `/staff/${encodeURIComponent(staffId)}`;
          return deliver(await request(path, { method: 'PATCH', headers: json, body: JSON.stringify(body) }));
        }
        case 'STAFF_DELETE': {
          const { staffId, version } = message.payload;
          const path = `/staff/${encodeURIComponent(staffId)}${version === undefined ? '' : `?version=${version}`}`;
          return deliver(await request(path, { method: 'DELETE', headers: idempotency }));
        }
        case 'PRESENCE_SET': {
          // A lease on the server: the client sends it again while the person edits.
          const body = JSON.stringify(message.payload);
          return deliver(await request('/presence', { method: 'PUT', headers: json, body }));
        }
        case 'SHIFT_SYNC_REQUEST': {
          const query = new URLSearchParams({ periodIndex: String(message.payload.periodIndex) });
          if (message.payload.sinceSeq !== undefined) query.set('sinceSeq', String(message.payload.sinceSeq));
          return deliver(await request(`/schedule?${query}`));
        }
        case 'SHIFT_UPDATE':
          return deliver(
            await request('/schedule/cell', { method: 'PUT', headers: json, body: JSON.stringify(message.payload) }),
          );
        case 'SHIFT_BULK_UPDATE':
          return deliver(
            await request('/schedule/bulk', { method: 'POST', headers: json, body: JSON.stringify(message.payload) }),
          );
        // Liveness over HTTP is the stream's keep-alives; the all-periods roster is the plain dialect's.
        case 'PING':
        case 'SYNC_ALL_PERIODS_REQUEST':
          return;
      }
    };

    const transport: Transport = {
      kind: 'http',
      open() {
        request('/hello')
          .then((text) => {
            if (finished) return;
            opened = true;
            callbacks.onOpen();
            deliver(text);
          })
          .catch(fail);
      },
      send(message) {
        if (!opened || finished) throw new Error('the HTTP transport is not open');
        queue = queue.then(() => (finished ? undefined : sendNow(message))).catch(fail);
      },
      close(code = CloseCode.NORMAL, reason = 'client closed') {
        finish({ code, reason });
      },
    };
    return transport;
  };
}

/** The HTTP transport with default settings. */
export const httpTransport: TransportFactory = httpTransportWith();
