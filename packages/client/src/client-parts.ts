import type { ClientMessage } from '@staff-sync/protocol';
import { ClientIdentity } from './client-identity.ts';
import type { ClientAction } from './client-state.ts';
import { type Clock, systemClock } from './clock.ts';
import { ClosedTabs } from './closed-tabs.ts';
import { Connection } from './connection.ts';
import type { Emitter } from './emitter.ts';
import type { StaffSyncError } from './errors.ts';
import { httpTransport } from './http-transport.ts';
import { Liveness } from './liveness.ts';
import { MutationQueue } from './mutation-queue.ts';
import { httpUrlFor, type StaffSyncClientOptions } from './options.ts';
import { Outbox } from './outbox.ts';
import { Presence } from './presence.ts';
import { Resume } from './resume.ts';
import { Roster } from './roster.ts';
import { ScheduleSync } from './schedule-sync.ts';
import { browserOnline, browserVisibility } from './signals.ts';
import type { ClientEvents } from './snapshot.ts';
import { browserStorage } from './storage.ts';
import { webSocketTransport } from './websocket-transport.ts';

/** What the parts tell the façade (StaffSyncClient). */
export interface ClientHooks {
  /** Send a message of this client on the open transport; its sequenceNumber, or undefined. */
  send: (type: ClientMessage['type'], payload: ClientMessage['payload']) => number | undefined;
  dispatch: (action: ClientAction) => void;
  /** A mutation was refused for good (CONFLICT or ERROR). */
  refused: (error: StaffSyncError) => void;
  /** Something failed that no mutation's promise reports (a sync request). */
  failed: (error: StaffSyncError) => void;
  /** Derive the snapshot now and tell the subscribers (outside a frame). */
  publish: () => void;
  events: Emitter<ClientEvents>;
  log: Pick<Console, 'warn'>;
}

export interface ClientParts {
  clock: Clock;
  identity: ClientIdentity;
  outbox: Outbox;
  roster: Roster;
  schedule: ScheduleSync;
  resume: Resume;
  connection: Connection;
  queue: MutationQueue;
  liveness: Liveness;
  presence: Presence;
  closedTabs: ClosedTabs;
}

/**
 * The client's parts, wired to each other and to the façade (docs/client.md): the roster and the
 * schedule (confirmed state), the outbox and the mutation queue (pending changes), resume,
 * the connection, liveness, presence and closed-tab delivery, each with its own timers.
 */
export function clientParts(options: StaffSyncClientOptions, hooks: ClientHooks): ClientParts {
  const clock = options.clock ?? systemClock;
  const httpUrl = options.httpUrl ?? httpUrlFor(options.url);
  const { send, dispatch } = hooks;
  const connected = () => connection.state === 'connected';
  const roster = new Roster();
  const identity = new ClientIdentity(options.sessionStorage ?? browserStorage('sessionStorage'), options.clientId);
  const localStorage = options.localStorage ?? browserStorage('localStorage');
  const outbox = new Outbox(localStorage, identity.clientId, options.maxPending ?? 500);
  const schedule = new ScheduleSync({
    send: (type, payload) => (roster.synced ? send(type, payload) : undefined),
    periods: () => roster.periods,
  });
  const resume = new Resume({
    roster,
    schedule,
    clock,
    period: options.period,
    send,
    connected,
    gap: (event) => hooks.events.emit('resync', event),
    applied: () => {
      dispatch({ type: 'membersChanged' });
      queue.settle();
    },
    cellsChanged: () => dispatch({ type: 'changed' }),
    failed: hooks.failed,
  });
  const connection = new Connection({
    url: options.url,
    httpUrl,
    transports: { websocket: webSocketTransport, http: httpTransport, ...options.transportFactories },
    order: options.transports ?? ['websocket', 'http'],
    getToken: options.getToken,
    period: () => resume.period,
    backoff: options.backoff,
    clock,
    online: options.online ?? browserOnline(),
    visibility: options.visibility ?? browserVisibility(),
    upgradeRetryMs: options.upgradeRetryMs,
  });
  const queue = new MutationQueue({
    outbox,
    roster,
    clock,
    pacing: options.pacing,
    maxInFlight: options.maxInFlight ?? 16,
    maxRetries: options.maxRetries ?? 5,
    probeAfterMs: options.probeAfterMs ?? 3000,
    stalled: (cause) => liveness.probe(cause),
    send: (message) => connection.send(message),
    connected,
    refused: hooks.refused,
    cellConflict: (conflict) => {
      schedule.onConflict(conflict);
      dispatch({ type: 'changed' });
    },
    changed: () => dispatch({ type: 'membersChanged' }),
  });
  const liveness = new Liveness({
    clock,
    intervalMs: options.pingIntervalMs ?? 25_000,
    timeoutMs: options.pongTimeoutMs ?? 10_000,
    probeTimeoutMs: options.probeTimeoutMs ?? 2000,
    watched: () => connection.transportKind === 'websocket',
    ping: () => send('PING', {}),
    dead: (reason) => {
      hooks.log.warn(`staff-sync: ${reason}; reconnecting`);
      connection.reconnect(reason);
    },
  });
  const presence = new Presence({
    clock,
    renewMs: options.presenceRenewMs ?? 5000,
    userName: options.userName,
    transportKind: () => connection.transportKind,
    send,
  });
  const closedTabs = new ClosedTabs({
    clock,
    everyMs: options.orphanCheckMs ?? 60_000,
    connected,
    storage: localStorage,
    ownClientId: () => identity.clientId,
    http: options.transportFactories?.http ?? httpTransport,
    url: options.url,
    httpUrl,
    getToken: options.getToken,
    log: hooks.log,
    report: (report) => {
      for (const error of report.refused) hooks.refused(error);
      hooks.events.emit('adopted', report);
      dispatch({ type: 'changed' });
      hooks.publish();
    },
  });
  return { clock, identity, outbox, roster, schedule, resume, connection, queue, liveness, presence, closedTabs };
}

/** A transport opened: sync, presence, the outbox and the heartbeat start (again) on it. */
export function partsOpened(p: ClientParts): void {
  p.queue.connectionLost();
  p.resume.request();
  p.presence.opened();
  p.queue.pump();
  p.liveness.start();
}

/** The transport went: what was in flight is sent again on the next one; the timers that need one stop. */
export function partsLost(p: ClientParts): void {
  p.queue.connectionLost();
  p.liveness.stop();
  p.closedTabs.stop();
  p.presence.stop();
}

/** For good: every timer stops, and the promises still waiting reject with `error`. */
export function disposeParts(p: ClientParts, error: StaffSyncError): void {
  p.connection.dispose();
  p.liveness.stop();
  p.resume.stop();
  p.presence.stop();
  p.closedTabs.dispose();
  p.queue.dispose(error);
}
