import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config/load.ts';
import { SETTINGS } from '../src/config/settings.ts';
import { createMetrics } from '../src/metrics.ts';

const K8S = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest's spec is whatever its kind says; the schema checks it
  spec?: any;
  data?: Record<string, string>;
}

/** The model class (with the Kubernetes JSON schema's validator) of each kind the manifests use. */
const MODELS: Record<string, string> = {
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
};

async function validate(manifest: unknown): Promise<void> {
  const { apiVersion, kind } = manifest as Manifest;
  const path = MODELS[`${apiVersion}/${kind}`];
  if (!path) throw new Error(`no schema for ${apiVersion} ${kind}`);
  const module = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[kind] as new (data: unknown) => { validate(): void };
  new Model(manifest).validate();
}

const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(join(K8S, f), 'utf8')).map((d) => d.toJS() as Manifest),
);
const byKind = (kind: string) => manifests.find((m) => m.kind === kind) as Manifest;

/**
 * deploy/k8s against the Kubernetes API's JSON schemas (kubernetes-models: validators generated
 * from the OpenAPI definitions of each kind), without a cluster, and against what the server is.
 */
describe('Kubernetes manifests (deploy/k8s)', () => {
  it.each(files)('%s is valid against the Kubernetes schemas', async (file) => {
    for (const doc of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) await validate(doc.toJS());
  });

  it('the validator refuses what Kubernetes would refuse (it is not a rubber stamp)', async () => {
    const deployment = structuredClone(byKind('Deployment'));
    deployment.spec.replicas = 'three';
    await expect(validate(deployment)).rejects.toThrow(/replicas/);
    const hpa = structuredClone(byKind('HorizontalPodAutoscaler'));
    delete hpa.spec.scaleTargetRef;
    await expect(validate(hpa)).rejects.toThrow(/scaleTargetRef/);
  });

  it('kustomization.yaml lists every manifest', () => {
    const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it('probes, drain and limits fit the server: /ready for readiness, /health for liveness, grace longer than the drain', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    const env = Object.fromEntries(
      container.env
        .filter((e: { value?: string }) => e.value !== undefined)
        .map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    // Every variable is a real setting, and the values pass the server's own checks.
    const names = new Set(SETTINGS.map((s) => s.env));
    for (const { name } of container.env) expect(names.has(name), name).toBe(true);
    const config = loadConfig({ ...env, DATABASE_URL: 'postgres://u@db/x', AUTH_JWT_SECRET: 'x'.repeat(32) });
    const preStopSeconds = 5; // the preStop pause
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(config.shutdownTimeoutMs / 1000 + preStopSeconds);
    expect(container.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
    expect(container.ports[0].containerPort).toBe(config.port);
  });

  it('Service, PodDisruptionBudget and HPA point at the Deployment; the HPA scales on CPU and on connections per pod', () => {
    const deployment = byKind('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    const hpa = byKind('HorizontalPodAutoscaler').spec;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.metrics.map((m: { type: string }) => m.type)).toEqual(['Resource', 'Pods']);
    expect(hpa.metrics[0].resource.name).toBe('cpu');
    const metricName = hpa.metrics[1].pods.metric.name;
    // The adapter serves that name, from a metric the server really exports.
    const adapter = parseYaml(byKind('ConfigMap').data?.['config.yaml'] as string) as {
      rules: { seriesQuery: string; name: { as: string } }[];
    };
    const rule = adapter.rules.find((r) => r.name.as === metricName);
    expect(rule?.seriesQuery).toContain(metricName);
    expect(createMetrics().registry.getSingleMetric(metricName)).toBeDefined();
  });
});
