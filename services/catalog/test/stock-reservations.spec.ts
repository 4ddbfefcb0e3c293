import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { StockReservationStatus } from '../../../gen/ts/shop/catalog/v1/catalog';
import { Code } from '../../../platform/errors';
import { until } from '../../../test/support/poll';
import { aNewProduct, rpcError, type RunningCatalog } from './catalog-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';

describe('catalog stock reservations', function () {
  this.timeout(60_000);
  let catalog: RunningCatalog;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
  });
  after(async () => catalog?.stop());

  const productWith = async (stock: number, on: RunningCatalog = catalog) => (await on.client.createProduct(aNewProduct({ stock }), on.asAdmin)).product!;
  const stockOf = async (id: string, on: RunningCatalog = catalog) => (await on.client.getProduct({ id })).product!.stock;
  const reserve = (reservationId: string, items: { productId: string; quantity: number }[], on: RunningCatalog = catalog) =>
    on.client.reserveStock({ reservationId, items }, on.asService);
  const release = (reservationId: string, on: RunningCatalog = catalog) => on.client.releaseStock({ reservationId, reason: 'test' }, on.asService);

  it('is for services only: users, admins included, are refused', async () => {
    const { id } = await productWith(5);
    const request = { reservationId: randomUUID(), items: [{ productId: id, quantity: 1 }] };
    assert.equal((await rpcError(catalog.client.reserveStock(request))).code, Code.UNAUTHENTICATED);
    assert.equal((await rpcError(catalog.client.reserveStock(request, catalog.asCustomer))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcError(catalog.client.reserveStock(request, catalog.asAdmin))).code, Code.PERMISSION_DENIED);
    assert.equal(
      (await rpcError(catalog.client.releaseStock({ reservationId: request.reservationId, reason: '' }, catalog.asAdmin))).code,
      Code.PERMISSION_DENIED,
    );
    assert.equal(await stockOf(id), 5);
  });

  it('takes the stock of every item and answers the reservation', async () => {
    const [fries, cola] = [await productWith(5), await productWith(2)];
    const { reservation } = await reserve(randomUUID(), [
      { productId: fries.id, quantity: 2 },
      { productId: cola.id, quantity: 2 },
    ]);
    assert.equal(reservation!.status, StockReservationStatus.STOCK_RESERVATION_STATUS_RESERVED);
    assert.ok(reservation!.expiresAt!.getTime() > Date.now() + 60_000);
    assert.deepEqual([await stockOf(fries.id), await stockOf(cola.id)], [3, 0]);
  });

  it('takes nothing when one item is short, and names that product with OUT_OF_STOCK', async () => {
    const [plenty, scarce] = [await productWith(5), await productWith(1)];
    const error = await rpcError(
      reserve(randomUUID(), [
        { productId: plenty.id, quantity: 2 },
        { productId: scarce.id, quantity: 2 },
      ]),
    );
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'OUT_OF_STOCK');
    assert.ok(error.message.includes(scarce.name), error.message);
    assert.ok(!error.message.includes(plenty.name), error.message);
    assert.equal(error.details.metadata!.product_ids, scarce.id);
    assert.deepEqual(
      error.details.preconditionViolations!.map((v) => v.subject),
      [`products/${scarce.id}`],
    );
    assert.deepEqual([await stockOf(plenty.id), await stockOf(scarce.id)], [5, 1]);
  });

  it('names unknown products with NOT_FOUND', async () => {
    const missing = randomUUID();
    const error = await rpcError(reserve(randomUUID(), [{ productId: missing, quantity: 1 }]));
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.details.metadata!.missing_ids, missing);
  });

  it('answers a repeated reservation without taking the stock again', async () => {
    const { id } = await productWith(5);
    const reservationId = randomUUID();
    const first = await reserve(reservationId, [{ productId: id, quantity: 2 }]);
    const again = await Promise.all([1, 2, 3].map(() => reserve(reservationId, [{ productId: id, quantity: 2 }])));
    assert.ok(again.every((r) => r.reservation!.createdAt!.getTime() === first.reservation!.createdAt!.getTime()));
    assert.equal(await stockOf(id), 3);
  });

  it('refuses other items under an existing reservation id', async () => {
    const { id } = await productWith(5);
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId: id, quantity: 1 }]);
    const error = await rpcError(reserve(reservationId, [{ productId: id, quantity: 2 }]));
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'RESERVATION_MISMATCH');
    assert.equal(await stockOf(id), 4);
  });

  it('never oversells: 10 concurrent reservations of 1 against stock 3, exactly 3 succeed', async () => {
    const { id } = await productWith(3);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => reserve(randomUUID(), [{ productId: id, quantity: 1 }])));
    const refused = await Promise.all(results.filter((r) => r.status === 'rejected').map((r) => rpcError(Promise.reject((r as PromiseRejectedResult).reason))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    assert.deepEqual(
      refused.map((e) => e.details.reason),
      Array(7).fill('OUT_OF_STOCK'),
    );
    assert.equal(await stockOf(id), 0);
  });

  it('gives the stock back once, however often it is released', async () => {
    const { id } = await productWith(4);
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId: id, quantity: 3 }]);
    const releases = await Promise.all([1, 2, 3].map(() => release(reservationId)));
    assert.ok(releases.every((r) => r.reservation!.status === StockReservationStatus.STOCK_RESERVATION_STATUS_RELEASED));
    assert.equal(await stockOf(id), 4);
    assert.equal((await rpcError(release(randomUUID()))).code, Code.NOT_FOUND);
  });

  it('takes a released reservation again when its caller retries it', async () => {
    const { id } = await productWith(2);
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId: id, quantity: 2 }]);
    await release(reservationId);
    const { reservation } = await reserve(reservationId, [{ productId: id, quantity: 2 }]);
    assert.equal(reservation!.status, StockReservationStatus.STOCK_RESERVATION_STATUS_RESERVED);
    assert.equal(await stockOf(id), 0);
  });

  it('shows the new stock at once to reads served from the cache', async () => {
    await catalog.untilCheck('redis');
    const { id } = await productWith(6);
    assert.equal(await stockOf(id), 6);
    assert.equal(await stockOf(id), 6);
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId: id, quantity: 4 }]);
    assert.equal(await stockOf(id), 2);
    const page = await catalog.client.batchGetProducts({ ids: [id] });
    assert.equal(page.products[0].stock, 2);
    await release(reservationId);
    assert.equal(await stockOf(id), 6);
  });

  describe('with a short reservation TTL', () => {
    let quick: RunningCatalog;
    before(async () => {
      quick = await startServiceUnderTest(catalogService, {
        overrides: { CATALOG_RESERVATION_TTL_SECONDS: '1', CATALOG_RESERVATION_SWEEP_INTERVAL_MS: '100' },
      });
    });
    after(async () => quick?.stop());

    it('releases a reservation nobody confirmed once it expires', async () => {
      const { id } = await productWith(3, quick);
      const reservationId = randomUUID();
      await reserve(reservationId, [{ productId: id, quantity: 3 }], quick);
      assert.equal(await stockOf(id, quick), 0);
      await until('the expired reservation to be released', async () => (await stockOf(id, quick)) === 3, { timeoutMs: 10_000 });
      // Released as abandoned: the caller retrying it takes the stock again.
      const { reservation } = await reserve(reservationId, [{ productId: id, quantity: 3 }], quick);
      assert.equal(reservation!.status, StockReservationStatus.STOCK_RESERVATION_STATUS_RESERVED);
      assert.equal(await stockOf(id, quick), 0);
    });
  });
});
