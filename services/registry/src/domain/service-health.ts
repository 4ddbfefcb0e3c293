import { HealthStatus } from '../../../../gen/ts/shop/registry/v1/registry';

/** grpc.health.v1 status names as a health client reports them. */
export type ProbedStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN';

/** A probe's answer in the registry's terms; no answer at all (error, timeout) is UNREACHABLE. */
export function healthOf(probed: ProbedStatus | undefined): HealthStatus {
  if (probed === undefined) return HealthStatus.HEALTH_STATUS_UNREACHABLE;
  return probed === 'SERVING' ? HealthStatus.HEALTH_STATUS_SERVING : HealthStatus.HEALTH_STATUS_NOT_SERVING;
}

export interface ServiceHealthSummary {
  status: HealthStatus;
  healthy: number;
  total: number;
}

/**
 * One service's health from its instances': SERVING while any instance
 * serves (callers balance over the ones that do, the counts show how
 * degraded it is), NOT_SERVING when instances answer but none serves,
 * UNREACHABLE when none answers.
 */
export function summarizeService(instances: HealthStatus[]): ServiceHealthSummary {
  const healthy = instances.filter((h) => h === HealthStatus.HEALTH_STATUS_SERVING).length;
  const answering = instances.filter((h) => h === HealthStatus.HEALTH_STATUS_SERVING || h === HealthStatus.HEALTH_STATUS_NOT_SERVING).length;
  const status =
    healthy > 0 ? HealthStatus.HEALTH_STATUS_SERVING : answering > 0 ? HealthStatus.HEALTH_STATUS_NOT_SERVING : HealthStatus.HEALTH_STATUS_UNREACHABLE;
  return { status, healthy, total: instances.length };
}
