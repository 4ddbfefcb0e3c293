import type { Db } from '../db';
import type { Logger } from '../logger';
import { eventMetrics } from './event-metrics';
import { OUTBOX_TABLE } from './outbox';
import { PROCESSED_EVENTS_TABLE } from './processed-events';

export interface RetentionOptions {
  db: Db;
  log: Logger;
  service: string;
  /** Published outbox rows older than this go; undefined when the service has no outbox. */
  outboxHours?: number;
  /** Claims older than this go (the dedup window); undefined when the service consumes nothing. */
  processedEventsHours?: number;
  intervalSeconds: number;
  /** Rows per DELETE: small, so each statement holds its locks for moments and writers never queue behind it. */
  batchSize?: number;
}

/**
 * Keeps the outbox and processed_events bounded. Each table is purged by age
 * through its time index, a few hundred rows per statement, until nothing old
 * is left; several instances may purge at once (they delete disjoint or
 * already-deleted rows). Returns a stop function.
 */
export function startRetentionPurge({ db, log, service, outboxHours, processedEventsHours, intervalSeconds, batchSize = 500 }: RetentionOptions): {
  stop(): Promise<void>;
  runOnce(): Promise<number>;
} {
  const tables = [
    outboxHours === undefined ? undefined : { table: OUTBOX_TABLE, column: 'published_at', hours: outboxHours },
    processedEventsHours === undefined ? undefined : { table: PROCESSED_EVENTS_TABLE, column: 'processed_at', hours: processedEventsHours },
  ].filter((t): t is { table: string; column: string; hours: number } => t !== undefined);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function purge(): Promise<number> {
    let total = 0;
    for (const { table, column, hours } of tables) {
      const cutoff = new Date(Date.now() - hours * 3_600_000);
      for (;;) {
        if (stopped) return total;
        const deleted: number = await db(table).where(column, '<', cutoff).limit(batchSize).del();
        total += deleted;
        if (deleted > 0) eventMetrics.purged.inc({ service, table }, deleted);
        if (deleted < batchSize) break;
      }
    }
    return total;
  }

  function schedule() {
    if (stopped || intervalSeconds <= 0 || tables.length === 0) return;
    timer = setTimeout(() => {
      running = purge()
        .catch((error) => {
          log.warn({ err: error }, 'retention purge failed; next try at the next interval');
          return 0;
        })
        .finally(schedule);
    }, intervalSeconds * 1_000);
    timer.unref();
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    runOnce: purge,
  };
}
