import type Redis from 'ioredis';
import { unavailable } from '../../../../platform/errors';
import { decodeEntry, encodeEntry, type CallEntry } from '../domain/call-log';

export interface CallLogLimits {
  /** Entries kept per service; the oldest go first. */
  maxEntries: number;
  /** Entries older than this are dropped on every write and never read. */
  maxAgeMs: number;
}

/**
 * The call log in Redis, bounded per service by count and by age:
 * `<prefix>calls:<service>`, a sorted set of JSON entries scored by time.
 * Every append trims both bounds in the same transaction, and the key expires
 * when a service has had no call for `maxAgeMs`, so a service that is gone
 * leaves nothing behind.
 */
export function createCallLogStore(redis: Redis, prefix: string, { maxEntries, maxAgeMs }: CallLogLimits) {
  const keyOf = (service: string) => `${prefix}calls:${service}`;

  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw Object.assign(unavailable('the registry store is unavailable, retry later'), { cause: error });
    }
  }

  return {
    async append(entries: CallEntry[], now = new Date()): Promise<void> {
      if (entries.length === 0) return;
      const byService = new Map<string, CallEntry[]>();
      for (const entry of entries) byService.set(entry.serviceName, [...(byService.get(entry.serviceName) ?? []), entry]);
      await guarded(async () => {
        const multi = redis.multi();
        for (const [service, list] of byService) {
          const key = keyOf(service);
          multi.zadd(key, ...list.flatMap((e) => [e.time.getTime(), encodeEntry(e)]));
          multi.zremrangebyscore(key, '-inf', now.getTime() - maxAgeMs);
          multi.zremrangebyrank(key, 0, -(maxEntries + 1));
          multi.pexpire(key, maxAgeMs);
        }
        await multi.exec();
      });
    },

    /** A service's entries younger than the age bound, in no particular order. */
    async read(service: string, now = new Date()): Promise<CallEntry[]> {
      const members = await guarded(() => redis.zrangebyscore(keyOf(service), now.getTime() - maxAgeMs, '+inf'));
      return members.map(decodeEntry).filter((e): e is CallEntry => e !== undefined);
    },
  };
}

export type CallLogStore = ReturnType<typeof createCallLogStore>;
