import { freePort, type NginxProcess, startNginx } from '@staff-sync/test-support/nginx';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';

/**
 * N server replicas on one PostgreSQL database behind nginx (deploy/nginx/websocket.conf), all on
 * loopback. Used by the replica tests and by bench/ for the 3-replica benchmark:
 *
 *   import { startCluster } from '../packages/server/test/support/cluster.ts';
 *   const cluster = await startCluster({ replicas: 3, env: { MAX_CONNECTIONS: '5000' } });
 *   // clients connect to cluster.wsUrl; cluster.replicas[i].url for /metrics of one replica
 *   await cluster.stop();
 *
 * or from a shell: `node packages/server/test/support/cluster.ts --replicas 3 [--port 8090]
 * [--database-url URL] [--nginx-workers N] [--env KEY=VALUE ...]`, which prints the URLs as JSON and runs until Ctrl-C.
 */
export interface ClusterOptions {
  replicas: number;
  /** The database every replica uses; default: a fresh test database, dropped by stop(). */
  databaseUrl?: string;
  /** Extra environment for every replica (settings such as LOG_LEVEL or MAX_CONNECTIONS). */
  env?: Record<string, string>;
  /** nginx's port; default: a free one. */
  port?: number;
  /** nginx worker processes; default 1. */
  nginxWorkers?: number;
  label?: string;
}

export interface Cluster {
  /** The running process of each replica (replaced by restart). */
  readonly replicas: ServerProcess[];
  /** Each replica's port: fixed, so that nginx finds a restarted replica where it was. */
  readonly ports: number[];
  readonly nginx: NginxProcess;
  /** http://127.0.0.1:<nginx port> */
  readonly url: string;
  /** ws://127.0.0.1:<nginx port>/ws/staff-sync */
  readonly wsUrl: string;
  readonly databaseUrl: string;
  /** Start replica `index` again on its port (after it was stopped or killed). */
  restart(index: number, env?: Record<string, string>): Promise<ServerProcess>;
  /** Stop every replica (SIGTERM) and nginx, and drop the database if this cluster created it. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!Number.isInteger(options.replicas) || options.replicas < 1) throw new Error('replicas must be a whole number >= 1');
  const created = options.databaseUrl ? undefined : await createTestDatabase(options.label ?? 'cluster');
  const databaseUrl = options.databaseUrl ?? (created?.url as string);
  const ports: number[] = [];
  for (let i = 0; i < options.replicas; i++) ports.push(await freePort());
  const replicas: ServerProcess[] = [];
  const startReplica = async (index: number, env: Record<string, string> = {}) => {
    const server = await startServerProcess({
      port: ports[index],
      env: { DATABASE_URL: databaseUrl, ...options.env, ...env },
    });
    replicas[index] = server;
    return server;
  };
  let nginx: NginxProcess | undefined;
  try {
    // The first one migrates the database; the others then find the schema current.
    await startReplica(0);
    await Promise.all(ports.slice(1).map((_, i) => startReplica(i + 1)));
    nginx = await startNginx({
      upstreams: ports.map((p) => `127.0.0.1:${p}`),
      port: options.port,
      workers: options.nginxWorkers,
    });
  } catch (error) {
    await Promise.all(replicas.map((r) => r?.stop('SIGKILL')));
    await created?.drop();
    throw error;
  }
  const proxy = nginx;
  return {
    replicas,
    ports,
    nginx: proxy,
    url: proxy.url,
    wsUrl: proxy.wsUrl,
    databaseUrl,
    restart: (index, env) => startReplica(index, env),
    async stop() {
      await Promise.all(replicas.map((r) => r?.stop('SIGTERM')));
      await proxy.stop();
      await created?.drop();
    },
  };
}

async function main(args: string[]): Promise<void> {
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const env: Record<string, string> = {};
  args.forEach((arg, i) => {
    if (arg !== '--env') return;
    const pair = args[i + 1] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--env needs KEY=VALUE, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  });
  const cluster = await startCluster({
    replicas: Number(value('--replicas') ?? 3),
    databaseUrl: value('--database-url'),
    port: value('--port') ? Number(value('--port')) : undefined,
    nginxWorkers: value('--nginx-workers') ? Number(value('--nginx-workers')) : undefined,
    env,
  });
  process.stdout.write(
    `${JSON.stringify({ url: cluster.url, wsUrl: cluster.wsUrl, replicas: cluster.replicas.map((r) => r.url), databaseUrl: cluster.databaseUrl }, null, 2)}\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
