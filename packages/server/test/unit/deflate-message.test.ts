import { constants, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateMessage } from '../../src/transport/ws/deflate-message.ts';

/** As a permessage-deflate receiver reads a message (RFC 7692, 7.2.2): the 4 bytes put back, then inflated. */
const inflateMessage = (data: Buffer, windowBits: number) =>
  inflateRawSync(Buffer.concat([data, Buffer.from([0x00, 0x00, 0xff, 0xff])]), {
    windowBits,
    finishFlush: constants.Z_SYNC_FLUSH,
  });

describe('deflateMessage: one message compressed without context takeover (RFC 7692)', () => {
  const text = Buffer.from(
    JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ type: 'STAFF_UPDATE', seq: i, name: `山田 ${i}` }))),
  );

  it('reads back to the same bytes, with the empty stored block taken off', () => {
    for (const windowBits of [9, 10, 15]) {
      const deflated = deflateMessage(text, windowBits);
      expect(deflated.length).toBeLessThan(text.length / 2);
      expect(deflated.subarray(-4).equals(Buffer.from([0x00, 0x00, 0xff, 0xff]))).toBe(false);
      expect(inflateMessage(deflated, windowBits).equals(text)).toBe(true);
    }
  });

  it('is the same bytes every time: one result serves every socket of a window size', () => {
    expect(deflateMessage(text, 15).equals(deflateMessage(Buffer.from(text), 15))).toBe(true);
  });
});
