import assert from 'node:assert/strict';
import Redis from 'ioredis';
import type { Tokens } from '../../../platform/auth';
import { startCallReporting } from '../../../platform/call-reporting';
import { createClient, type CallOptions, type TypedClient } from '../../../platform/client';
import { Code } from '../../../platform/errors';
import { createLogger } from '../../../platform/logger';
import { CallSource, DiscoveryOutcome, RegistryServiceService } from '../../../gen/ts/shop/registry/v1/registry';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { catalogService } from '../../catalog/src/service';
import { until } from '../../../test/support/poll';
import { rpcErrorOf } from '../../../test/support/rpc-error';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { registryService } from '../src/service';
import { startOutsideService, type OutsideService } from './outside-service';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIST_PRODUCTS = 'shop.catalog.v1.CatalogService/ListProducts';
const ECHO = 'outside.echo.v1.EchoService';

/**
 * The registry as an operator's tool (issue 17): calling any method of a
 * registered service as JSON (catalog, in this process, registered by
 * itself) and of a server outside the platform that the registry discovered
 * from its static addresses (no registration, no generated code anywhere),
 * the call log, sampled calls between services, and the metrics of the
 * catalog itself. Real Redis, MariaDB and gRPC.
 */
describe('registry: calls through the catalog, the call log and discovery', function () {
  this.timeout(60_000);

  const prefix = `test-registry-calls-${Date.now().toString(36)}:`;
  let tokens: Tokens;
  let asAdmin: CallOptions;
  let asCustomer: CallOptions;
  let asService: CallOptions;
  let outside: OutsideService;
  let registry: ServiceUnderTest<typeof registryService>;
  let catalog: ServiceUnderTest<typeof catalogService>;
  let client: TypedClient<typeof RegistryServiceService>;

  before(async () => {
    outside = await startOutsideService();
    registry = await startServiceUnderTest(registryService, {
      overrides: {
        REGISTRY_KEY_PREFIX: prefix,
        REGISTRY_HEARTBEAT_INTERVAL_SECONDS: '1',
        REGISTRY_PROBE_TIMEOUT_MS: '5000', // under the whole suite, a first connection and reflection can take seconds
        REGISTRY_CALL_MAX_MESSAGES: '50',
        REGISTRY_DISCOVERY_ADDRESSES: `echo=${outside.address}`,
      },
      deadlineMs: 10_000,
    });
    ({ client, tokens, asCustomer } = registry);
    [asAdmin, asService] = [await registry.as('admin-1', ['admin']), await registry.asServiceForRegistry('orders')];
    // Sampling is off in the services: this spec starts a reporter of its own (one per process).
    catalog = await startServiceUnderTest(catalogService, { overrides: { REGISTRY_ADDRESSES: registry.address, REGISTRY_CALL_SAMPLE_RATE: '0' } });
    await until(
      'catalog registered and echo discovered',
      async () => {
        const { services } = await client.listServices({}, asAdmin);
        return ['catalog', 'echo'].every((name) => services.some((s) => s.name === name && s.instances[0]?.methods.length));
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  });

  after(async () => {
    await catalog?.stop();
    await registry?.stop();
    await outside?.stop();
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  const call = (serviceName: string, method: string, request: Record<string, unknown> = {}, extra: object = {}, options: CallOptions | undefined = asAdmin) =>
    client.callMethod({ serviceName, method, request, instanceId: '', timeoutMs: 0, maxMessages: 0, ...extra }, options);

  it('discovers the static addresses at start and lists the server like any other, marked discovered', async () => {
    const echo = (await client.getService({ name: 'echo' }, asAdmin)).service!.instances;
    assert.equal(echo.length, 1);
    assert.equal(echo[0].address, outside.address);
    assert.equal(echo[0].discovered, true);
    assert.deepEqual(echo[0].methods, [`${ECHO}/Collect`, `${ECHO}/Count`, `${ECHO}/Echo`]);
    const [catalogInstance] = (await client.getService({ name: 'catalog' }, asAdmin)).service!.instances;
    assert.equal(catalogInstance.discovered, false);
  });

  it("calls a method of a registered service with the caller's credentials, request and answer as JSON", async () => {
    // CreateProduct is admin-only in catalog: it succeeds only because the admin's token was forwarded.
    const created = await call('catalog', 'shop.catalog.v1.CatalogService/CreateProduct', {
      name: 'Registry Mug',
      category: 'kitchen',
      price: { currencyCode: 'EUR', amountMinor: '1250' },
      stock: 3,
    });
    const product = created.response!.product as { id: string; price: { amountMinor: string } };
    assert.equal(product.price.amountMinor, '1250');
    assert.equal(created.instanceId, catalog.service.registration!.instanceId);
    const fetched = await call('catalog', 'shop.catalog.v1.CatalogService/GetProduct', { id: product.id });
    assert.equal((fetched.response!.product as { name: string }).name, 'Registry Mug');
    const listed = await call('catalog', LIST_PRODUCTS, { pageSize: 5 });
    assert.ok(Array.isArray(listed.response!.products), JSON.stringify(listed.response));
    assert.ok(listed.latencyMs > 0);
    // A customer's token forwarded through an admin's call would not do: the admin's own is what catalog saw.
    const asCustomerThroughCatalog = await rpcErrorOf(
      createClient(CatalogServiceService, { addresses: [catalog.address], deadlineMs: 2_000 }).createProduct(
        { name: 'x', description: '', category: 'kitchen', price: { currencyCode: 'EUR', amountMinor: '1' }, stock: 1, tags: [], imageUrl: '' },
        asCustomer,
      ),
    );
    assert.equal(asCustomerThroughCatalog.code, Code.PERMISSION_DENIED);
  });

  it("answers the service's own status with its details when the call fails", async () => {
    const error = await rpcErrorOf(call('catalog', 'shop.catalog.v1.CatalogService/GetProduct', { id: '00000000-0000-4000-8000-000000000000' }));
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.details.resource?.type, 'product');
    const failed = await rpcErrorOf(call('echo', `${ECHO}/Echo`, { text: 'fail' }));
    assert.equal(failed.code, Code.FAILED_PRECONDITION);
    assert.equal(failed.message, 'asked to fail');
  });

  it("calls a discovered server from its reflected descriptors, and never hands it the caller's token", async () => {
    const answer = await call('echo', `${ECHO}/Echo`, { text: 'ab', times: '3' });
    assert.deepEqual(answer.response, { text: 'ababab' });
    assert.deepEqual(outside.authorizations, [], 'no bearer token reached the third-party server');
  });

  it('returns the messages of a server stream, cut at max_messages or at the deadline', async () => {
    const whole = await call('echo', `${ECHO}/Count`, { to: 4 });
    assert.deepEqual(whole.messages, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    assert.equal(whole.truncated, false);
    const capped = await call('echo', `${ECHO}/Count`, { to: 1000 }, { maxMessages: 3 });
    assert.deepEqual(capped.messages, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(capped.truncated, true);
    const slow = await call('echo', `${ECHO}/Count`, { to: 1000, intervalMs: 200 }, { timeoutMs: 500 });
    assert.ok(slow.truncated && slow.messages.length >= 1 && slow.messages.length <= 4, JSON.stringify(slow));
  });

  it('refuses client and bidi streaming methods with a clear error', async () => {
    const error = await rpcErrorOf(call('echo', `${ECHO}/Collect`));
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.equal(error.details.fieldViolations?.[0].field, 'method');
    assert.match(error.details.fieldViolations![0].description, /client streaming/);
  });

  it('answers bad input with INVALID_ARGUMENT or NOT_FOUND and details, never INTERNAL', async () => {
    const cases: [() => Promise<unknown>, Code, string][] = [
      [() => call('nobody', LIST_PRODUCTS), Code.NOT_FOUND, 'SERVICE_NOT_FOUND'],
      [() => call('catalog', 'shop.catalog.v1.CatalogService/NoSuchMethod'), Code.NOT_FOUND, 'METHOD_NOT_FOUND'],
      [() => call('echo', LIST_PRODUCTS), Code.NOT_FOUND, 'METHOD_NOT_FOUND'],
      [() => call('catalog', LIST_PRODUCTS, {}, { instanceId: 'not-an-instance' }), Code.NOT_FOUND, 'INSTANCE_NOT_FOUND'],
      [() => call('catalog', LIST_PRODUCTS, { pageSize: 'many' }), Code.INVALID_ARGUMENT, 'request'],
      [() => call('catalog', LIST_PRODUCTS, { noSuchField: 1 }), Code.INVALID_ARGUMENT, 'request'],
      [() => call('catalog', 'ListProducts'), Code.INVALID_ARGUMENT, 'method'],
      [() => call('Not A Service', LIST_PRODUCTS), Code.INVALID_ARGUMENT, 'service_name'],
      [() => call('catalog', LIST_PRODUCTS, {}, { timeoutMs: 10_000_000 }), Code.INVALID_ARGUMENT, 'timeout_ms'],
      [() => call('echo', `${ECHO}/Count`, {}, { maxMessages: 51 }), Code.INVALID_ARGUMENT, 'max_messages'],
    ];
    for (const [attempt, code, detail] of cases) {
      const error = await rpcErrorOf(attempt());
      assert.equal(Code[error.code], Code[code], `${detail}: ${error.message}`);
      const named = error.details.reason === detail || error.details.fieldViolations?.some((v) => v.field === detail);
      assert.ok(named, `${detail} in ${JSON.stringify(error.details)}`);
    }
  });

  it('lets only admins call, read the log and discover: not anonymous callers, customers or services', async () => {
    for (const [options, code] of [
      [undefined, Code.UNAUTHENTICATED],
      [asCustomer, Code.PERMISSION_DENIED],
      [asService, Code.PERMISSION_DENIED],
    ] as const) {
      assert.equal((await rpcErrorOf(call('catalog', LIST_PRODUCTS, {}, {}, options ?? {}))).code, code);
      assert.equal(
        (await rpcErrorOf(client.listCalls({ serviceName: 'catalog', pageSize: 0, pageToken: '', method: '', statusCode: '' }, options ?? {}))).code,
        code,
      );
      assert.equal((await rpcErrorOf(client.discoverServices({ targets: [] }, options ?? {}))).code, code);
    }
  });

  it('logs every call made through it, newest first, without bodies, paged and filtered', async () => {
    const before = Date.now();
    await call('catalog', LIST_PRODUCTS, { pageSize: 1 });
    await rpcErrorOf(call('catalog', 'shop.catalog.v1.CatalogService/GetProduct', { id: '00000000-0000-4000-8000-000000000001' }));
    const list = (extra: object = {}) =>
      client.listCalls({ serviceName: 'catalog', pageSize: 0, pageToken: '', method: '', statusCode: '', ...extra }, asAdmin);
    const { calls } = await list();
    const [newest, previous] = calls;
    assert.equal(newest.method, 'shop.catalog.v1.CatalogService/GetProduct');
    assert.equal(newest.statusCode, 'NOT_FOUND');
    assert.equal(previous.method, LIST_PRODUCTS);
    assert.equal(previous.statusCode, 'OK');
    for (const entry of [newest, previous]) {
      assert.equal(entry.caller, 'admin-1');
      assert.equal(entry.source, CallSource.CALL_SOURCE_REGISTRY);
      assert.equal(entry.instanceId, catalog.service.registration!.instanceId);
      assert.ok(entry.latencyMs > 0 && entry.time!.getTime() >= before - 1);
      assert.doesNotMatch(JSON.stringify(entry), /Bearer|0000-4000-8000|pageSize/, 'no token and no request body in the log');
    }
    // Paging walks the whole log once, in order.
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await list({ pageSize: 2, pageToken });
      seen.push(...page.calls.map((c) => c.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(
      seen,
      calls.map((c) => c.id),
    );
    const notFound = await list({ statusCode: 'NOT_FOUND' });
    assert.ok(notFound.calls.length >= 2 && notFound.calls.every((c) => c.statusCode === 'NOT_FOUND'));
    const listProducts = await list({ method: LIST_PRODUCTS });
    assert.ok(listProducts.calls.length >= 2 && listProducts.calls.every((c) => c.method === LIST_PRODUCTS));
    for (const bad of [{ statusCode: 'NOPE' }, { method: 'nope' }, { pageToken: 'garbage' }, { pageSize: 1000 }]) {
      assert.equal((await rpcErrorOf(list(bad))).code, Code.INVALID_ARGUMENT, JSON.stringify(bad));
    }
  });

  it('logs a sample of the calls between services that the platform reports', async () => {
    const reporting = startCallReporting({
      registryAddresses: [registry.address],
      serviceName: 'orders',
      tokens,
      sampleRate: 1,
      deadlineMs: 2_000,
      flushMs: 100,
      log: createLogger('reporting-test', 'silent'),
    });
    assert.ok(reporting, 'no other reporter runs in this process');
    const catalogClient = createClient(CatalogServiceService, { addresses: [catalog.address], deadlineMs: 2_000 });
    try {
      await catalogClient.listCategories({});
      await until(
        'the sampled call is in the log',
        async () => {
          const { calls } = await client.listCalls({ serviceName: 'catalog', pageSize: 0, pageToken: '', method: '', statusCode: '' }, asAdmin);
          const sampled = calls.find((c) => c.source === CallSource.CALL_SOURCE_SAMPLED);
          return sampled?.method === 'shop.catalog.v1.CatalogService/ListCategories' && sampled.caller === 'service:orders' && sampled.statusCode === 'OK';
        },
        { timeoutMs: 5_000 },
      );
    } finally {
      catalogClient.close();
      await reporting!.stop();
    }
  });

  it('refuses reports that are not from a service, or out of bounds', async () => {
    const report = {
      calls: [{ contract: 'shop.catalog.v1.CatalogService', method: 'ListCategories', statusCode: 'OK', latencyMs: 1, time: new Date(), traceId: '' }],
    };
    assert.equal((await rpcErrorOf(client.reportCalls(report, asAdmin))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcErrorOf(client.reportCalls(report, asCustomer))).code, Code.PERMISSION_DENIED);
    const bad = await rpcErrorOf(client.reportCalls({ calls: [{ ...report.calls[0], statusCode: 'SHINY', latencyMs: -1 }] }, asService));
    assert.deepEqual(
      bad.details.fieldViolations?.map((v) => v.field),
      ['calls[0].status_code', 'calls[0].latency_ms'],
    );
    assert.deepEqual(await client.reportCalls({ calls: [{ ...report.calls[0], contract: 'nobody.v1.Serves' }] }, asService), { accepted: 0 });
  });

  it('discovers addresses on request: what answers is registered, the rest reported', async () => {
    const another = await startOutsideService();
    try {
      const { results } = await client.discoverServices(
        {
          targets: [
            { address: another.address, name: '', metricsPort: 0 },
            { address: '127.0.0.1:1', name: 'ghost', metricsPort: 0 },
            { address: catalog.address, name: '', metricsPort: 0 },
          ],
        },
        asAdmin,
      );
      assert.deepEqual(
        results.map((r) => [r.address, DiscoveryOutcome[r.outcome], r.serviceName]),
        [
          [another.address, 'DISCOVERY_OUTCOME_REGISTERED', 'echo'],
          ['127.0.0.1:1', 'DISCOVERY_OUTCOME_UNREACHABLE', ''],
          [catalog.address, 'DISCOVERY_OUTCOME_ALREADY_REGISTERED', 'catalog'],
        ],
      );
      assert.equal((await client.getService({ name: 'echo' }, asAdmin)).service!.instances.length, 2);
      const bad = await rpcErrorOf(client.discoverServices({ targets: [{ address: 'not an address', name: 'Bad Name', metricsPort: 70_000 }] }, asAdmin));
      assert.deepEqual(
        bad.details.fieldViolations?.map((v) => v.field),
        ['targets[0].address', 'targets[0].name', 'targets[0].metrics_port'],
      );
    } finally {
      await another.stop();
    }
  });

  it('keeps a discovered server while it answers: the registry heart-beats it past its TTL', async () => {
    const id = (await client.getService({ name: 'echo' }, asAdmin)).service!.instances.find((i) => i.address === outside.address)!.id;
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const still = (await client.getService({ name: 'echo' }, asAdmin)).service!.instances;
    assert.ok(
      still.some((i) => i.id === id),
      'still registered after 3 heartbeat intervals',
    );
  });

  it('exposes metrics of the catalog: instances by service and health, calls made through it, Redis', async () => {
    await client.checkAll({});
    const text = await (await fetch(`http://127.0.0.1:${registry.service.metricsPort}/metrics`)).text();
    assert.match(text, /registry_instances\{[^}]*registry_service="catalog",health="HEALTH_STATUS_SERVING"[^}]*\} 1/);
    assert.match(text, /registry_proxy_calls_total\{[^}]*registry_service="catalog",result="OK"[^}]*\} \d+/);
    assert.match(text, /registry_proxy_calls_total\{[^}]*registry_service="catalog",result="NOT_FOUND"[^}]*\} \d+/);
    assert.match(text, /registry_redis_up\{[^}]*\} 1/);
  });
});
