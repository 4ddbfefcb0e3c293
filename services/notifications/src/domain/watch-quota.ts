import { Code, RpcError } from '../../../../platform/errors';

export interface WatchLimits {
  /** Live watches one user may hold on one instance (tabs, devices). */
  perUser: number;
  /** Live watches on one instance: each holds a stream, memory and a Redis subscription. */
  total: number;
}

const exhausted = (message: string, reason: string) => new RpcError(Code.RESOURCE_EXHAUSTED, message, { reason });

/**
 * Counts live watches so one user, or everyone together, cannot hold open
 * more streams than an instance can serve. `acquire` throws
 * RESOURCE_EXHAUSTED beyond a limit and returns the release to call when the
 * stream ends, however it ends.
 */
export function createWatchQuota(limits: WatchLimits) {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    acquire(userId: string): () => void {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= limits.perUser) throw exhausted(`at most ${limits.perUser} live watches per user; close another one first`, 'TOO_MANY_WATCHES');
      if (total >= limits.total) throw exhausted('this server holds as many live watches as it can; retry later', 'WATCH_CAPACITY_REACHED');
      byUser.set(userId, mine + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left > 0) byUser.set(userId, left);
        else byUser.delete(userId);
      };
    },
    get total() {
      return total;
    },
  };
}

export type WatchQuota = ReturnType<typeof createWatchQuota>;
