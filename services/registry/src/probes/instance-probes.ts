import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { Logger } from '../../../../platform/logger';
import { metricsUrl, type InstanceRecord } from '../domain/instance-rules';
import { parseExposition, type Sample } from '../domain/metrics-exposition';
import type { ProbedStatus } from '../domain/service-health';
import { readCapped } from './capped-body';
import { createProbeCache } from './probe-cache';
import { reflectContracts, type ReflectedContracts } from './reflection-client';

const STATUS_NAMES: ProbedStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const check = healthService.Check;

export interface ProbeOptions {
  /** Deadline of each probe. */
  timeoutMs: number;
  /** How long a health answer or a scrape is reused. */
  cacheMs: number;
  /** Largest /metrics body read; a larger one counts as no answer. */
  metricsMaxBytes: number;
  log: Logger;
}

/** Reflection answers can be large (whole contracts with their imports), but not unboundedly. */
const MAX_REFLECTION_BYTES = 4 * 1024 * 1024;

/**
 * How the registry looks at an instance from outside: grpc.health.v1 Check,
 * server reflection and its /metrics. Each instance gets a channel of its own,
 * keyed by instance id (a restarted process at the same address is a new
 * instance, so it never inherits an old channel's reconnect backoff).
 *
 * Reads of the registry may be anonymous (CheckAll), so a burst of them must
 * not turn into a burst of probes: health answers and scrapes are kept for
 * `cacheMs`, and concurrent askers share one probe in flight. Contracts are
 * kept while the instance lives: they cannot change under one process.
 */
export function createInstanceProbes({ timeoutMs, cacheMs, metricsMaxBytes, log }: ProbeOptions) {
  const channels = new Map<string, grpc.Client>();
  const health = createProbeCache<ProbedStatus | undefined>(cacheMs);
  const scrapes = createProbeCache<string | undefined>(cacheMs);
  const contracts = new Map<string, Promise<ReflectedContracts>>();
  // Candidates being discovered are in no live list yet: a concurrent read of the fleet must
  // not close their channel under the probe (it did, as "Channel closed before call started").
  const pinned = new Map<string, number>();
  const deadline = () => new Date(Date.now() + timeoutMs);

  const channelOf = (record: InstanceRecord) => {
    let channel = channels.get(record.id);
    if (!channel) {
      channel = new grpc.Client(record.address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': MAX_REFLECTION_BYTES,
        // Addresses are reused (pod IPs, ephemeral ports): a connection of its own, so a new
        // server is not judged by the reconnect backoff of a dead one that had its address.
        'grpc.use_local_subchannel_pool': 1,
      });
      channels.set(record.id, channel);
    }
    return channel;
  };

  const checkHealth = (record: InstanceRecord): Promise<ProbedStatus | undefined> =>
    new Promise((resolve) => {
      channelOf(record).makeUnaryRequest(
        check.path,
        check.requestSerialize,
        check.responseDeserialize,
        { service: '' },
        new grpc.Metadata(),
        { deadline: deadline() },
        (error, response) => {
          if (error || !response) return resolve(undefined);
          const status = (response as { status: unknown }).status;
          resolve(typeof status === 'number' ? STATUS_NAMES[status] : (status as ProbedStatus));
        },
      );
    });

  async function scrape(record: InstanceRecord): Promise<string | undefined> {
    try {
      const response = await fetch(metricsUrl(record), { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok || !response.body) return undefined;
      const body = await readCapped(response.body, metricsMaxBytes);
      if (body === undefined) log.warn({ instance: record.id, maxBytes: metricsMaxBytes }, '/metrics body over the size limit; ignored');
      return body;
    } catch (error) {
      log.debug({ err: error, instance: record.id }, 'metrics scrape failed');
      return undefined;
    }
  }

  return {
    /** The gRPC channel to an instance, shared with calls made through the registry. */
    channelOf,

    /** The overall status (service ''), or undefined when the instance does not answer in time. */
    health(record: InstanceRecord): Promise<ProbedStatus | undefined> {
      return health.get(record.id, () => checkHealth(record));
    },

    /** Its contracts through reflection; rejects (and is not cached) when reflection fails. */
    contracts(record: InstanceRecord): Promise<ReflectedContracts> {
      let found = contracts.get(record.id);
      if (!found) {
        found = reflectContracts(channelOf(record), deadline());
        contracts.set(record.id, found);
        found.catch(() => contracts.delete(record.id));
      }
      return found;
    },

    /** `package.Service/Method` of each method it serves; [] when reflection fails. */
    async methods(record: InstanceRecord): Promise<string[]> {
      try {
        return (await this.contracts(record)).methods;
      } catch (error) {
        log.debug({ err: error, instance: record.id }, 'reflection failed');
        return [];
      }
    },

    /** Samples of the wanted metrics from its /metrics, or undefined when unreachable or too large. */
    async metrics(record: InstanceRecord, wanted: (name: string) => boolean): Promise<Sample[] | undefined> {
      // A discovered server may have no /metrics at all.
      if (!record.metricsPort) return undefined;
      const body = await scrapes.get(record.id, () => scrape(record));
      return body === undefined ? undefined : parseExposition(body, wanted);
    },

    /** The health last probed, without probing (metrics of the registry itself). */
    lastHealth(id: string): ProbedStatus | undefined {
      return health.peek(id);
    },

    /** Runs `work` with the probes of `id` kept, though it is not live (yet). */
    async whilePinned<T>(id: string, work: () => Promise<T>): Promise<T> {
      pinned.set(id, (pinned.get(id) ?? 0) + 1);
      try {
        return await work();
      } finally {
        const left = pinned.get(id)! - 1;
        if (left) pinned.set(id, left);
        else pinned.delete(id);
      }
    },

    /** Drops the channels and caches of instances that are gone (not those pinned). */
    forgetAllBut(live: Iterable<string>): void {
      const keep = new Set([...live, ...pinned.keys()]);
      for (const [id, channel] of channels) {
        if (keep.has(id)) continue;
        channel.close();
        channels.delete(id);
      }
      for (const id of contracts.keys()) if (!keep.has(id)) contracts.delete(id);
      health.forgetAllBut(keep);
      scrapes.forgetAllBut(keep);
    },

    close(): void {
      this.forgetAllBut([]);
    },
  };
}

export type InstanceProbes = ReturnType<typeof createInstanceProbes>;
