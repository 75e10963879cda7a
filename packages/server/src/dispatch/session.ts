import type { Dialect, Role, ServerMessage } from '@staff-sync/protocol';
import type { Identity } from '../auth/authenticator.ts';

/**
 * Who is on the other end of a WebSocket, a change stream or one HTTP request: the restaurant
 * (tenant), the signed-in user and what they may do. Transports build it from the sign-in; the
 * dispatcher, the fan-out and presence read it and never ask which transport it came from.
 */
export interface Session {
  /** This connection's (or request's) own id. */
  readonly id: string;
  readonly restaurantId: string;
  readonly role: Role;
  /** Who signed in (the token's subject), when sign-in is on. */
  readonly userId: string | undefined;
  /** The token's display name, when it has one. */
  readonly userName: string | undefined;
  /** The person's job from the token (`manager`, ...), when it has one (docs/assist.md). */
  readonly job?: string | undefined;
  /** The language of texts meant for the person (a suggestion's reason): `?lang=`, else Accept-Language. */
  readonly language?: 'ja' | 'en' | undefined;
  /** When the token expires (ms since epoch), when sign-in is on. */
  readonly expiresAt: number | undefined;
  /** The period index the client asked for at connect (`?period=`), if any. */
  readonly period: number | undefined;
  /** How this client speaks (docs/protocol.md, "Dialects"); the HTTP API speaks v1. */
  readonly dialect: Dialect;
}

/** Where the dispatcher's answers to one client go. */
export interface Replier {
  send<M extends ServerMessage>(type: M['type'], payload: M['payload'], seq?: number): void;
  /**
   * Around a sync answer: change events are held from `holdChanges` until `releaseChanges(seq)`,
   * then those the answer covers are dropped (a WebSocket; an HTTP request has no live events).
   * An answer that covers one collection only (`only`) drops only that collection's events.
   */
  holdChanges?(): void;
  releaseChanges?(seq: number | undefined, only?: string): void;
}

/** How this transport keeps a client's presence: on its connection, or as an HTTP lease. */
export interface PresenceSink {
  /** False when the transport cannot take another entry now. */
  set(clientId: string, staffId: string | null, userName: string, dateKey?: string): boolean;
}

/** The session of a signed-in (or open-access) client. */
export function sessionOf(
  id: string,
  identity: Identity,
  period: number | undefined,
  dialect: Dialect = 'v1',
  language: 'ja' | 'en' = 'ja',
): Session {
  return {
    dialect,
    language,
    job: identity.job,
    id,
    restaurantId: identity.restaurantId,
    role: identity.role,
    userId: identity.userId,
    userName: identity.userName,
    expiresAt: identity.expiresAt,
    period,
  };
}

/**
 * The language of a client (docs/protocol.md, "Suggested resolutions"): `?lang=ja|en` when given,
 * else the first of Accept-Language's tags that is Japanese or English, else Japanese.
 */
export function languageOf(acceptLanguage: string | undefined, lang: string | null): 'ja' | 'en' {
  if (lang === 'ja' || lang === 'en') return lang;
  const tags = (acceptLanguage ?? '')
    .slice(0, 500)
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((t) => t.q > 0 && (t.tag === 'ja' || t.tag.startsWith('ja-') || t.tag === 'en' || t.tag.startsWith('en-')))
    .sort((a, b) => b.q - a.q);
  return tags[0]?.tag.startsWith('en') ? 'en' : 'ja';
}
