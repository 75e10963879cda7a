import WebSocket from 'ws';

type Message = { type: string; payload: Record<string, unknown>; seq?: number; [key: string]: unknown };

/**
 * A client as the plan's hooks are written: no subprotocol, one JSON object read per frame, and
 * whatever envelope the test sends. Every frame is kept raw, so a test can check that none was an
 * array.
 */
export class PlainClient {
  readonly ws: WebSocket;
  /** Each frame as received, parsed. */
  readonly frames: unknown[] = [];
  #waiters: { predicate: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const frame: unknown = JSON.parse(String(data));
      this.frames.push(frame);
      if (Array.isArray(frame)) return; // a plain client cannot read it; the test checks there are none
      const message = frame as Message;
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  static connect(url: string, protocols: string[] = []): Promise<PlainClient> {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    const client = new PlainClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Messages received so far (arrays are not messages to a plain client). */
  get messages(): Message[] {
    return this.frames.filter((f): f is Message => !Array.isArray(f));
  }

  /** Send an object exactly as given. */
  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  waitFor(predicate: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(',')}`)),
        timeoutMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The next message of `type` after the ones already received. */
  next(type: string, timeoutMs?: number): Promise<Message> {
    const count = this.messages.filter((m) => m.type === type).length;
    return this.waitFor((m) => m.type === type && this.messages.filter((x) => x.type === type).indexOf(m) >= count, timeoutMs);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
