import { notFound } from '../../../../platform/errors';
import type {
  CheckAllResponse,
  GetServiceRequest,
  GetServiceResponse,
  GetStatsResponse,
  ListServicesResponse,
  ServiceSummary,
} from '../../../../gen/ts/shop/registry/v1/registry';
import { aggregateCallStats, HANDLED_METRIC } from '../domain/call-stats';
import { liveness, validateServiceName, type InstanceRecord } from '../domain/instance-rules';
import { healthOf, summarizeService } from '../domain/service-health';
import { mapBounded } from '../probes/bounded-parallel';
import type { InstanceProbes } from '../probes/instance-probes';
import type { CallContext } from '../../../../platform/rpc/context';
import { requireOperator } from '../domain/caller-rules';
import type { FleetView } from './fleet-view';
import { HealthStatus, toInstance } from './mapping';

export interface QueryDeps {
  fleet: FleetView;
  probes: InstanceProbes;
  heartbeatIntervalMs: number;
  probeConcurrency: number;
  now?: () => Date;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/**
 * ListServices, GetService, CheckAll and GetStats: what the registry knows,
 * checked live (probes are cached briefly, probes/instance-probes.ts). Instance
 * details are for admins and services (domain/caller-rules.ts); CheckAll,
 * names and counts only, is public.
 */
export function queryHandlers({ fleet, probes, heartbeatIntervalMs, probeConcurrency, now = () => new Date() }: QueryDeps) {
  const liveRecords = (at: Date) => fleet.live(at);

  /** An instance that missed its heartbeats is down whatever a probe would say: it is not probed. */
  const healthNow = async (record: InstanceRecord, at: Date) =>
    liveness(record, at, heartbeatIntervalMs) === 'late' ? HealthStatus.HEALTH_STATUS_UNREACHABLE : healthOf(await probes.health(record));

  async function summaries(records: InstanceRecord[], at: Date): Promise<ServiceSummary[]> {
    const instances = await mapBounded(records, probeConcurrency, async (record) => {
      const [health, methods] = await Promise.all([healthNow(record, at), probes.methods(record)]);
      return toInstance(record, health, methods, at);
    });
    const services = new Map<string, ServiceSummary>();
    for (const instance of instances) {
      const summary = services.get(instance.serviceName) ?? { name: instance.serviceName, instances: [] };
      summary.instances.push(instance);
      services.set(instance.serviceName, summary);
    }
    for (const summary of services.values()) summary.instances.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.id.localeCompare(b.id));
    return [...services.values()].sort(byName);
  }

  return {
    async listServices(_req: unknown, ctx: CallContext): Promise<ListServicesResponse> {
      requireOperator(ctx.identity, ctx.method);
      const at = now();
      return { services: await summaries(await liveRecords(at), at) };
    },

    async getService(req: GetServiceRequest, ctx: CallContext): Promise<GetServiceResponse> {
      requireOperator(ctx.identity, ctx.method);
      validateServiceName(req.name);
      const at = now();
      const records = (await liveRecords(at)).filter((r) => r.serviceName === req.name);
      if (records.length === 0) throw notFound('service', req.name);
      return { service: (await summaries(records, at))[0] };
    },

    async checkAll(): Promise<CheckAllResponse> {
      const at = now();
      const records = await liveRecords(at);
      const health = await mapBounded(records, probeConcurrency, (record) => healthNow(record, at));
      const perService = new Map<string, HealthStatus[]>();
      records.forEach((record, i) => perService.set(record.serviceName, [...(perService.get(record.serviceName) ?? []), health[i]]));
      return {
        services: [...perService.entries()]
          .map(([name, statuses]) => {
            const { status, healthy, total } = summarizeService(statuses);
            return { name, status, healthyInstances: healthy, totalInstances: total };
          })
          .sort(byName),
      };
    },

    async getStats(_req: unknown, ctx: CallContext): Promise<GetStatsResponse> {
      requireOperator(ctx.identity, ctx.method);
      const records = await fleet.alive(now());
      const scraped = await mapBounded(records, probeConcurrency, async (record) => {
        const [samples, methods] = await Promise.all([probes.metrics(record, (name) => name === HANDLED_METRIC), probes.methods(record)]);
        const contracts = [...new Set(methods.map((method) => method.split('/')[0]))];
        return samples && { serviceName: record.serviceName, contracts, samples };
      });
      return { methods: aggregateCallStats(scraped.filter((s) => s !== undefined)) };
    },
  };
}
