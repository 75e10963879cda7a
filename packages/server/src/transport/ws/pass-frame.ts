import type { Dialect } from '@staff-sync/protocol';
import type { WebSocket } from 'ws';
import type { ChangeBatch } from '../../fanout/change-batch.ts';
import { deflateMessage } from './deflate-message.ts';
import {
  COMPRESS_THRESHOLD,
  canWriteFramed,
  deflateState,
  framedBytes,
  framePlain,
  framePrecompressed,
  PASS_COMPRESS_THRESHOLD,
  writeFramed,
} from './precompressed.ts';

/**
 * How a pass's frame went to one socket: deflated once for the whole pass (`shared`), compressed
 * by ws for this socket alone (`per_socket`: the socket was still compressing an earlier message,
 * or agreed to context takeover), or uncompressed (`none`: no permessage-deflate, or under 256 bytes).
 */
export type FrameCompression = 'shared' | 'per_socket' | 'none';

/** What the transport reports about pass frames (the `staff_sync_fanout_*` metrics). */
export interface PassFrameCounters {
  /** A pass's frame written to one socket. */
  sent(compression: FrameCompression): void;
  /** A pass's frame deflated for sharing: once per pass, dialect and window size. */
  deflated(): void;
}

/** A pass's frame as one socket gets it, and the bytes it adds to that socket's backlog. */
export type PassFrame =
  | { compression: 'shared' | 'none'; framed: readonly Buffer[]; bytes: number }
  | { compression: 'per_socket' | 'none'; frame: Buffer; bytes: number };

/**
 * The frame of `batch` for this socket. Decide and send in the same turn (`sendPassFrame`): a
 * shared frame may only be written while ws has nothing of its own still being compressed.
 */
export function passFrame(ws: WebSocket, batch: ChangeBatch, dialect: Dialect, counters: PassFrameCounters): PassFrame {
  const frame = batch.frame(dialect);
  const state = frame.length < PASS_COMPRESS_THRESHOLD ? undefined : deflateState(ws);
  if (state === undefined || state.kind === 'none') {
    // Uncompressed: framed once for the pass (one write per socket), unless ws has a message of
    // this socket's still being compressed or queued, which the frame must not overtake.
    if (!canWriteFramed(ws)) return { compression: 'none', frame, bytes: frame.length };
    const framed = batch.framed(dialect, framePlain);
    return { compression: 'none', framed, bytes: framedBytes(framed) };
  }
  // Behind a message ws is still compressing, the frame queues in ws (in order) and ws compresses it.
  if (state.kind === 'per_socket' || !state.idle) return { compression: 'per_socket', frame, bytes: frame.length };
  const framed = batch.compressed(dialect, state.windowBits, (text, windowBits) => {
    counters.deflated();
    return framePrecompressed(deflateMessage(text, windowBits));
  });
  return { compression: 'shared', framed, bytes: framedBytes(framed) };
}

export function sendPassFrame(ws: WebSocket, out: PassFrame, counters: PassFrameCounters): void {
  if ('framed' in out) writeFramed(ws, out.framed);
  else ws.send(out.frame, { binary: false, compress: out.compression === 'per_socket' });
  counters.sent(out.compression);
}

/**
 * One message of this socket's own (answers, events queued for it alone). A message of 1 KiB or
 * more is deflated here, in one call that keeps no zlib stream, and written as it is; ws would
 * compress it on a stream of this socket's own and keep that stream (about 245 KiB) until the
 * socket closes, which at 10,000 connections is gigabytes. Where that cannot be done (context
 * takeover agreed, or ws still busy with an earlier message), ws compresses it as before.
 */
export function sendOwnMessage(ws: WebSocket, text: string): void {
  // Measured without a copy; the text becomes bytes once, in ws or for the deflate.
  const state = Buffer.byteLength(text) < COMPRESS_THRESHOLD ? undefined : deflateState(ws);
  if (state?.kind === 'shared' && state.idle)
    writeFramed(ws, framePrecompressed(deflateMessage(Buffer.from(text), state.windowBits)));
  else ws.send(text, { binary: false, compress: state !== undefined && state.kind !== 'none' });
}
