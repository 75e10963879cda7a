// The plan's artillery script as the plan wrote it (websocket-load-test.yml, byte for byte the YAML
// of the plan's section "3. Load Testing"), run three ways against the bench server, each through
// the counting proxy (frame-proxy.ts) and with the server's own counters read before and after:
//   1. artillery 2.0.34 on the file as written; only the target is the bench's (`--target`);
//   2. diagnostics of what artillery does with the plan's steps once `steps:` reads `flow:` (the
//      one word artillery refuses): with the plan's target, and with the path in the target;
//   3. the plan's frames exactly as artillery renders them (`{{ $randomNumber() }}` is lodash's
//      `_.random()`: 0 or 1), sent by this process's own WebSocket clients with the plan's pacing:
//      `arrivalRate` new connections per second to `/staff-sync?period=1` (the plan's
//      `engines.ws.query`), a SYNC_REQUEST, 1 s, then 10 STAFF_UPDATEs 2 s apart, then close.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { type ProxyCounts, startFrameProxy } from './frame-proxy.ts';

const PLAN_SCRIPT = fileURLToPath(new URL('./websocket-load-test.yml', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[artillery-plan] ${line}\n`);

export interface PlanRunOptions {
  /** The server's base URL (`ws://127.0.0.1:port`) and its /metrics. */
  server: { wsBase: string; metricsUrl: string };
  artillery: string;
  cacheDir: string;
  /** The plan's phase is 60 s at 50 new users/s; runs here may be shorter. */
  duration: number;
  rate: number;
}

/** The server's counters this check reads, as "name{labels}" -> value. */
async function serverCounters(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!/^(staff_operations_total|websocket_messages_total|staff_sync_connections_refused_total)\{/.test(line)) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) if (value - (before[key] ?? 0) !== 0) out[key] = value - (before[key] ?? 0);
  return out;
}

function runArtillery(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The lines of artillery's output worth keeping: errors and its summary counters. */
const artilleryLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => /error|vusers\.(created|failed|completed):|websocket\.messages_sent:/i.test(l))
    .map((l) => l.replace(/\.{3,}/g, ' ').trim())
    .filter((l, i, all) => all.indexOf(l) === i)
    .slice(0, 12);

/** One step: a fresh proxy, the server's counters before and after, what happened in between. */
async function step(
  name: string,
  options: PlanRunOptions,
  body: (proxyUrl: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const proxy = await startFrameProxy(options.server.wsBase);
  const before = await serverCounters(options.server.metricsUrl);
  const started = performance.now();
  log(`${name}: running`);
  const result = await body(proxy.url);
  // Replies still on their way: the proxy waits for them per connection (5 s at most).
  await sleep(6000);
  await proxy.stop();
  const after = await serverCounters(options.server.metricsUrl);
  return {
    step: name,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    ...result,
    proxy: proxy.counts,
    server: delta(before, after),
  };
}

/** The plan's two frames, rendered as artillery renders them. */
const random01 = () => (Math.random() < 0.5 ? 0 : 1);
const syncFrame = () => `{"type":"SYNC_REQUEST","clientId":"load-test-${random01()}"}`;
const updateFrame = () =>
  `{"type":"STAFF_UPDATE","payload":{"staffId":"test-${random01()}","changes":{"name":"Test ${random01()}"}}}`;

/** One virtual user of the plan's scenario with this process's own client. */
async function planUser(url: string, failures: Record<string, number>): Promise<void> {
  const ws = new WebSocket(`${url}/staff-sync?period=1`, { perMessageDeflate: false });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  } catch (error) {
    const key = String((error as Error).message);
    failures[key] = (failures[key] ?? 0) + 1;
    return;
  }
  ws.on('error', () => {});
  ws.send(syncFrame());
  await sleep(1000);
  for (let i = 0; i < 10; i++) {
    ws.send(updateFrame());
    await sleep(2000);
  }
  ws.close();
}

export async function runPlanScript(options: PlanRunOptions): Promise<Record<string, unknown>> {
  const steps: Record<string, unknown>[] = [];
  const phases = JSON.stringify({ config: { phases: [{ duration: options.duration, arrivalRate: options.rate }] } });

  // 1. As written. Only the target differs, given on the command line; the file is unchanged.
  steps.push(
    await step('artillery, the plan file as written', options, async (proxyUrl) => {
      const run = await runArtillery(options.artillery, ['run', '--target', proxyUrl, PLAN_SCRIPT]);
      return {
        command: `artillery run --target ${proxyUrl} websocket-load-test.yml`,
        exitCode: run.code,
        artillery: artilleryLines(run.output),
      };
    }),
  );

  // 2. Diagnostics: `steps:` read as `flow:`, nothing else changed.
  const flowScript = `${options.cacheDir}/websocket-load-test.flow.yml`;
  writeFileSync(flowScript, readFileSync(PLAN_SCRIPT, 'utf8').replace(/^ {4}steps:$/m, '    flow:'));
  steps.push(
    await step('artillery, `steps:` read as `flow:`, the plan target (host only), 10 users', options, async (proxyUrl) => {
      const run = await runArtillery(options.artillery, [
        'run',
        '--target',
        proxyUrl,
        '--overrides',
        JSON.stringify({ config: { phases: [{ duration: 2, arrivalRate: 5 }] } }),
        flowScript,
      ]);
      return { exitCode: run.code, artillery: artilleryLines(run.output) };
    }),
  );
  steps.push(
    await step('artillery, `steps:` read as `flow:`, target with the path /staff-sync', options, async (proxyUrl) => {
      const run = await runArtillery(options.artillery, [
        'run',
        '--target',
        `${proxyUrl}/staff-sync`,
        '--overrides',
        phases,
        flowScript,
      ]);
      return { exitCode: run.code, artillery: artilleryLines(run.output) };
    }),
  );

  // 3. The plan's frames with this process's own clients, at the plan's pacing.
  steps.push(
    await step("the plan's frames, the bench's own WebSocket clients", options, async (proxyUrl) => {
      const users: Promise<void>[] = [];
      const failures: Record<string, number> = {};
      const started = performance.now();
      for (let n = 0; n < options.duration * options.rate; n++) {
        const due = started + (n * 1000) / options.rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        users.push(planUser(proxyUrl, failures));
      }
      await Promise.all(users);
      return { users: users.length, connectFailures: failures, frames: { sync: syncFrame(), update: updateFrame() } };
    }),
  );

  const verdict = (s: Record<string, unknown>) => {
    const counts = s.proxy as ProxyCounts;
    const frames = Object.values(counts.sent).reduce((a, b) => a + b, 0);
    const updates = counts.sent.STAFF_UPDATE ?? 0;
    return {
      step: s.step,
      frames,
      everyFrameAnswered: frames > 0 && counts.unanswered === 0,
      invalidMessage: counts.errorCodes.INVALID_MESSAGE ?? 0,
      updatesAnsweredNotFound: `${counts.answered['STAFF_UPDATE -> ERROR NOT_FOUND'] ?? 0} / ${updates}`,
    };
  };
  return { durationS: options.duration, arrivalRate: options.rate, steps, summary: steps.map(verdict) };
}
