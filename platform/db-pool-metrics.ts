import { gauge } from './metrics';

/** What a connection pool reports; undefined once it is destroyed. */
export interface PoolUsage {
  used: number;
  idle: number;
  pending: number;
  max: number;
}

const pools = new Map<string, () => PoolUsage | undefined>();

/** Reports a database pool (by schema name) on /metrics; the last pool opened for a schema wins. */
export function watchPool(database: string, usage: () => PoolUsage | undefined): void {
  pools.set(database, usage);
}

function eachPool(report: (database: string, usage: PoolUsage) => void): void {
  for (const [database, usage] of pools) {
    const now = usage();
    if (now) report(database, now);
  }
}

/** Pool usage of platform/db.ts, read at scrape time; names follow OpenTelemetry's db.client.connection.* metrics. */
export const dbPoolMetrics = {
  connections: gauge('db_client_connections', 'Connections of the database pool, by state (used, idle).', ['database', 'state'], {
    collect() {
      this.reset();
      eachPool((database, { used, idle }) => {
        this.set({ database, state: 'used' }, used);
        this.set({ database, state: 'idle' }, idle);
      });
    },
  }),
  max: gauge('db_client_connections_max', 'Most connections the database pool may open.', ['database'], {
    collect() {
      this.reset();
      eachPool((database, { max }) => this.set({ database }, max));
    },
  }),
  pending: gauge('db_client_connections_pending_requests', 'Queries waiting for a free connection of the database pool.', ['database'], {
    collect() {
      this.reset();
      eachPool((database, { pending }) => this.set({ database }, pending));
    },
  }),
};
