import { strict as assert } from 'node:assert';
import { loadContracts } from './contracts';
import { buildOpenApi, openApiPath } from './openapi';
import { buildRouteTable } from './route-table';

const contracts = loadContracts();
const routes = buildRouteTable(contracts).routes;
const doc = buildOpenApi(routes, contracts.registry, { title: 't', version: '1' }) as any;
const op = (method: string, path: string) => doc.paths[path]?.[method];
const schema = (name: string) => doc.components.schemas[name];

describe('the OpenAPI document generated from the descriptors', () => {
  it('has an operation for every REST route, named after its RPC', () => {
    for (const route of routes) {
      const operation = op(route.httpMethod.toLowerCase(), openApiPath(route.pattern));
      assert.ok(operation, `${route.httpMethod} ${route.pattern}`);
      assert.equal(operation.operationId, `${route.service.name}_${route.method.name}`);
    }
    assert.equal(doc.openapi, '3.1.0');
  });

  it('lists path parameters and, for the remaining fields, query parameters in camelCase', () => {
    const getUser = op('get', '/v1/users/{user_id}');
    assert.deepEqual(
      getUser.parameters.map((p: any) => [p.name, p.in, p.required]),
      [['user_id', 'path', true]],
    );
    const list = op('get', '/v1/products');
    assert.deepEqual(
      list.parameters.map((p: any) => p.name),
      ['pageSize', 'pageToken', 'category', 'query'],
    );
    assert.deepEqual(list.parameters[0].schema, { type: 'integer', format: 'int32' });
    assert.match(list.parameters[0].description, /at most 100/);
    const batch = op('get', '/v1/products:batchGet');
    assert.deepEqual(batch.parameters[0], {
      name: 'ids',
      in: 'query',
      required: false,
      description: '1-100 ids.',
      schema: { type: 'array', items: { type: 'string' } },
      style: 'form',
      explode: true,
    });
  });

  it('describes bodies with the request message, minus the fields the path binds', () => {
    assert.deepEqual(op('post', '/v1/users').requestBody.content['application/json'].schema, { $ref: '#/components/schemas/shop.users.v1.RegisterRequest' });
    const update = op('patch', '/v1/products/{id}').requestBody.content['application/json'].schema;
    assert.equal(update.type, 'object');
    assert.ok(!('id' in update.properties) && 'name' in update.properties);
    assert.equal(op('post', '/v1/orders/{order_id}:cancel').parameters[0].name, 'order_id');
    assert.equal(op('get', '/v1/products').requestBody, undefined);
  });

  it('gives responses and errors their schemas: messages, google.rpc.Status, streams', () => {
    assert.deepEqual(op('get', '/v1/products/{id}').responses[200].content['application/json'].schema, {
      $ref: '#/components/schemas/shop.catalog.v1.GetProductResponse',
    });
    assert.deepEqual(op('get', '/v1/products/{id}').responses.default.content['application/json'].schema, { $ref: '#/components/schemas/google.rpc.Status' });
    const watch = op('get', '/v1/notifications:watch').responses[200].content;
    assert.deepEqual(Object.keys(watch), ['text/event-stream', 'application/x-ndjson']);
  });

  it('maps fields to their proto3 JSON types, with behaviours and comments', () => {
    const product = schema('shop.catalog.v1.Product');
    assert.deepEqual(product.properties.id, { type: 'string', readOnly: true });
    assert.deepEqual(product.properties.tags, { type: 'array', items: { type: 'string' } });
    assert.deepEqual(product.properties.price, { $ref: '#/components/schemas/shop.common.v1.Money' });
    assert.deepEqual(product.properties.createdAt, { type: 'string', format: 'date-time', readOnly: true });
    assert.deepEqual(schema('shop.common.v1.Money').properties.amountMinor, {
      type: 'string',
      format: 'int64',
      description: 'Amount in minor units: 1250 with "EUR" is 12.50 EUR.',
    });
    assert.deepEqual(schema('shop.users.v1.RegisterRequest').required, ['email', 'password', 'displayName']);
    assert.deepEqual(schema('shop.users.v1.Role').enum, ['ROLE_UNSPECIFIED', 'ROLE_CUSTOMER', 'ROLE_ADMIN']);
    assert.equal(schema('google.rpc.Status').properties.details.items.properties['@type'].type, 'string');
    assert.match(op('post', '/v1/users:login').description, /JWT/);
  });

  it('references only schemas it defines', () => {
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[\w.]+/g) ?? [];
    for (const ref of new Set(refs)) assert.ok(schema(ref.split('/').pop()!), ref);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  it('names multi-segment variables by their field only', () => {
    assert.equal(openApiPath('/v1/{name=shelves/*}/books/{book_id}:undelete'), '/v1/{name}/books/{book_id}:undelete');
  });
});
