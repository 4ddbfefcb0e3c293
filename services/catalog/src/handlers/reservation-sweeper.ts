import type { Logger } from '../../../../platform/logger';
import type { CatalogCache } from '../store/catalog-cache';
import type { StockStore } from '../store/stock-store';

/** Reservations released per sweep at most; the next sweep takes the rest. */
const BATCH = 100;

export interface ReservationSweeperOptions {
  stock: StockStore;
  cache: CatalogCache;
  intervalMs: number;
  log: Logger;
  now?: () => Date;
}

/**
 * Gives back the stock of reservations nobody confirmed before they expired:
 * the caller reserved, then crashed or lost its database before writing the
 * order, and its compensation never ran. Every instance sweeps; each release
 * re-checks the reservation under its row lock, so two sweepers (or a sweep
 * and a late OrderCreated) never give stock back twice.
 */
export function createReservationSweeper({ stock, cache, intervalMs, log, now = () => new Date() }: ReservationSweeperOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;

  /** One sweep; resolves with how many reservations it released. */
  async function sweep(): Promise<number> {
    const at = now();
    let released = 0;
    for (const id of await stock.expired(at, BATCH)) {
      const change = await stock.expire(id, at);
      if (!change) continue;
      released++;
      await cache.productsChanged(change.changedProductIds);
      log.info({ reservationId: id }, 'stock reservation expired unconfirmed: stock given back');
    }
    return released;
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().catch((error) => {
        log.warn({ err: error }, 'reservation sweep failed; retried at the next interval');
        return 0;
      });
      void running.then(schedule);
    }, intervalMs);
    // The server keeps the process alive; this timer must not.
    timer.unref();
  };

  return {
    sweep,
    start: schedule,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
