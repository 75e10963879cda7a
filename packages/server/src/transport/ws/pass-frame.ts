import type { Dialect } from '@staff-sync/protocol';
import type { WebSocket } from 'ws';
import type { ChangeBatch } from '../../fanout/change-batch.ts';
import { deflateMessage } from './deflate-message.ts';
import { COMPRESS_THRESHOLD, deflateState, framedBytes, framePrecompressed, writePrecompressed } from './precompressed.ts';

/**
 * How a pass's frame went to one socket: deflated once for the whole pass (`shared`), compressed
 * by ws for this socket alone (`per_socket`: the socket was still compressing an earlier message,
 * or agreed to context takeover), or uncompressed (`none`: no permessage-deflate, or under 1 KiB).
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
  | { compression: 'shared'; framed: readonly Buffer[]; bytes: number }
  | { compression: 'per_socket' | 'none'; frame: Buffer; bytes: number };

/**
 * The frame of `batch` for this socket. Decide and send in the same turn (`sendPassFrame`): a
 * shared frame may only be written while ws has nothing of its own still being compressed.
 */
export function passFrame(ws: WebSocket, batch: ChangeBatch, dialect: Dialect, counters: PassFrameCounters): PassFrame {
  const frame = batch.frame(dialect);
  const state = frame.length < COMPRESS_THRESHOLD ? undefined : deflateState(ws);
  if (state === undefined || state.kind === 'none') return { compression: 'none', frame, bytes: frame.length };
  // Behind a message ws is still compressing, the frame queues in ws (in order) and ws compresses it.
  if (state.kind === 'per_socket' || !state.idle) return { compression: 'per_socket', frame, bytes: frame.length };
  const framed = batch.compressed(dialect, state.windowBits, (text, windowBits) => {
    counters.deflated();
    return framePrecompressed(deflateMessage(text, windowBits));
  });
  return { compression: 'shared', framed, bytes: framedBytes(framed) };
}

export function sendPassFrame(ws: WebSocket, out: PassFrame, counters: PassFrameCounters): void {
  if (out.compression === 'shared') writePrecompressed(ws, out.framed);
  else ws.send(out.frame, { binary: false, compress: out.compression === 'per_socket' });
  counters.sent(out.compression);
}
