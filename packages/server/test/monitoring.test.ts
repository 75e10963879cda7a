import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROMTOOL_BIN, promtoolAvailable } from '@staff-sync/test-support/services';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../src/metrics.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const PROMETHEUS = join(DEPLOY, 'prometheus');

/** promtool's output (stdout and stderr); throws with it when promtool fails. */
function promtool(args: string[], cwd = PROMETHEUS): string {
  try {
    return execFileSync(PROMTOOL_BIN, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

type Rules = { groups: { rules: { alert: string; expr: string }[] }[] };
type RuleTests = { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };

const rules = parse(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as Rules;
const alerts = rules.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/staff-sync-dashboard.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

/** Metric names an expression reads (every selector here names the job). */
const metricsIn = (expr: string) => [...expr.matchAll(/([a-z_][a-z0-9_]*)\{job=/g)].map((m) => m[1] as string);

describe('metrics the alerts and the dashboard read exist on the server', () => {
  it('every metric name in alerts.yml and the Grafana dashboard is one /metrics exposes', async () => {
    const exposed = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const used = [...alerts.map((a) => a.expr), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))].flatMap(
      metricsIn,
    );
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) {
      if (name === 'up') continue; // Prometheus's own, per scrape target
      expect(exposed.has(name.replace(/_(bucket|sum|count)$/, '')), name).toBe(true);
    }
  });

  it("the dashboard has the plan's panels", () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of ['Active connections', 'Message latency', 'Operation success rate', 'Database sync errors'])
      expect(titles).toContain(title);
  });
});

describe.skipIf(!(await promtoolAvailable()))('Prometheus configuration and alert rules (promtool)', () => {
  it('promtool check config: prometheus.yml with the rule file where docker-compose mounts it', () => {
    // The config names the rule file by its path inside the container; check a copy that names it here.
    const dir = mkdtempSync(join(tmpdir(), 'staff-sync-prometheus-'));
    const config = readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8');
    expect(config).toContain('/etc/prometheus/alerts.yml');
    writeFileSync(join(dir, 'prometheus.yml'), config.replaceAll('/etc/prometheus/alerts.yml', 'alerts.yml'));
    copyFileSync(join(PROMETHEUS, 'alerts.yml'), join(dir, 'alerts.yml'));
    const output = promtool(['check', 'config', 'prometheus.yml'], dir);
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(output).toMatch(/SUCCESS: prometheus\.yml is valid/);
  });

  it('promtool check rules: alerts.yml', () => {
    expect(promtool(['check', 'rules', 'alerts.yml'])).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('promtool test rules: each alert fires on series that should fire it and stays silent on others', () => {
    expect(promtool(['test', 'rules', 'alerts.test.yml'])).toContain('SUCCESS');
    const tests = (parse(readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8')) as RuleTests).tests.flatMap(
      (t) => t.alert_rule_test,
    );
    for (const { alert } of alerts) {
      const cases = tests.filter((t) => t.alertname === alert);
      expect(
        cases.some((c) => c.exp_alerts.length > 0),
        `${alert} is shown firing`,
      ).toBe(true);
      expect(
        cases.some((c) => c.exp_alerts.length === 0),
        `${alert} is shown silent`,
      ).toBe(true);
    }
    for (const name of ['StaffSyncConnectionDrop', 'StaffSyncHighLatency', 'StaffSyncOperationFailures'])
      expect(alerts.map((a) => a.alert)).toContain(name);
  });
});
