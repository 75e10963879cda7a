/**
 * The dialects of the wire protocol (docs/protocol.md, "Dialects"), chosen at the WebSocket
 * upgrade by the subprotocol the client offers: `staff-sync.v2` (v1 with compact change events),
 * `staff-sync.v1` (the project's own client: batched frames, strict envelope) or plain (no
 * subprotocol: clients written for the plan, which send a loose envelope and read one message per
 * frame).
 */
export type Dialect = 'plain' | 'v1' | 'v2';

/** Subprotocols the server speaks, best first, and the dialect each selects. */
export const SUBPROTOCOLS: Readonly<Record<string, Dialect>> = { 'staff-sync.v2': 'v2', 'staff-sync.v1': 'v1' };

/** The subprotocol to accept from those a client offers (best first), or undefined for plain. */
export function chooseSubprotocol(offered: Iterable<string>): string | undefined {
  const set = new Set(offered);
  return Object.keys(SUBPROTOCOLS).find((p) => set.has(p));
}

export function dialectOf(subprotocol: string | undefined): Dialect {
  return (subprotocol && SUBPROTOCOLS[subprotocol]) || 'plain';
}
