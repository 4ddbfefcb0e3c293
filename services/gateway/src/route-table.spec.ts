import { strict as assert } from 'node:assert';
import type { DescMethod } from '@bufbuild/protobuf';
import { loadContracts, type HttpBinding } from './contracts';
import { buildRouteTable } from './route-table';

const contracts = loadContracts();
const table = buildRouteTable(contracts);
const rpc = (httpMethod: string, path: string) => {
  const matched = table.match(httpMethod, path);
  return matched && { rpc: `${matched.route.service.name}.${matched.route.method.name}`, variables: Object.fromEntries(matched.variables) };
};

describe('the route table built from the descriptor set', () => {
  it('has a route for every google.api.http annotation of every public service', () => {
    const annotated = contracts.services.flatMap((s) => s.methods.flatMap((m) => contracts.bindings(m)));
    assert.equal(table.routes.length, annotated.length);
    assert.ok(contracts.services.some((s) => s.typeName === 'shop.users.v1.UsersService'));
    assert.ok(!contracts.services.some((s) => s.typeName === 'grpc.health.v1.Health'), 'services without annotations are not public');
  });

  it('resolves paths with variables and custom verbs to their RPC', () => {
    assert.deepEqual(rpc('POST', '/v1/users'), { rpc: 'UsersService.Register', variables: {} });
    assert.deepEqual(rpc('POST', '/v1/users:login'), { rpc: 'UsersService.Login', variables: {} });
    assert.deepEqual(rpc('GET', '/v1/users/u-1'), { rpc: 'UsersService.GetUser', variables: { user_id: 'u-1' } });
    assert.deepEqual(rpc('GET', '/v1/products:batchGet?ids=a'), { rpc: 'CatalogService.BatchGetProducts', variables: {} });
    assert.deepEqual(rpc('GET', '/v1/products/p-1'), { rpc: 'CatalogService.GetProduct', variables: { id: 'p-1' } });
    assert.deepEqual(rpc('PATCH', '/v1/products/p-1'), { rpc: 'CatalogService.UpdateProduct', variables: { id: 'p-1' } });
    assert.deepEqual(rpc('POST', '/v1/orders/o-1:cancel'), { rpc: 'OrdersService.CancelOrder', variables: { order_id: 'o-1' } });
    assert.deepEqual(rpc('GET', '/v1/orders/o-1/payment'), { rpc: 'PaymentsService.GetPayment', variables: { order_id: 'o-1' } });
    assert.deepEqual(rpc('GET', '/v1/notifications:watch'), { rpc: 'NotificationsService.WatchNotifications', variables: {} });
    assert.deepEqual(rpc('GET', '/v1/services:checkAll'), { rpc: 'RegistryService.CheckAll', variables: {} });
    assert.deepEqual(rpc('GET', '/v1/services/users'), { rpc: 'RegistryService.GetService', variables: { name: 'users' } });
  });

  it('matches nothing for unknown paths, wrong methods or verbs', () => {
    assert.equal(rpc('GET', '/v1/nope'), undefined);
    assert.equal(rpc('DELETE', '/v1/users/u-1'), undefined);
    assert.equal(rpc('GET', '/v1/users:login'), undefined);
    assert.equal(rpc('POST', '/v1/orders/o-1:refund'), undefined);
    assert.equal(rpc('GET', '/'), undefined);
  });

  describe('bindings the contracts do not use yet', () => {
    const catalog = contracts.services.find((s) => s.name === 'CatalogService')!;
    const update = catalog.methods.find((m) => m.name === 'UpdateProduct')!;
    const get = catalog.methods.find((m) => m.name === 'GetProduct')!;
    const withBindings = (extra: Map<DescMethod, HttpBinding[]>) =>
      buildRouteTable({ services: [catalog], bindings: (m) => extra.get(m) ?? contracts.bindings(m) });

    it('serves additional_bindings and field bodies', () => {
      const custom = withBindings(
        new Map([
          [
            update,
            [
              { httpMethod: 'PATCH', pattern: '/v1/products/{id}', body: '*', responseBody: '' },
              { httpMethod: 'PUT', pattern: '/v1/catalog/{id}/price', body: 'price', responseBody: 'product' },
            ],
          ],
        ]),
      );
      const primary = custom.match('PATCH', '/v1/products/p-1')!;
      const additional = custom.match('PUT', '/v1/catalog/p-1/price')!;
      assert.equal(primary.route.bindingIndex, 0);
      assert.equal(additional.route.method, update);
      assert.equal(additional.route.bindingIndex, 1);
      assert.deepEqual(
        (additional.route.body as { name: string }[]).map((f) => f.name),
        ['price'],
      );
      assert.deepEqual(
        additional.route.responseBody!.map((f) => f.name),
        ['product'],
      );
    });

    it('refuses, at start-up, templates and bodies naming fields the request lacks, and duplicate routes', () => {
      assert.throws(
        () => withBindings(new Map([[get, [{ httpMethod: 'GET', pattern: '/v1/products/{sku}', body: '', responseBody: '' }]]])),
        /"sku" is not a field/,
      );
      assert.throws(() => withBindings(new Map([[update, [{ httpMethod: 'PUT', pattern: '/v1/x/{id}', body: 'nope', responseBody: '' }]]])), /body "nope"/);
      assert.throws(() => withBindings(new Map([[get, [{ httpMethod: 'PATCH', pattern: '/v1/products/{id}', body: '', responseBody: '' }]]])), /same route/);
    });
  });
});
