import type Redis from 'ioredis';
import { failedPrecondition, unavailable } from '../../../../platform/errors';
import type { InstanceRecord } from '../domain/instance-rules';

/**
 * Registered instances in Redis, shared by every registry instance:
 * `<prefix>instance:<id>`, a hash with a TTL of three heartbeat intervals
 * (an instance that stops heart-beating disappears on its own), and
 * `<prefix>instances`, a sorted set of ids scored by when each expires, so
 * listing needs no SCAN and drops expired ids in the same pass.
 */
export function createInstancesStore(redis: Redis, prefix: string) {
  const index = `${prefix}instances`;
  const keyOf = (id: string) => `${prefix}instance:${id}`;

  // Atomic: a heartbeat never resurrects an instance that expired or
  // deregistered meanwhile, and only the instance's own service extends it.
  const HEARTBEAT = `
    local owner = redis.call('HGET', KEYS[1], 'service_name')
    if not owner then
      redis.call('ZREM', KEYS[2], ARGV[4])
      return 0
    end
    if owner ~= ARGV[5] then return -1 end
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    redis.call('HSET', KEYS[1], 'last_heartbeat_at', ARGV[2])
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
    return 1`;

  // Atomic for the same reason: an empty owner (an admin) may remove any instance.
  const DEREGISTER = `
    local owner = redis.call('HGET', KEYS[1], 'service_name')
    if owner and ARGV[2] ~= '' and owner ~= ARGV[2] then return -1 end
    redis.call('DEL', KEYS[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
    return 1`;

  /** Redis is this service's source of truth: when it fails, the registry is unavailable. */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw Object.assign(unavailable('the registry store is unavailable, retry later'), { cause: error });
    }
  }

  const toHash = (r: InstanceRecord) => ({
    id: r.id,
    service_name: r.serviceName,
    version: r.version,
    address: r.address,
    grpc_port: String(r.grpcPort),
    metrics_port: String(r.metricsPort),
    started_at: String(r.startedAt.getTime()),
    last_heartbeat_at: String(r.lastHeartbeatAt.getTime()),
    origin: r.origin,
  });

  const fromHash = (h: Record<string, string>): InstanceRecord | undefined =>
    h.id
      ? {
          id: h.id,
          serviceName: h.service_name,
          version: h.version,
          address: h.address,
          grpcPort: Number(h.grpc_port),
          metricsPort: Number(h.metrics_port),
          startedAt: new Date(Number(h.started_at)),
          lastHeartbeatAt: new Date(Number(h.last_heartbeat_at)),
          origin: h.origin === 'discovered' ? 'discovered' : 'self',
        }
      : undefined;

  async function list(now: Date): Promise<InstanceRecord[]> {
    return guarded(async () => {
      await redis.zremrangebyscore(index, '-inf', now.getTime());
      const ids = await redis.zrange(index, 0, -1);
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keyOf(id));
      const results = (await pipeline.exec()) ?? [];
      const records: InstanceRecord[] = [];
      const vanished: string[] = [];
      results.forEach(([error, hash], i) => {
        if (error) throw error;
        const record = fromHash(hash as Record<string, string>);
        if (record) records.push(record);
        else vanished.push(ids[i]);
      });
      if (vanished.length) await redis.zrem(index, ...vanished);
      return records;
    });
  }

  return {
    list,

    /** One registration, or undefined when it expired or never was. */
    async get(id: string): Promise<InstanceRecord | undefined> {
      return guarded(async () => fromHash(await redis.hgetall(keyOf(id))));
    },

    /**
     * Stores (or replaces) a registration. Another instance of the same
     * service registered at the same address is removed: only one process can
     * listen there, so the new one supersedes a predecessor that crashed
     * before it could deregister. An instance of another service there is not
     * touched and the registration is refused: otherwise one service's token
     * could push another service out of the catalog. A dead one expires on
     * its own within three heartbeat intervals.
     */
    async register(record: InstanceRecord, ttlMs: number): Promise<void> {
      const sameAddress = (await list(record.lastHeartbeatAt)).filter((r) => r.address === record.address && r.id !== record.id);
      const other = sameAddress.find((r) => r.serviceName !== record.serviceName);
      if (other) {
        throw failedPrecondition(`${record.address} is registered to a live instance of service "${other.serviceName}"`, 'ADDRESS_IN_USE', {
          address: record.address,
          service: other.serviceName,
        });
      }
      await guarded(async () => {
        const key = keyOf(record.id);
        const multi = redis
          .multi()
          .del(key)
          .hset(key, toHash(record))
          .pexpire(key, ttlMs)
          .zadd(index, record.lastHeartbeatAt.getTime() + ttlMs, record.id);
        for (const old of sameAddress) multi.del(keyOf(old.id)).zrem(index, old.id);
        await multi.exec();
      });
    },

    /**
     * Extends the life of an instance of `service`: 'unknown' when the
     * registry no longer knows it (it must register again), 'not-owner' when
     * it belongs to another service.
     */
    async heartbeat(id: string, service: string, now: Date, ttlMs: number): Promise<'ok' | 'unknown' | 'not-owner'> {
      const result = await guarded(async () => redis.eval(HEARTBEAT, 2, keyOf(id), index, ttlMs, now.getTime(), now.getTime() + ttlMs, id, service));
      return result === 1 ? 'ok' : result === -1 ? 'not-owner' : 'unknown';
    },

    /**
     * Idempotent: deregistering an unknown or expired instance is not an
     * error. `service` empty (an admin) removes any instance; otherwise only
     * that service's, and false for another's.
     */
    async deregister(id: string, service = ''): Promise<boolean> {
      return (await guarded(async () => redis.eval(DEREGISTER, 2, keyOf(id), index, id, service))) === 1;
    },
  };
}

export type InstancesStore = ReturnType<typeof createInstancesStore>;
