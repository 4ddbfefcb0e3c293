/**
 * Prometheus for docker-compose (gen/deploy/prometheus/prometheus.yml): the hand-written
 * observability/prometheus/prometheus.yml (global settings, rule files, Envoy's and
 * Prometheus' own jobs) with one target per service of services/manifest.ts in its `shopmesh`
 * job, `<service>:<metrics port>` labelled service="<service>". docker-compose.yml mounts
 * the rendered file, alerts.yml beside it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { type DeployEntry, deployedService, MANIFEST_ENTRIES, root } from './model';
import { generatedHeader, type RenderedFile } from './rendered-file';

export const PROMETHEUS_TEMPLATE = join(root, 'observability', 'prometheus', 'prometheus.yml');
/** The job whose targets are the manifest's services. */
export const MESH_JOB = 'shopmesh';

export interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}

/** One target per service: its compose host and the metrics port of its schema. */
export function meshTargets(services: DeployEntry[] = MANIFEST_ENTRIES): StaticConfig[] {
  return services.map(deployedService).map((service) => ({ targets: [`${service.name}:${service.metricsPort}`], labels: { service: service.name } }));
}

/** The template with the mesh job's targets filled in, comments kept. */
export function prometheusDocument(services: DeployEntry[] = MANIFEST_ENTRIES): Document {
  const doc = parseDocument(readFileSync(PROMETHEUS_TEMPLATE, 'utf8'));
  const jobs = doc.get('scrape_configs');
  if (!isSeq(jobs)) throw new Error(`${PROMETHEUS_TEMPLATE}: no scrape_configs`);
  const mesh = jobs.items.find((job): job is YAMLMap => isMap(job) && job.get('job_name') === MESH_JOB);
  if (!mesh) throw new Error(`${PROMETHEUS_TEMPLATE}: no ${MESH_JOB} job`);
  const groups = doc.createNode(meshTargets(services));
  // One line per target, as an operator would write it.
  for (const group of groups.items) {
    for (const pair of (group as YAMLMap).items) (pair.value as { flow?: boolean }).flow = true;
  }
  mesh.set('static_configs', groups);
  return doc;
}

/** The rendered config as plain data (observability/prometheus/local-config.ts reads it). */
export const prometheusConfig = (services: DeployEntry[] = MANIFEST_ENTRIES) => prometheusDocument(services).toJS();

export function renderPrometheus(services: DeployEntry[] = MANIFEST_ENTRIES): RenderedFile[] {
  const header = `${generatedHeader('prometheus.ts')}# From observability/prometheus/prometheus.yml, with the shopmesh job's targets from the manifest.\n\n`;
  const body = prometheusDocument(services).toString({ lineWidth: 0, flowCollectionPadding: false });
  return [{ path: 'prometheus/prometheus.yml', content: header + body }];
}
