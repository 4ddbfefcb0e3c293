import type Redis from 'ioredis';
import { unavailable } from '../../../../platform/errors';
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

  // Atomic: a heartbeat never resurrects an instance that expired or deregistered meanwhile.
  const HEARTBEAT = `
    if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 1 then
      redis.call('HSET', KEYS[1], 'last_heartbeat_at', ARGV[2])
      redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
      return 1
    end
    redis.call('ZREM', KEYS[2], ARGV[4])
    return 0`;

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

    /**
     * Stores (or replaces) a registration. Any other instance registered at the
     * same address is removed: only one process can listen there, so the new
     * one supersedes a predecessor that crashed before it could deregister.
     */
    async register(record: InstanceRecord, ttlMs: number): Promise<void> {
      const superseded = (await list(record.lastHeartbeatAt)).filter((r) => r.address === record.address && r.id !== record.id);
      await guarded(async () => {
        const key = keyOf(record.id);
        const multi = redis.multi().del(key).hset(key, toHash(record)).pexpire(key, ttlMs).zadd(index, record.lastHeartbeatAt.getTime() + ttlMs, record.id);
        for (const old of superseded) multi.del(keyOf(old.id)).zrem(index, old.id);
        await multi.exec();
      });
    },

    /** Extends an instance's life; false when the registry no longer knows it (it must register again). */
    async heartbeat(id: string, now: Date, ttlMs: number): Promise<boolean> {
      return guarded(async () => (await redis.eval(HEARTBEAT, 2, keyOf(id), index, ttlMs, now.getTime(), now.getTime() + ttlMs, id)) === 1);
    },

    /** Idempotent: deregistering an unknown or expired instance is not an error. */
    async deregister(id: string): Promise<void> {
      await guarded(() => redis.multi().del(keyOf(id)).zrem(index, id).exec());
    },
  };
}

export type InstancesStore = ReturnType<typeof createInstancesStore>;
