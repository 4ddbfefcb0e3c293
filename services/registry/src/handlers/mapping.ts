import { HealthStatus, type Instance } from '../../../../gen/ts/shop/registry/v1/registry';
import { uptimeSeconds, type InstanceRecord } from '../domain/instance-rules';

export function toInstance(record: InstanceRecord, health: HealthStatus, methods: string[], now: Date): Instance {
  return {
    id: record.id,
    serviceName: record.serviceName,
    version: record.version,
    address: record.address,
    grpcPort: record.grpcPort,
    metricsPort: record.metricsPort,
    startedAt: record.startedAt,
    lastHeartbeatAt: record.lastHeartbeatAt,
    health,
    methods,
    uptimeSeconds: String(uptimeSeconds(record.startedAt, now)),
    discovered: record.origin === 'discovered',
  };
}

export { HealthStatus };
