import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { Logger } from '../../../../platform/logger';
import { metricsUrl, type InstanceRecord } from '../domain/instance-rules';
import { parseExposition, type Sample } from '../domain/metrics-exposition';
import type { ProbedStatus } from '../domain/service-health';
import { reflectMethods } from './reflection-client';

const STATUS_NAMES: ProbedStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const check = healthService.Check;

export interface ProbeOptions {
  /** Deadline of each probe. */
  timeoutMs: number;
  log: Logger;
}

/**
 * How the registry looks at an instance from outside: grpc.health.v1 Check,
 * server reflection and its /metrics. Each instance gets a channel of its own,
 * keyed by instance id (a restarted process at the same address is a new
 * instance, so it never inherits an old channel's reconnect backoff), and its
 * method list is cached: it cannot change while the instance lives.
 */
export function createInstanceProbes({ timeoutMs, log }: ProbeOptions) {
  const channels = new Map<string, grpc.Client>();
  const methods = new Map<string, string[]>();
  const deadline = () => new Date(Date.now() + timeoutMs);

  const channelOf = (record: InstanceRecord) => {
    let channel = channels.get(record.id);
    if (!channel) {
      channel = new grpc.Client(record.address, grpc.credentials.createInsecure());
      channels.set(record.id, channel);
    }
    return channel;
  };

  return {
    /** The overall status (service ''), or undefined when the instance does not answer in time. */
    health(record: InstanceRecord): Promise<ProbedStatus | undefined> {
      return new Promise((resolve) => {
        channelOf(record).makeUnaryRequest(check.path, check.requestSerialize, check.responseDeserialize, { service: '' }, new grpc.Metadata(), { deadline: deadline() },
          (error, response) => {
            if (error || !response) return resolve(undefined);
            const status = (response as { status: unknown }).status;
            resolve(typeof status === 'number' ? STATUS_NAMES[status] : (status as ProbedStatus));
          });
      });
    },

    /** `package.Service/Method` of each method it serves; [] (not cached) when reflection fails. */
    async methods(record: InstanceRecord): Promise<string[]> {
      const cached = methods.get(record.id);
      if (cached) return cached;
      try {
        const found = await reflectMethods(channelOf(record), deadline());
        methods.set(record.id, found);
        return found;
      } catch (error) {
        log.debug({ err: error, instance: record.id }, 'reflection failed');
        return [];
      }
    },

    /** Samples of the wanted metrics from its /metrics, or undefined when unreachable. */
    async metrics(record: InstanceRecord, wanted: (name: string) => boolean): Promise<Sample[] | undefined> {
      try {
        const response = await fetch(metricsUrl(record), { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return undefined;
        return parseExposition(await response.text(), wanted);
      } catch (error) {
        log.debug({ err: error, instance: record.id }, 'metrics scrape failed');
        return undefined;
      }
    },

    /** Drops the channels and caches of instances that are gone. */
    forgetAllBut(live: Iterable<string>): void {
      const keep = new Set(live);
      for (const [id, channel] of channels) {
        if (keep.has(id)) continue;
        channel.close();
        channels.delete(id);
        methods.delete(id);
      }
      for (const id of methods.keys()) if (!keep.has(id)) methods.delete(id);
    },

    close(): void {
      this.forgetAllBut([]);
    },
  };
}

export type InstanceProbes = ReturnType<typeof createInstanceProbes>;
