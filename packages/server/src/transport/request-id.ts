import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ids = new WeakMap<IncomingMessage, string>();
/** What a proxy may pass (nginx's $request_id is 32 hex digits); anything else is replaced. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of an HTTP request or WebSocket handshake, logged on every line about it and echoed in
 * `X-Request-Id`: nginx's id when it sent one (so its log and ours name the same request), else a
 * new UUID. The same request always gets the same id.
 */
export function requestIdOf(request: IncomingMessage): string {
  let id = ids.get(request);
  if (id === undefined) {
    const header = request.headers['x-request-id'];
    id = typeof header === 'string' && ACCEPTED.test(header) ? header : randomUUID();
    ids.set(request, id);
  }
  return id;
}
