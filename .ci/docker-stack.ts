// CI only (.ci/docker.sh): the production compose stack for real, on this machine's loopback.
// deploy/docker-compose.yml is read and changed only where this machine requires it, each change
// listed here: host networking for every container (no bridge networks here), so distinct loopback
// ports (replicas 1-3 as three services instead of `deploy.replicas: 3`, which on the host network
// would all bind one port); PostgreSQL, Redis and nginx from a local image of Debian's packages
// instead of the official images (no image registry is reachable); nginx with deploy/nginx's
// websocket.conf rendered for those ports; the top-level `name` given as -p (Debian's
// docker-compose 1.29 predates it); Prometheus and Grafana left out. Then: every replica healthy,
// a client syncing through nginx, one replica drained with SIGTERM (exit code 0), the client's
// writes still answered and delivered through the others.
//   node .ci/docker-stack.ts [docker binary]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '@staff-sync/test-support/delivery';
import { freePort, renderWebsocketConf, WEBSOCKET_CONF } from '@staff-sync/test-support/nginx';
import { ResilientClient } from '@staff-sync/test-support/resilient-client';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { parse, stringify } from 'yaml';

const DOCKER = process.argv[2] ?? 'docker';
const ROOT = resolve(import.meta.dirname, '..');
const DEPLOY = join(ROOT, 'deploy');
const PROJECT = 'staff-sync-ci';
const RESTAURANT = 'ci-restaurant';

// biome-ignore lint/suspicious/noExplicitAny: a compose file is whatever YAML it holds
type Service = Record<string, any>;

/** A replica's open WebSockets, from its /metrics (the replicas listen on loopback). */
async function connectionsAt(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^websocket_connections_active (\d+)/m.exec(text)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const started = Date.now();
  const [pgPort, redisPort, nginxPort, ...replicaPorts] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const work = mkdtempSync(join(tmpdir(), 'staff-sync-stack-'));
  const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'));
  delete compose.name;
  const services = compose.services as Record<string, Service>;
  const replicaEnv = {
    ...services['staff-sync']?.environment,
    DATABASE_URL: `postgres://staff_sync:ci@127.0.0.1:${pgPort}/staff_sync`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    HOST: '127.0.0.1',
  };
  const replica = (index: number): Service => {
    const port = replicaPorts[index] as number;
    const base = structuredClone(services['staff-sync'] as Service);
    delete base.build; // built before, as staff-sync:latest
    base.network_mode = 'host';
    base.environment = { ...replicaEnv, PORT: String(port) };
    base.deploy = { ...base.deploy, replicas: 1 };
    base.healthcheck.test = base.healthcheck.test.map((part: string) => part.replace('127.0.0.1:8080', `127.0.0.1:${port}`));
    base.healthcheck.interval = '2s';
    base.healthcheck.start_period = '60s';
    base.healthcheck.retries = 30;
    return base;
  };
  const conf = renderWebsocketConf(readFileSync(WEBSOCKET_CONF, 'utf8'), {
    upstreams: replicaPorts.map((p) => `127.0.0.1:${p}`),
    listen: nginxPort as number,
  });
  writeFileSync(join(work, 'websocket.conf'), conf);
  const local = { image: 'staff-sync-ci/services:latest', network_mode: 'host' };
  compose.services = {
    postgres: {
      ...services.postgres,
      ...local,
      environment: { PGPORT: String(pgPort) },
      command: ['pg-start'],
      volumes: [],
      healthcheck: {
        ...services.postgres?.healthcheck,
        test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(pgPort)],
        interval: '1s',
        retries: 60,
      },
    },
    redis: {
      ...services.redis,
      ...local,
      command: ['redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      healthcheck: {
        ...services.redis?.healthcheck,
        test: ['CMD', 'redis-cli', '-p', String(redisPort), 'ping'],
        interval: '1s',
      },
    },
    'staff-sync': replica(0),
    'staff-sync-2': replica(1),
    'staff-sync-3': replica(2),
    nginx: {
      ...services.nginx,
      ...local,
      ports: undefined,
      command: ['nginx', '-g', 'daemon off;'],
      volumes: [`${join(work, 'websocket.conf')}:/etc/nginx/conf.d/default.conf:ro`],
      depends_on: Object.fromEntries(
        ['staff-sync', 'staff-sync-2', 'staff-sync-3'].map((s) => [s, { condition: 'service_healthy' }]),
      ),
    },
  };
  delete compose.services.nginx.ports;
  compose.volumes = {};
  const file = join(work, 'docker-compose.yml');
  // Every string quoted: docker-compose 1.29 reads YAML 1.1, where a bare no or on is a boolean.
  writeFileSync(file, stringify(compose, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
  const env = { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET, POSTGRES_PASSWORD: 'ci', GRAFANA_ADMIN_PASSWORD: 'ci' };
  const dc = (...args: string[]) =>
    spawnSync('docker-compose', ['-p', PROJECT, '-f', file, '--project-directory', DEPLOY, ...args], { env, encoding: 'utf8' });
  const must = (...args: string[]) => {
    const result = dc(...args);
    if (result.status !== 0) throw new Error(`docker-compose ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  const clients: ResilientClient[] = [];
  try {
    must('up', '-d', '--no-build');
    const url = `ws://127.0.0.1:${nginxPort}/ws/staff-sync`;
    const token = await hs256Token({ restaurant: RESTAURANT, role: 'editor', name: 'CI' });
    for (let i = 0; i < 9; i++) {
      const client = new ResilientClient(url, { query: `token=${token}` });
      clients.push(client);
      await client.start(); // one at a time: nginx's least_conn then spreads them over the replicas
    }
    const perReplica = await Promise.all(replicaPorts.map((p) => connectionsAt(p as number)));
    const writer = clients[0] as ResilientClient;
    const created = await writer.mutate('STAFF_CREATE', { name: 'CI', position: 'ホール' });
    if (created.type !== 'ACK') throw new Error(`create answered ${JSON.stringify(created)}`);
    await waitFor(() => clients.every((c) => c.lastSeq === created.payload.seq), 30_000, 'every client holding the create');

    if ((perReplica[1] as number) === 0) throw new Error(`nginx left replica 2 without clients: ${perReplica.join('/')}`);
    // Drain replica 2 the way `docker compose stop` does: SIGTERM, then its exit code.
    const id = must('ps', '-q', 'staff-sync-2').trim();
    must('stop', '-t', '20', 'staff-sync-2');
    const exitCode = execFileSync(DOCKER, ['inspect', '-f', '{{.State.ExitCode}}', id], { encoding: 'utf8' }).trim();
    if (exitCode !== '0') throw new Error(`the drained replica exited with ${exitCode}`);
    const drainLog = execFileSync(DOCKER, ['logs', id], { encoding: 'utf8' });
    if (!drainLog.includes('connections closed with 1012')) throw new Error(`the replica did not drain:\n${drainLog}`);
    const moved = () => clients.filter((c) => c.closeCodes.includes(1012)).length;
    await waitFor(() => moved() === perReplica[1], 30_000, `the ${perReplica[1]} clients of replica 2 closed with 1012`);
    const update = await writer.mutate('STAFF_UPDATE', { staffId: created.payload.staffId, changes: { order: 1 } });
    if (update.type !== 'ACK') throw new Error(`update after the drain answered ${JSON.stringify(update)}`);
    await waitFor(() => clients.every((c) => c.lastSeq === update.payload.seq), 30_000, 'every client holding the update');
    console.log(
      `docker-stack: 3 replicas, PostgreSQL, Redis and nginx up; ${clients.length} clients synced through nginx ` +
        `(${perReplica.join('/')} per replica); ` +
        `replica 2 drained (exit 0, ${moved()} clients moved with 1012); writes delivered after it; ${Math.round((Date.now() - started) / 1000)} s`,
    );
  } catch (error) {
    process.stderr.write(`${dc('logs', '--no-color', '--tail', '40').stdout}\n`);
    throw error;
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    dc('down', '-v', '-t', '20');
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`docker-stack: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
