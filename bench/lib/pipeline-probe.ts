import knex, { type Knex } from 'knex';
import { connectionFor } from '../../platform/db';
import { scrape, sumSamples } from './scrape';

/**
 * What the order pipeline costs on the wire, read from the sources
 * themselves: MariaDB's global status counters (every statement any client
 * sent, transactions committed) and the services' own counts of the requests
 * their Kafka clients sent (kafka_client_requests_total), against the orders
 * created in the same interval (orders_created_total). Counters of the whole
 * server: run it on a machine where nothing else uses the database.
 */
export function pipelineProbe(mysqlUrl: string, metricsUrls: string[]) {
  let db: Knex | undefined;
  const connection = () => {
    db ??= knex({ client: 'mysql2', connection: connectionFor(mysqlUrl), pool: { min: 0, max: 1 } });
    return db;
  };

  return {
    async read(): Promise<Record<string, number>> {
      const [rows] = await connection().raw("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit')");
      const status = Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]));
      const pages = await Promise.all(metricsUrls.map((url) => scrape(url).catch(() => '')));
      return {
        orders: pages.reduce((sum, page) => sum + sumSamples(page, 'orders_created_total'), 0),
        sqlStatements: status.Questions ?? 0,
        sqlCommits: status.Com_commit ?? 0,
        kafkaRequests: pages.reduce((sum, page) => sum + sumSamples(page, 'kafka_client_requests_total'), 0),
      };
    },
    async close(): Promise<void> {
      await db?.destroy();
    },
  };
}

/** Per order, from a probe's increase over a run. */
export function perOrder(observed: Record<string, number> | undefined): Record<string, number> {
  const orders = observed?.orders ?? 0;
  if (!observed || orders <= 0) return {};
  return {
    'SQL statements per order': observed.sqlStatements / orders,
    'SQL commits per order': observed.sqlCommits / orders,
    'Kafka requests per order': observed.kafkaRequests / orders,
  };
}
