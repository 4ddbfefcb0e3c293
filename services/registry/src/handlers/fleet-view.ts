import { liveness, type InstanceRecord } from '../domain/instance-rules';
import type { InstanceProbes } from '../probes/instance-probes';
import type { InstancesStore } from '../store/instances-store';

/** The live part of the registry's store, shared by every handler. */
export function createFleetView(store: InstancesStore, probes: InstanceProbes, heartbeatIntervalMs: number) {
  return {
    /** Live registrations; the probes of instances that are gone are dropped on the way. */
    async live(at: Date): Promise<InstanceRecord[]> {
      const records = (await store.list(at)).filter((r) => liveness(r, at, heartbeatIntervalMs) !== 'expired');
      probes.forgetAllBut(records.map((r) => r.id));
      return records;
    },

    /** Instances that heart-beat on time: the only ones worth calling or scraping. */
    async alive(at: Date): Promise<InstanceRecord[]> {
      return (await this.live(at)).filter((r) => liveness(r, at, heartbeatIntervalMs) === 'alive');
    },

    /** The registered service whose live instances serve `contract` (a full service name), if any. */
    async serviceServing(contract: string, at: Date): Promise<string | undefined> {
      for (const record of await this.alive(at)) {
        if ((await probes.methods(record)).some((method) => method.startsWith(`${contract}/`))) return record.serviceName;
      }
      return undefined;
    },
  };
}

export type FleetView = ReturnType<typeof createFleetView>;
