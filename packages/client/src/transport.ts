import type { ClientMessage } from '@staff-sync/protocol';

export type TransportKind = 'websocket' | 'http';

export interface CloseInfo {
  /** A WebSocket close code (CloseCode in the protocol package); 1006 when the peer vanished. */
  code: number;
  reason: string;
  /** Whether `onOpen` had fired: a transport that never opened suggests a blocked path. */
  wasOpen: boolean;
}

/** Called by a transport; a transport calls `onClose` exactly once, after which it calls nothing. */
export interface TransportCallbacks {
  /** The transport can carry messages now. */
  onOpen(): void;
  /** One text frame from the server: a JSON message or an array of them (validated by the client). */
  onFrame(text: string): void;
  /** The transport ended, by either side. */
  onClose(info: CloseInfo): void;
}

export interface TransportOptions {
  /** The WebSocket URL (`wss://host/staff-sync`). */
  url: string;
  /** The HTTP API's base URL (`https://host/api/v1`). */
  httpUrl: string;
  /** The JWT to present, if sign-in is on. */
  token: string | undefined;
  /** The schedule period this client looks at, for the server's default. */
  period: number | undefined;
  callbacks: TransportCallbacks;
}

/**
 * One way to reach the server, with the same small surface for each (WebSocket, HTTP):
 * `open`, `send`, `close`, and the callbacks. The client core never knows which one it talks to.
 */
export interface Transport {
  readonly kind: TransportKind;
  open(): void;
  /** Send a message; the answers arrive through `onFrame`. Only valid after `onOpen`. */
  send(message: ClientMessage): void;
  /** End the transport; `onClose` follows (once). */
  close(code?: number, reason?: string): void;
}

export type TransportFactory = (options: TransportOptions) => Transport;

/** Close code a transport reports when the server refused the sign-in (HTTP 403): do not retry. */
export const CLOSE_FORBIDDEN = 4003;
