import type { MethodStats } from '../../../../gen/ts/shop/registry/v1/registry';
import type { Sample } from './metrics-exposition';

/** The counter every service's metrics interceptor keeps (platform/rpc/server-interceptors.ts). */
export const HANDLED_METRIC = 'grpc_server_handled_total';

/** One instance's scrape, with the contracts it serves (from reflection). */
export interface InstanceCalls {
  serviceName: string;
  /**
   * Full service names the instance serves. Only their series count: a
   * process's metrics may hold other contracts' counters (several services in
   * one test process share prom-client's registry). Empty when reflection
   * failed: then every series counts.
   */
  contracts: string[];
  samples: Sample[];
}

/**
 * Calls and errors per service and method, summed over the live instances of
 * each service. An error is any status but OK. Counters restart with their
 * instance, so these are totals over the instances alive now, not history.
 */
export function aggregateCallStats(instances: InstanceCalls[]): MethodStats[] {
  const totals = new Map<string, { serviceName: string; method: string; calls: number; errors: number }>();
  for (const instance of instances) {
    const contracts = new Set(instance.contracts);
    for (const sample of instance.samples) {
      const { grpc_service: service, grpc_method: method, grpc_code: code } = sample.labels;
      if (sample.name !== HANDLED_METRIC || !service || !method || !Number.isFinite(sample.value)) continue;
      if (contracts.size > 0 && !contracts.has(service)) continue;
      const fullMethod = `${service}/${method}`;
      const key = `${instance.serviceName}\u0000${fullMethod}`;
      const total = totals.get(key) ?? { serviceName: instance.serviceName, method: fullMethod, calls: 0, errors: 0 };
      total.calls += sample.value;
      if (code !== 'OK') total.errors += sample.value;
      totals.set(key, total);
    }
  }
  return [...totals.values()]
    .sort((a, b) => a.serviceName.localeCompare(b.serviceName) || a.method.localeCompare(b.method))
    .map((t) => ({ serviceName: t.serviceName, method: t.method, calls: String(Math.round(t.calls)), errors: String(Math.round(t.errors)) }));
}
