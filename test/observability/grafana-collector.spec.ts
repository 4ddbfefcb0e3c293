import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadDashboards, OBSERVABILITY_DIR, panelTargets } from './support/dashboards';

const provisioning = (file: string) => parse(readFileSync(join(OBSERVABILITY_DIR, 'grafana', 'provisioning', file), 'utf8'));

describe('grafana provisioning and dashboards; the collector config', () => {
  const dashboards = loadDashboards();

  it('provisions Prometheus (uid prometheus) with exemplars linked to the Jaeger data source', () => {
    const sources = provisioning('datasources/datasources.yml').datasources as any[];
    const prometheus = sources.find((s) => s.type === 'prometheus');
    const jaeger = sources.find((s) => s.type === 'jaeger');
    assert.equal(prometheus?.uid, 'prometheus');
    assert.equal(prometheus.isDefault, true);
    assert.equal(jaeger?.uid, 'jaeger');
    assert.deepEqual(
      prometheus.jsonData.exemplarTraceIdDestinations,
      [{ name: 'trace_id', datasourceUid: 'jaeger' }],
      'exemplar label trace_id (platform/metrics.ts) opens the trace in Jaeger',
    );
  });

  it('provides the dashboards from the folder compose mounts', () => {
    const [provider] = provisioning('dashboards/dashboards.yml').providers;
    assert.equal(provider.type, 'file');
    assert.equal(provider.options.path, '/var/lib/grafana/dashboards');
  });

  it('has the four dashboards, with unique uids', () => {
    assert.deepEqual(dashboards.map((d) => d.uid).sort(), ['shopmesh-business', 'shopmesh-events', 'shopmesh-mesh', 'shopmesh-runtime']);
  });

  it('queries only the provisioned Prometheus, by uid, in every panel', () => {
    for (const dashboard of dashboards) {
      const targets = panelTargets(dashboard);
      assert.ok(targets.length > 0, `${dashboard.title} has panels`);
      for (const target of targets) {
        assert.deepEqual(target.datasource, { type: 'prometheus', uid: 'prometheus' }, `${dashboard.title} / ${target.panel}`);
        assert.ok(target.expr.trim(), `${dashboard.title} / ${target.panel} ${target.refId} has a query`);
      }
    }
  });

  it('shows exemplars on the RPC latency panels', () => {
    const mesh = dashboards.find((d) => d.uid === 'shopmesh-mesh')!;
    const latency = panelTargets(mesh).filter((t) => t.expr.includes('grpc_server_handling_seconds_bucket') && t.panel.startsWith('Latency'));
    assert.equal(latency.length, 3, 'p50, p95 and p99 panels');
    for (const target of latency) assert.equal(target.exemplar, true, target.panel);
  });

  it('gives every "All" template variable a regex that matches everything', () => {
    for (const dashboard of dashboards) {
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.includeAll) assert.equal(variable.allValue, '.*', `${dashboard.title} $${variable.name}`);
      }
    }
  });

  it('collector: OTLP in on 4317 (gRPC) and 4318 (HTTP), traces batched to Jaeger at jaeger:4317, no metrics pipeline', () => {
    const config = parse(readFileSync(join(OBSERVABILITY_DIR, 'otel-collector.yaml'), 'utf8'));
    assert.equal(config.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
    assert.equal(config.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
    const pipelines = config.service.pipelines as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    assert.deepEqual(Object.keys(pipelines), ['traces'], 'metrics stay pull-based (Prometheus scrapes /metrics)');
    const traces = pipelines.traces;
    assert.ok(traces.processors.includes('batch'));
    assert.deepEqual(
      traces.exporters.map((name) => config.exporters[name].endpoint),
      ['jaeger:4317'],
    );
    for (const [kind, names] of [
      ['receivers', traces.receivers],
      ['processors', traces.processors],
      ['exporters', traces.exporters],
    ] as const) {
      for (const name of names) assert.ok(config[kind]?.[name] !== undefined, `${kind}.${name} is defined`);
    }
    for (const name of config.service.extensions ?? []) assert.ok(config.extensions?.[name] !== undefined, `extensions.${name} is defined`);
  });
});
