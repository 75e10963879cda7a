import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const NODE_METRICS_LEFT_OUT = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
] as const;

/**
 * The server's Prometheus metrics. The first seven names are the protocol's (docs/protocol.md, "HTTP"); the `staff_sync_*`
 * ones count what each limit did (docs/design.md, invariant 6) and what the change feed did.
 */
export function createMetrics() {
  const registry = new Registry();
  let feedBehindSource: (() => number) | undefined;
  collectDefaultMetrics({ register: registry });
  // Left out of Node's metrics: these list every handle, request or resource the process holds
  // (one per socket) at each scrape, which at 10,000 connections blocked the event loop about
  // 24 ms per scrape; websocket_connections_active and process_open_fds say what they said.
  for (const name of NODE_METRICS_LEFT_OUT) registry.removeSingleMetric(name);
  const registers = [registry];
  return {
    registry,
    /** Where `staff_sync_change_feed_behind_changes` reads its value at each scrape. */
    measureFeedBehind(source: () => number): void {
      feedBehindSource = source;
    },
    connectionsActive: new Gauge({
      name: 'websocket_connections_active',
      help: 'Open WebSocket connections',
      registers,
    }),
    connectionsOpened: new Counter({
      name: 'staff_sync_connections_opened_total',
      help: 'WebSocket connections opened, by dialect (plain, v1, v2): how many clients still speak each during a rollout',
      labelNames: ['dialect'],
      registers,
    }),
    messagesTotal: new Counter({
      name: 'websocket_messages_total',
      help: 'WebSocket messages by direction and type',
      labelNames: ['direction', 'type'] as const,
      registers,
    }),
    commitGroupSize: new Histogram({
      name: 'staff_sync_commit_group_size',
      help: 'Mutations of one restaurant committed together in one transaction (group commit; 1 when none was waiting)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    messageDuration: new Histogram({
      name: 'websocket_message_duration_seconds',
      help: 'From a message received to its reply sent (for an applied mutation: to its change event sent)',
      labelNames: ['type'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    staffOperations: new Counter({
      name: 'staff_operations_total',
      help: 'Staff mutations by operation (create, update, delete; invalid: a frame refused before it became a message) and status (success, duplicate, conflict, error, forbidden)',
      labelNames: ['operation', 'status'] as const,
      registers,
    }),
    conflictResolutions: new Counter({
      name: 'conflict_resolutions_total',
      help: 'Updates from an older version, by strategy and outcome (applied, rejected)',
      labelNames: ['strategy', 'outcome'] as const,
      registers,
    }),
    assistEvents: new Counter({
      name: 'staff_sync_assist_suggestions_total',
      help: 'Suggested conflict resolutions (docs/assist.md), by event: suggested, auto_applied, accepted, overridden, implicitly_accepted',
      labelNames: ['event'] as const,
      registers,
    }),
    databaseOperations: new Counter({
      name: 'supabase_operations_total',
      help: 'Database operations by operation and status (success; error; refused: a value the database cannot store, answered VALIDATION_FAILED). The database may be Supabase, PostgreSQL or embedded',
      labelNames: ['operation', 'status'] as const,
      registers,
    }),
    databaseErrors: new Counter({
      name: 'supabase_sync_errors_total',
      help: 'Database operations that failed',
      labelNames: ['operation'] as const,
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'staff_sync_connections_refused_total',
      help: 'WebSocket upgrades refused, by reason (max_connections, draining, unauthorized, bad_request)',
      labelNames: ['reason'] as const,
      registers,
    }),
    sendBacklog: new Gauge({
      name: 'staff_sync_send_backlog_bytes',
      help: 'Bytes owed to WebSocket clients and not yet taken by their sockets, summed over connections (every heartbeat sweep); frames a fan-out pass shares are counted once per connection',
      registers,
    }),
    connectionsClosed: new Counter({
      name: 'staff_sync_connections_closed_total',
      help: 'Connections closed by the server, by reason (backlog, heartbeat, oversized, invalid_utf8, shutdown, token_expired)',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'staff_sync_rate_limited_total',
      help: 'Messages refused with RATE_LIMITED, by limit (rate and pending per connection, user over all connections)',
      labelNames: ['limit'] as const,
      registers,
    }),
    changesPublished: new Counter({
      name: 'staff_sync_changes_published_total',
      help: 'Change events fanned out by this process (each serialized once)',
      registers,
    }),
    fanoutFrames: new Counter({
      name: 'staff_sync_fanout_frames_total',
      help: 'Frames of fan-out passes written whole to a WebSocket, by compression: shared (deflated once per pass for every socket of its window size), per_socket (compressed by the socket itself: it was still compressing an earlier message of its own), none (no permessage-deflate, or under 1 KiB)',
      labelNames: ['compression'] as const,
      registers,
    }),
    fanoutDeflates: new Counter({
      name: 'staff_sync_fanout_deflates_total',
      help: 'Fan-out pass frames deflated for sharing (once per pass, dialect and window size); staff_sync_fanout_frames_total{compression="shared"} divided by this is how many sockets each served',
      registers,
    }),
    feedGapsFilled: new Counter({
      name: 'staff_sync_feed_gap_fills_total',
      help: 'Times the change feed read missed changes from the change log (lost or oversized notifications, reconnects)',
      registers,
    }),
    feedListening: new Gauge({
      name: 'staff_sync_change_feed_listening',
      help: '1 while the change feed LISTENs for changes; 0 while it reads the change log by polling (database lost)',
      registers,
    }),
    feedBehind: new Gauge({
      name: 'staff_sync_change_feed_behind_changes',
      help: 'Changes known to be committed but not yet delivered by the change feed (the restaurant furthest behind)',
      registers,
      // Read at each scrape (it looks at every followed restaurant), not after every change.
      collect() {
        if (feedBehindSource) this.set(feedBehindSource());
      },
    }),
    checkFindings: new Gauge({
      name: 'staff_sync_integrity_findings',
      help: 'Findings of the last integrity check (staff-sync check) this process ran; 0 when all was consistent',
      registers,
    }),
    checkLastRun: new Gauge({
      name: 'staff_sync_integrity_last_run_timestamp_seconds',
      help: 'When this process last completed an integrity check (Unix time); absent before the first',
      registers,
    }),
    redisErrors: new Counter({
      name: 'staff_sync_redis_errors_total',
      help: 'Redis operations that failed, by operation; rate limits let messages through and presence stays local meanwhile',
      labelNames: ['operation'] as const,
      registers,
    }),
    pruned: new Counter({
      name: 'staff_sync_pruned_rows_total',
      help: 'Rows removed by retention, by table (changes, mutations)',
      labelNames: ['table'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
