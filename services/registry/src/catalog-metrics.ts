import { counter, gauge } from '../../../platform/metrics';

/** What the metrics of the registry itself read when Prometheus scrapes. */
export interface CatalogSource {
  /** Live instances by service and health name. */
  instances(): Promise<{ service: string; health: string; count: number }[]>;
  redisUp(): Promise<boolean>;
}

let source: CatalogSource | undefined;

/**
 * The catalog's own metrics: instances per service and health and Redis
 * reachability, read at scrape time (gauges that cannot drift from the
 * store), and calls made through the registry by result. One process serves
 * one registry; a test process that starts several reads the latest.
 */
export function catalogMetrics(current: CatalogSource) {
  source = current;
  gauge('registry_instances', 'Live registered instances by service and last probed health', ['registry_service', 'health'], {
    async collect() {
      this.reset();
      for (const row of (await source?.instances().catch(() => [])) ?? []) this.set({ registry_service: row.service, health: row.health }, row.count);
    },
  });
  gauge('registry_redis_up', '1 when the registry reaches its Redis store', [], {
    async collect() {
      this.set((await source?.redisUp().catch(() => false)) ? 1 : 0);
    },
  });
  const proxyCalls = counter('registry_proxy_calls_total', 'Calls made through CallMethod, by called service and result (a gRPC code name)', [
    'registry_service',
    'result',
  ]);
  return { proxyCalls };
}
