import { constants, deflateRawSync } from 'node:zlib';

/** What Z_SYNC_FLUSH ends its output with: an empty stored block. */
const EMPTY_STORED_BLOCK = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * One WebSocket message compressed as permessage-deflate sends it without context takeover
 * (RFC 7692, 7.2.1): raw DEFLATE flushed with an empty stored block, whose 4 bytes are then
 * removed (the receiver appends them again). Without a context carried over, the result depends
 * only on the data and the window size, so it serves every socket that agreed on that window.
 */
export function deflateMessage(data: Uint8Array, windowBits: number): Buffer {
  const out = deflateRawSync(data, { windowBits, finishFlush: constants.Z_SYNC_FLUSH });
  if (out.length < EMPTY_STORED_BLOCK.length || !out.subarray(-EMPTY_STORED_BLOCK.length).equals(EMPTY_STORED_BLOCK))
    throw new Error('deflate output does not end with an empty stored block');
  return out.subarray(0, out.length - EMPTY_STORED_BLOCK.length);
}
