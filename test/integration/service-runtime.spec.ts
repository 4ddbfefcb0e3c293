import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createClient } from '../../platform/client';
import { ConfigError, serviceConfig } from '../../platform/config';
import type { Db } from '../../platform/db';
import { OUTBOX_TABLE } from '../../platform/events/outbox';
import { startService, type RunningService } from '../../platform/service-runtime';
import { defineServiceSpec } from '../../platform/service-spec';
import { RegistryServiceService } from '../../gen/ts/shop/registry/v1/registry';
import { dropDatabases } from '../support/databases';
import { timed, until } from '../support/poll';
import { anInstance, bearer, healthClient, registryBinding, TEST_JWT_SECRET } from '../support/rpc-fixtures';
import { testConfig, testDatabase } from '../support/service-config';

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const schema = serviceConfig({ grpcPort: 0, metricsPort: 0 }).extend({ RUNTIME_TEST_DB_NAME: z.string().default('never_created') });
const noNeeds = {};

const migration = `
import type { Knex } from 'knex';
import { createOutboxTable } from ${JSON.stringify(join(__dirname, '..', '..', 'platform', 'events', 'outbox'))};
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('instances', (t) => {
    t.string('id', 64).primary();
    t.string('service_name', 64).notNullable();
  });
  await createOutboxTable(knex);
}
export async function down(): Promise<void> {}
`;

describe('platform service runtime: startService', function () {
  this.timeout(30_000);

  const database = testDatabase('platform_runtime');
  const config = testConfig(schema, { JWT_SECRET: TEST_JWT_SECRET, RUNTIME_TEST_DB_NAME: database });
  let migrations: string;
  let service: RunningService;
  let db: Db;

  before(async () => {
    migrations = mkdtempSync(join(tmpdir(), 'shopmesh-runtime-'));
    writeFileSync(join(migrations, '20261125000001_instances.ts'), migration);
    const spec = defineServiceSpec({
      name: 'runtime-test',
      config: schema,
      needs: { database: { migrationsDir: migrations }, outbox: true },
      build: (deps) => {
        db = deps.db;
        return {
          contract: registryBinding({
            // State and its event in one transaction; the commit wakes the relay.
            async register({ instance }) {
              await deps.db.transaction(async (trx) => {
                await trx('instances').insert({ id: instance!.id, service_name: instance!.serviceName });
                await deps.outbox.add(trx, 'UserRegistered', instance!.id, {
                  userId: instance!.id,
                  displayName: instance!.serviceName,
                  registeredAt: new Date(),
                });
              });
              return { instanceId: instance!.id, heartbeatIntervalSeconds: 5 };
            },
          }),
        };
      },
    });
    service = await startService(spec, config);
  });

  after(async () => {
    await service?.shutdown('test over');
    await dropDatabases(MYSQL_URL, [database]);
    rmSync(migrations, { recursive: true, force: true });
  });

  it('serves the built contracts with health SERVING and a database check on /healthz', async () => {
    const health = healthClient(service.address);
    try {
      assert.equal(await health.check(''), 'SERVING');
      assert.equal(await health.check('shop.registry.v1.RegistryService'), 'SERVING');
    } finally {
      health.close();
    }
    const response = await fetch(`http://127.0.0.1:${service.metricsPort}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as { checks: unknown[] }).checks, [{ name: 'database', critical: true, ok: true }]);
  });

  it("migrates the service's schema and publishes what a handler wrote to the outbox", async () => {
    const client = createClient(RegistryServiceService, { addresses: [service.address], deadlineMs: 3_000 });
    try {
      const id = `i-${randomUUID()}`;
      await client.register({ instance: anInstance(id, 'catalog') }, { metadata: await bearer('ops-1', []) });
      assert.deepEqual(await db('instances').where({ id }).first(), { id, service_name: 'catalog' });
      await until(
        "the runtime's relay to publish the event",
        async () => {
          const row = await db(OUTBOX_TABLE).where({ message_key: id }).first();
          return row?.published_at ? row : undefined;
        },
        { timeoutMs: 15_000 },
      );
    } finally {
      client.close();
    }
  });

  it('gives a service only the dependencies its spec declared: asking for another fails to compile', () => {
    const spec = defineServiceSpec({
      name: 'no-redis',
      config: schema,
      needs: noNeeds,
      build: (deps) => {
        // @ts-expect-error redis was not declared in needs
        void deps.redis;
        // @ts-expect-error nor a database
        void deps.db;
        // @ts-expect-error nor a callee
        void deps.clients.users;
        return { contract: registryBinding() };
      },
    });
    assert.deepEqual(spec.needs, {});
  });

  it('names a callee whose addresses are not set, before opening anything', async () => {
    const spec = defineServiceSpec({
      name: 'lonely',
      config: schema,
      needs: noNeeds,
      calls: { registry: RegistryServiceService },
      build: ({ clients }) => ({ contract: registryBinding({ listServices: (request) => clients.registry.listServices(request) }) }),
    });
    await assert.rejects(
      startService(spec, testConfig(spec.config)),
      (error: Error) => error instanceof ConfigError && /REGISTRY_ADDRESSES: lonely calls registry/.test(error.message),
    );
  });

  it('refuses, at import, a need whose setting the schema does not declare', () => {
    assert.throws(
      () =>
        defineServiceSpec({
          name: 'no-schema',
          config: schema,
          needs: { database: { migrationsDir: migrations }, consumer: true },
          build: () => ({ contract: registryBinding(), subscriptions: {} }),
        }),
      /NO_SCHEMA_DB_NAME, NO_SCHEMA_CONSUMER_GROUP/,
    );
    assert.throws(
      () => defineServiceSpec({ name: 'runtime-test', config: schema, needs: { outbox: true }, build: () => ({ contract: registryBinding() }) }),
      /needs a database/,
    );
  });

  it('fails to start, quickly, when its database cannot be reached', async () => {
    const { ms, result } = await timed(() =>
      startService(
        defineServiceSpec({
          name: 'runtime-test',
          config: schema,
          needs: { database: { migrationsDir: migrations } },
          build: () => ({ contract: registryBinding() }),
        }),
        testConfig(schema, { MYSQL_URL: 'mysql://root@127.0.0.1:3399' }),
      ),
    );
    assert.equal(result.status, 'rejected');
    assert.ok(ms < 8_000, `took ${ms} ms`);
  });

  it('closes the database when it shuts down', async () => {
    const { metricsPort } = service;
    await service.shutdown('test');
    await assert.rejects(db.raw('select 1'));
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/healthz`));
  });
});
