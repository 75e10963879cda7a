import type { WebSocket } from 'ws';
import * as wsModule from 'ws';

/*
 * The one module that reaches into the `ws` library's internals. Why: ws compresses every message
 * per socket (in zlib's thread pool, a few at a time), but a fan-out pass sends the same frame to
 * every subscriber, and without context takeover its compressed bytes are the same for every
 * socket of one window size. So the hub's frame is deflated once per pass and the result written
 * to each socket as it is (docs/architecture.md, step 11), which ws has no public call for.
 *
 * What it relies on (ws 8; test/precompressed.test.ts fails if an upgrade changes any of it, and
 * `deflateState` answers "not shareable" when a field is missing, so the server then falls back
 * to ws's own compression instead of breaking):
 * - `Sender.frame(data, options)` (ws exports `Sender`): public, static; frames a message.
 * - `ws._sender`: the socket's Sender. `_state` is 0 while it is not compressing (or reading a
 *   Blob) and `_queue` holds the messages waiting behind one that is; `sendFrame(list)` writes a
 *   framed message to the socket, as ws itself does once a message is compressed (a pass's
 *   uncompressed frame is framed once too, and written the same way).
 * - `ws._extensions['permessage-deflate'].params`: the negotiated parameters,
 *   `server_no_context_takeover`, `server_max_window_bits` and `client_no_context_takeover`.
 * - `ws._extensions['permessage-deflate']._inflate`: the socket's inflate stream, made on demand
 *   by ws when a compressed message comes (`releaseInflater` drops it after each message).
 */

/** Messages of a socket's own shorter than this go out uncompressed (ws's default). */
export const COMPRESS_THRESHOLD = 1024;
/**
 * A fan-out pass's frame is compressed from this size on: it is deflated once for every socket,
 * so its cost does not grow with them, and a pass of two or more compact updates already
 * deflates to well under their plain size (docs/protocol.md, "Compression").
 */
export const PASS_COMPRESS_THRESHOLD = 256;

/** The server's permessage-deflate options (ws `WebSocketServer`), with `COMPRESSION` on. */
export const PER_MESSAGE_DEFLATE = {
  threshold: COMPRESS_THRESHOLD,
  // No context kept between messages: bounded memory per connection at 10k connections, and
  // the same compressed bytes for every socket, so a pass's frame is deflated once.
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  concurrencyLimit: 4,
} as const;

/** zlib's default window (and RFC 7692's when `server_max_window_bits` is not negotiated). */
const DEFAULT_WINDOW_BITS = 15;
const SENDER_IDLE = 0;

interface SenderInternals {
  _state?: unknown;
  _queue?: unknown;
  sendFrame?: unknown;
}

interface DeflateInternals {
  params?: {
    server_no_context_takeover?: unknown;
    server_max_window_bits?: unknown;
    client_no_context_takeover?: unknown;
  } | null;
  _inflate?: { close(): void } | null;
}

interface WebSocketInternals {
  _sender?: SenderInternals | null;
  _extensions?: Record<string, DeflateInternals | undefined>;
}

type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];
type SendFrameFn = (list: readonly Buffer[], cb?: (error?: Error) => void) => void;

// ws exports `Sender` (ESM and CommonJS alike); its type declarations leave it out.
const frame = (wsModule as unknown as { Sender?: { frame?: FrameFn } }).Sender?.frame;

/** What a socket can take: nothing compressed, only ws's compression of each message for this socket alone, or a shared frame. */
export type DeflateState =
  | { kind: 'none' }
  | { kind: 'per_socket' }
  | {
      kind: 'shared';
      windowBits: number;
      /** False while ws is still compressing an earlier message: a frame written now would overtake it. */
      idle: boolean;
    };

/** The socket's Sender with the fields a framed write needs, or undefined (ws changed: fall back to ws.send). */
function framingSender(ws: WebSocket): (SenderInternals & { _state: number; _queue: unknown[] }) | undefined {
  const sender = (ws as unknown as WebSocketInternals)._sender;
  if (
    !frame ||
    !sender ||
    typeof sender._state !== 'number' ||
    !Array.isArray(sender._queue) ||
    typeof sender.sendFrame !== 'function'
  )
    return undefined;
  return sender as SenderInternals & { _state: number; _queue: unknown[] };
}

/** Nothing of ws's own is being compressed or waiting on the socket: a frame written now overtakes nothing. */
const idle = (sender: { _state: number; _queue: unknown[] }): boolean =>
  sender._state === SENDER_IDLE && sender._queue.length === 0;

/** Whether (and with which window) this server-side socket can be sent a frame deflated once for many. */
export function deflateState(ws: WebSocket): DeflateState {
  const params = (ws as unknown as WebSocketInternals)._extensions?.['permessage-deflate']?.params;
  if (!params) return { kind: 'none' };
  const sender = framingSender(ws);
  if (params.server_no_context_takeover !== true || !sender) return { kind: 'per_socket' };
  const bits = params.server_max_window_bits;
  return {
    kind: 'shared',
    windowBits: typeof bits === 'number' ? bits : DEFAULT_WINDOW_BITS,
    idle: idle(sender),
  };
}

/** A compressed message framed once (text, FIN, RSV1, unmasked), to write to many sockets. */
export function framePrecompressed(deflated: Buffer): readonly Buffer[] {
  if (!frame) throw new Error('ws has no Sender.frame');
  return frame(deflated, { fin: true, rsv1: true, opcode: 1, mask: false, readOnly: true });
}

/**
 * An uncompressed message framed once (text, FIN, unmasked) as one buffer, to write to many
 * sockets: each then costs one plain write, where `ws.send` frames it again for every socket and
 * writes header and data as two (corked: a `writev`).
 */
export function framePlain(data: Buffer): readonly Buffer[] {
  if (!frame) throw new Error('ws has no Sender.frame');
  const list = frame(data, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true });
  return [list.length === 1 ? (list[0] as Buffer) : Buffer.concat(list)];
}

/** Whether a framed message may be written to this socket now: ws has nothing of its own being compressed or waiting. */
export function canWriteFramed(ws: WebSocket): boolean {
  const sender = framingSender(ws);
  return sender !== undefined && idle(sender);
}

/**
 * Write a framed message. Only when `deflateState` said `shared` and `idle`, or `canWriteFramed`
 * said so, in this same turn: then nothing of ws's is waiting to go out before it.
 */
export function writeFramed(ws: WebSocket, framed: readonly Buffer[]): void {
  const sender = (ws as unknown as WebSocketInternals)._sender as SenderInternals;
  (sender.sendFrame as SendFrameFn).call(sender, framed);
}

/**
 * After a message from the client: drop ws's inflate stream of this socket, which it would keep
 * (about 45 KiB with its window) until the socket closes, although without client context
 * takeover nothing of it is needed for the next message; ws makes a new one when the next
 * compressed message comes. Browsers compress every message, so at 10,000 connections this is
 * the difference between about 0.5 GiB of idle inflate streams and none. Call it from the
 * 'message' event: ws has finished with the stream by then (the message is whole and inflated).
 */
export function releaseInflater(ws: WebSocket): void {
  const deflate = (ws as unknown as WebSocketInternals)._extensions?.['permessage-deflate'];
  if (!deflate?._inflate || deflate.params?.client_no_context_takeover !== true) return;
  deflate._inflate.close();
  deflate._inflate = null;
}

/** Bytes a framed message puts on the wire. */
export const framedBytes = (framed: readonly Buffer[]): number => framed.reduce((n, b) => n + b.length, 0);
