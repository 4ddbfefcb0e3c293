/**
 * The Prometheus config compose runs (deploy/render/prometheus.ts: prometheus.yml here with
 * one target per service of services/manifest.ts), turned into a config for the platform
 * that `npm start` runs on this machine: the same jobs, labels and alert
 * rules, each `<service>:<metrics port>` target at 127.0.0.1 (shifted by
 * PORT_OFFSET). Envoy and Prometheus' own job are dropped: nothing serves
 * them here. The dashboards test scrapes the end-to-end platform with it.
 *
 *   npx tsx observability/prometheus/local-config.ts > /tmp/prometheus.yml
 *   prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/tmp/prometheus-data \
 *     --enable-feature=exemplar-storage
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { prometheusConfig } from '../../deploy/render/prometheus';
import { defaultPorts, SERVICES } from '../../services/manifest';

interface ScrapeJob {
  job_name: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
  [setting: string]: unknown;
}

export function localPrometheusConfig({ portOffset = 0, scrapeInterval = '5s' }: { portOffset?: number; scrapeInterval?: string } = {}) {
  const config = prometheusConfig();
  const metricsPort = new Map(SERVICES.map((s) => [s.name, defaultPorts(s).metrics]));
  const jobs = (config.scrape_configs as ScrapeJob[])
    .map((job) => ({
      ...job,
      static_configs: job.static_configs
        .map((group) => ({
          ...group,
          targets: group.targets.flatMap((target) => {
            const port = metricsPort.get(target.split(':')[0]);
            return port === undefined ? [] : [`127.0.0.1:${port + portOffset}`];
          }),
        }))
        .filter((group) => group.targets.length > 0),
    }))
    .filter((job) => job.static_configs.length > 0);
  return {
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: (config.rule_files as string[]).map((file) => join(__dirname, file)),
    scrape_configs: jobs,
  };
}

if (require.main === module) {
  process.stdout.write(stringify(localPrometheusConfig({ portOffset: Number(process.env.PORT_OFFSET ?? 0) })));
}
