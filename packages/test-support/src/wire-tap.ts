import { connect, type NetConnectOpts } from 'node:net';

/** One WebSocket frame as it crossed the wire, server to client (unmasked). */
export interface WireFrame {
  opcode: number;
  fin: boolean;
  /** Set on the first frame of a permessage-deflate compressed message. */
  rsv1: boolean;
  /** Payload bytes on the wire (compressed, when `rsv1`). */
  payloadBytes: number;
}

/**
 * The frames a WebSocket client receives, read from the TCP stream itself: whether each was
 * compressed, and its size on the wire. Pass `createConnection` in the ws client's options.
 */
export class WireTap {
  readonly frames: WireFrame[] = [];
  #pending = Buffer.alloc(0);
  #upgraded = false;

  /** A ws client option: the TCP connection, with its incoming bytes read by this tap too. */
  readonly createConnection = ((options: NetConnectOpts & { socketPath?: string }) => {
    // As ws's own: `path` there is the URL's path, which net.connect would take for an IPC socket.
    const socket = connect({ ...options, path: options.socketPath } as NetConnectOpts);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    return socket;
  }) as typeof connect;

  /** The text and binary frames (no control frames). */
  get dataFrames(): WireFrame[] {
    return this.frames.filter((f) => f.opcode < 8);
  }

  #read(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    if (!this.#upgraded) {
      if (this.#pending.indexOf('\r\n\r\n') < 0) return;
      // What followed the 101 response in this chunk is handed to ws as the upgrade's `head`,
      // which puts it back on the socket: it comes through here again.
      this.#pending = Buffer.alloc(0);
      this.#upgraded = true;
      return;
    }
    for (;;) {
      const b = this.#pending;
      if (b.length < 2) return;
      let length = (b[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const first = b[0] as number;
      this.frames.push({ opcode: first & 0x0f, fin: (first & 0x80) !== 0, rsv1: (first & 0x40) !== 0, payloadBytes: length });
      this.#pending = b.subarray(offset + length);
    }
  }
}
