import { randomUUID } from 'node:crypto';
import {
  type AckPayload,
  type ChangeEvent,
  type ConflictPayload,
  type Envelope,
  type ErrorPayload,
  parseServerFrame,
  type ServerMessage,
} from '@staff-sync/protocol';

export type SyncResponse = Extract<ServerMessage, { type: 'SYNC_RESPONSE' }> & { seq: number };

import WebSocket, { type PerMessageDeflateOptions } from 'ws';
import type { WireTap } from './wire-tap.ts';

/** A reply to a staff mutation (tests of the schedule narrow cell replies themselves). */
type Reply = Envelope<'ACK', AckPayload> | Envelope<'CONFLICT', ConflictPayload> | Envelope<'ERROR', ErrorPayload>;

export interface TestClientOptions {
  clientId?: string;
  headers?: Record<string, string>;
  /** Offer permessage-deflate (with ws's options for it, e.g. `{ serverMaxWindowBits: 10 }`). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Read the frames off the TCP stream too (compressed or not, bytes on the wire). */
  wire?: WireTap;
  /** Query string added to the URL (e.g. "period=2"). */
  query?: string;
  /** The subprotocols offered (default `staff-sync.v1`); none (`[]`) gets the plain dialect. */
  protocols?: string[];
}

/**
 * A raw protocol client for tests: every frame it receives is checked against the protocol's
 * server-message schemas, and anything invalid is kept in `invalid` for the test to assert on.
 */
export class TestClient {
  readonly clientId: string;
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly invalid: unknown[] = [];
  /** Number of frames received (a frame may carry several messages). */
  frames = 0;
  nextSequence = 1;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  private constructor(ws: WebSocket, clientId: string) {
    this.ws = ws;
    this.clientId = clientId;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      this.frames++;
      const frame = parseServerFrame(data.toString());
      this.invalid.push(...frame.invalid);
      for (const message of frame.messages) {
        this.messages.push(message);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.predicate(message)) return true;
          w.resolve(message);
          return false;
        });
      }
    });
  }

  static connect(url: string, options: TestClientOptions = {}): Promise<TestClient> {
    const full = options.query ? `${url}?${options.query}` : url;
    const ws = new WebSocket(full, options.protocols ?? ['staff-sync.v1'], {
      headers: options.headers,
      perMessageDeflate: options.perMessageDeflate ?? false,
      ...(options.wire ? { createConnection: options.wire.createConnection } : {}),
    });
    const client = new TestClient(ws, options.clientId ?? randomUUID());
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
    });
  }

  /** Send one message with the next sequence number (or the given one); returns the number used. */
  send(type: string, payload: unknown, sequenceNumber = this.nextSequence++, clientId = this.clientId): number {
    this.ws.send(JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber }));
    return sequenceNumber;
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** The first message (already received or still to come) matching `predicate`. */
  waitFor<T extends ServerMessage = ServerMessage>(predicate: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<T> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(',')}`)),
        timeoutMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
      });
    });
  }

  /** The ACK, CONFLICT or ERROR naming `sequenceNumber`. */
  reply(sequenceNumber: number, timeoutMs?: number): Promise<Reply> {
    return this.waitFor<Reply>(
      (m) => (m.type === 'ACK' || m.type === 'CONFLICT' || m.type === 'ERROR') && m.payload.sequenceNumber === sequenceNumber,
      timeoutMs,
    );
  }

  /** Send and wait for the reply naming it. */
  async request(type: string, payload: unknown): Promise<Reply> {
    return this.reply(this.send(type, payload));
  }

  /** SYNC_REQUEST and its SYNC_RESPONSE. */
  async sync(payload: { period?: number; sinceSeq?: number } = {}): Promise<SyncResponse> {
    const count = this.messages.filter((m) => m.type === 'SYNC_RESPONSE').length;
    this.send('SYNC_REQUEST', payload);
    await this.waitFor(() => this.messages.filter((m) => m.type === 'SYNC_RESPONSE').length > count);
    return this.messages.filter((m) => m.type === 'SYNC_RESPONSE')[count] as SyncResponse;
  }

  changes(): ChangeEvent[] {
    return this.messages.filter(
      (m): m is ChangeEvent => m.type === 'STAFF_CREATE' || m.type === 'STAFF_UPDATE' || m.type === 'STAFF_DELETE',
    );
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}
