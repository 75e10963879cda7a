import { CloseCode } from '@staff-sync/protocol';
import {
  connectAll,
  databaseState,
  isContiguous,
  rosterDifferences,
  startWriters,
  waitFor,
} from '@staff-sync/test-support/delivery';
import { metricValue } from '@staff-sync/test-support/metrics';
import { ResilientClient } from '@staff-sync/test-support/resilient-client';
import { nginxAvailable, postgresAvailable } from '@staff-sync/test-support/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './support/cluster.ts';

const RESTAURANT = '00000000-0000-0000-0000-000000000001'; // sign-in off: everyone's restaurant
const CLIENTS = 300;
const WRITERS = 30;
const WRITE_INTERVAL_MS = 250; // 30 writers: about 120 updates/s over the cluster
const MEMBERS = 20;

const ready = (await postgresAvailable()) && (await nginxAvailable());

/**
 * Three replicas on one PostgreSQL database behind nginx running deploy/nginx/websocket.conf:
 * clients spread over the replicas by nginx see every change committed through any of them.
 */
describe.skipIf(!ready)('three replicas behind nginx', () => {
  let cluster: Cluster;
  let staffIds: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ replicas: 3, label: 'replicas', env: { SHUTDOWN_TIMEOUT_MS: '5000' } });
    const setup = new ResilientClient(cluster.wsUrl);
    await setup.start();
    const replies = await Promise.all(
      Array.from({ length: MEMBERS }, (_, i) => setup.mutate('STAFF_CREATE', { name: `Member ${i}`, position: 'ホール' })),
    );
    staffIds = replies.map((r) => r.payload.staffId as string);
    await setup.stop();
  });
  afterAll(() => cluster?.stop());

  it('nginx serves /health from the replicas and hides /metrics', async () => {
    const health = await fetch(`${cluster.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await health.json()).toMatchObject({ status: 'healthy', supabase_connected: true });
    expect((await fetch(`${cluster.url}/metrics`)).status).toBe(404);
  });

  it(`${CLIENTS} clients, steady updates through every replica: each client sees every change once, in seq order, and ends equal to the database`, async () => {
    const before = await databaseState(cluster.databaseUrl, RESTAURANT);
    const clients = Array.from({ length: CLIENTS }, () => new ResilientClient(cluster.wsUrl));
    await connectAll(clients);
    const perReplica = await Promise.all(cluster.replicas.map((r) => metricValue(r.url, 'websocket_connections_active')));
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(CLIENTS);
    for (const n of perReplica) expect(n).toBeGreaterThanOrEqual(CLIENTS / 6); // nginx spreads them (least_conn)

    const updatesBefore = await Promise.all(
      cluster.replicas.map((r) => metricValue(r.url, 'staff_operations_total', { operation: 'update', status: 'success' })),
    );
    const started = Date.now();
    const writers = startWriters(clients.slice(0, WRITERS), staffIds, WRITE_INTERVAL_MS);
    await new Promise((r) => setTimeout(r, 8000));
    writers.stop();
    await waitFor(() => clients.every((c) => c.pending === 0), 30_000, 'every update answered');
    const db = await databaseState(cluster.databaseUrl, RESTAURANT);
    await waitFor(() => clients.every((c) => c.lastSeq === db.maxSeq), 30_000, 'every client at the latest seq');
    const elapsed = Date.now() - started;

    const sent = [...writers.sent.values()].flat();
    expect(sent.every((m) => m.reply?.type === 'ACK')).toBe(true);
    expect(db.maxSeq - before.maxSeq).toBe(sent.length);
    for (const client of clients) {
      // Live events only, no resync: exactly every seq once, in order.
      expect(isContiguous(client.received, before.maxSeq, db.maxSeq)).toBe(true);
      expect(client.redundant + client.gaps + client.anomalies.length).toBe(0);
      expect(client.connects).toBe(1);
      expect(rosterDifferences(client, db)).toEqual([]);
    }
    // Updates went in through each of the three replicas.
    const updatesAfter = await Promise.all(
      cluster.replicas.map((r) => metricValue(r.url, 'staff_operations_total', { operation: 'update', status: 'success' })),
    );
    for (const [i, n] of updatesAfter.entries()) expect(n - (updatesBefore[i] as number)).toBeGreaterThan(0);
    console.info(
      `[replicas] ${CLIENTS} clients (${perReplica.join('/')} per replica), ${sent.length} updates from ${WRITERS} writers, ` +
        `${sent.length * CLIENTS} deliveries checked, converged ${elapsed} ms after the first update`,
    );
    await Promise.all(clients.map((c) => c.stop()));
  }, 180_000); // a minute of traffic, on two cores shared with everything else

  it('SIGTERM to one replica and SIGKILL to another under steady updates: no ACKed mutation lost, none applied twice, all converge', async () => {
    const before = await databaseState(cluster.databaseUrl, RESTAURANT);
    const clients = Array.from({ length: CLIENTS }, () => new ResilientClient(cluster.wsUrl));
    await connectAll(clients);
    const base = new Map(clients.map((c) => [c, c.lastSeq]));
    const writerClients = clients.slice(0, WRITERS);
    const started = Date.now();
    const writers = startWriters(writerClients, staffIds, WRITE_INTERVAL_MS);

    await new Promise((r) => setTimeout(r, 3000));
    // Rolling restart of replica 0: drain (1012), then start again on its port.
    const drainedClients = await metricValue(cluster.replicas[0]!.url, 'websocket_connections_active');
    expect(await cluster.replicas[0]!.stop('SIGTERM')).toBe(0);
    await cluster.restart(0);
    await new Promise((r) => setTimeout(r, 2000));
    // Replica 1 crashes and stays down.
    const killedClients = await metricValue(cluster.replicas[1]!.url, 'websocket_connections_active');
    await cluster.replicas[1]!.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 5000));
    writers.stop();

    await waitFor(() => clients.every((c) => c.live && c.pending === 0), 60_000, 'every update answered');
    const db = await databaseState(cluster.databaseUrl, RESTAURANT);
    await waitFor(() => clients.every((c) => c.lastSeq === db.maxSeq), 30_000, 'every client at the latest seq');
    const elapsed = Date.now() - started;

    // Every mutation was answered with ACK (after resends where needed) and is in the change log
    // exactly once, at the seq its ACK named: nothing lost, nothing applied twice.
    const sent = [...writers.sent.entries()].flatMap(([writer, list]) => list.map((m) => ({ writer, ...m })));
    let duplicates = 0;
    for (const { writer, sequenceNumber, reply } of sent) {
      expect(reply?.type).toBe('ACK');
      const rows = db.byMutation.get(`${writer.clientId}|${sequenceNumber}`) ?? [];
      expect(rows).toEqual([reply?.payload.seq]);
      if (reply?.payload.duplicate) duplicates++;
    }
    for (const [key, seqs] of db.byMutation) expect(seqs.length, key).toBe(1);
    expect(db.maxSeq - before.maxSeq).toBe(sent.length);

    const closes = clients.flatMap((c) => c.closeCodes);
    const restarted = closes.filter((code) => code === CloseCode.SERVICE_RESTART).length;
    expect(restarted).toBe(drainedClients);
    // Each client cut by either replica came back (some twice: drained onto the one killed later).
    expect(clients.reduce((n, c) => n + c.connects - 1, 0)).toBe(drainedClients + killedClients);
    for (const client of clients) {
      // Every seq applied once, in order, whether it came live or in a resume delta.
      expect(isContiguous(client.applied, base.get(client) as number, db.maxSeq)).toBe(true);
      expect(client.anomalies).toEqual([]);
      expect(rosterDifferences(client, db)).toEqual([]);
    }
    const resent = writerClients.reduce((n, c) => n + c.resent, 0);
    console.info(
      `[replicas] failover: ${sent.length} updates, ${drainedClients} clients drained with 1012, ${killedClients} cut by SIGKILL, ` +
        `${resent} mutations resent, ${duplicates} answered as duplicates, ${clients.reduce((n, c) => n + c.fullResyncs, 0)} full resyncs, ` +
        `converged ${elapsed} ms after the first update`,
    );
    await Promise.all(clients.map((c) => c.stop()));
  }, 180_000); // a minute of traffic, on two cores shared with everything else
  it('SIGSTOP of one replica for 8 s under steady updates, then SIGCONT: no ACKed mutation lost, none applied twice, all converge', async () => {
    const before = await databaseState(cluster.databaseUrl, RESTAURANT);
    const clients = Array.from({ length: CLIENTS }, () => new ResilientClient(cluster.wsUrl));
    await connectAll(clients);
    const base = new Map(clients.map((c) => [c, c.lastSeq]));
    const paused = cluster.replicas[2] as (typeof cluster.replicas)[number];
    const pausedClients = await metricValue(paused.url, 'websocket_connections_active');
    expect(pausedClients).toBeGreaterThan(0);
    const writerClients = clients.slice(0, WRITERS);
    const started = Date.now();
    const writers = startWriters(writerClients, staffIds, WRITE_INTERVAL_MS);

    await new Promise((r) => setTimeout(r, 3000));
    // A replica frozen as by a stalled host: its sockets stay open, nothing answers them.
    paused.process.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const ackedBefore = () => [...writers.sent.values()].flat().filter((m) => m.reply?.type === 'ACK').length;
    const ackedAtStop = ackedBefore();
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 8000 - Date.now()))); // the pause itself
    const ackedDuringPause = ackedBefore() - ackedAtStop;
    paused.process.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 2000));
    writers.stop();

    await waitFor(() => clients.every((c) => c.live && c.pending === 0), 60_000, 'every update answered');
    const db = await databaseState(cluster.databaseUrl, RESTAURANT);
    await waitFor(() => clients.every((c) => c.lastSeq === db.maxSeq), 60_000, 'every client at the latest seq');
    const elapsed = Date.now() - started;

    const sent = [...writers.sent.entries()].flatMap(([writer, list]) => list.map((m) => ({ writer, ...m })));
    for (const { writer, sequenceNumber, reply } of sent) {
      expect(reply?.type).toBe('ACK');
      expect(db.byMutation.get(`${writer.clientId}|${sequenceNumber}`) ?? []).toEqual([reply?.payload.seq]);
    }
    for (const [key, seqs] of db.byMutation) expect(seqs.length, key).toBe(1);
    expect(db.maxSeq - before.maxSeq).toBe(sent.length);
    for (const client of clients) {
      expect(isContiguous(client.applied, base.get(client) as number, db.maxSeq)).toBe(true);
      expect(client.anomalies).toEqual([]);
      expect(rosterDifferences(client, db)).toEqual([]);
    }
    // The paused replica is itself again: it answers, and follows the feed.
    expect((await fetch(`${paused.url}/ready`)).status).toBe(200);
    console.info(
      `[replicas] SIGSTOP: ${sent.length} updates (${ackedDuringPause} ACKed by the others during the 8 s pause), ${pausedClients} clients on the paused replica, ` +
        `${clients.reduce((n, c) => n + c.connects - 1, 0)} reconnects, converged ${elapsed} ms after the first update`,
    );
    await Promise.all(clients.map((c) => c.stop()));
  }, 180_000);
});
