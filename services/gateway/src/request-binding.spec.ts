import { strict as assert } from 'node:assert';
import { toJson, type DescMethod } from '@bufbuild/protobuf';
import { loadContracts, type HttpBinding } from './contracts';
import { buildRequests, parseQuery, resolveBindings, UnknownQueryParameter, type BindingOptions } from './request-binding';
import { buildRouteTable } from './route-table';

const contracts = loadContracts();
const table = buildRouteTable(contracts);
const { registry } = contracts;

/** envoy/envoy.yaml's request-side settings. */
const envoyOptions: BindingOptions = {
  ignoredQueryParameters: new Set(),
  ignoreUnknownQueryParameters: false,
  rejectBindingBodyFieldCollisions: true,
  queryParamUnescapePlus: true,
  caseInsensitiveEnumParsing: false,
};

/** The request an HTTP call becomes, as proto3 JSON (zero values omitted). */
function bind(httpMethod: string, url: string, body?: unknown, routes = table, options: Partial<BindingOptions> = {}) {
  const match = routes.match(httpMethod, url);
  assert.ok(match, `${httpMethod} ${url} should match`);
  const raw = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const all = { ...envoyOptions, ...options };
  const [message] = buildRequests(match, resolveBindings(match, url.split('?')[1] ?? '', all), raw, 'application/json', all, registry);
  return toJson(match.route.method.input, message, { registry });
}
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: any) => error.code === 3 && pattern.test(error.rawMessage), `expected INVALID_ARGUMENT matching ${pattern}`);

describe('binding REST requests to gRPC messages', () => {
  it('reads a body: "*" with the library\'s proto3 JSON mapping, dropping unknown fields like Envoy', () => {
    assert.deepEqual(bind('POST', '/v1/users', { email: 'a@b.c', password: 'pw', display_name: 'Ada', unknownField: 1 }), {
      email: 'a@b.c',
      password: 'pw',
      displayName: 'Ada',
    });
    assert.deepEqual(bind('POST', '/v1/users:login', ''), {});
  });

  it('binds path variables and query parameters by camelCase or snake_case name', () => {
    assert.deepEqual(bind('GET', '/v1/users/u%201'), { userId: 'u 1' });
    assert.deepEqual(bind('GET', '/v1/products?pageSize=5&category=burgers&page_token=t'), { pageSize: 5, category: 'burgers', pageToken: 't' });
    assert.deepEqual(bind('GET', '/v1/products?query=vegan+burger'), { query: 'vegan burger' });
  });

  it('collects a repeated field from repeated query parameters', () => {
    assert.deepEqual(bind('GET', '/v1/products:batchGet?ids=a&ids=b&ids=c'), { ids: ['a', 'b', 'c'] });
    assert.deepEqual(bind('GET', '/v1/recommendations:boughtTogether?productIds=a&product_ids=b&limit=3'), { productIds: ['a', 'b'], limit: 3 });
  });

  it('merges the path into a body: "*" request', () => {
    assert.deepEqual(bind('PATCH', '/v1/products/p-1', { name: 'New', stock: 3, price: { currencyCode: 'EUR', amountMinor: '1250' } }), {
      id: 'p-1',
      name: 'New',
      stock: 3,
      price: { currencyCode: 'EUR', amountMinor: '1250' },
    });
    assert.deepEqual(bind('POST', '/v1/orders/o-1:cancel', { reason: 'changed my mind' }), { orderId: 'o-1', reason: 'changed my mind' });
  });

  it('refuses a field the URL and the body set differently (reject_binding_body_field_collisions), accepts the same value', () => {
    refused(() => bind('PATCH', '/v1/products/p-1', { id: 'p-2' }), /is conflicting with the value "p-2" in the body/);
  });

  it("lets the body win a collision when collisions are not rejected (Envoy's default)", () => {
    assert.deepEqual(bind('PATCH', '/v1/products/p-1', { id: 'p-2' }, table, { rejectBindingBodyFieldCollisions: false }), { id: 'p-2' });
    assert.deepEqual(bind('PATCH', '/v1/products/p-1', { id: 'p-1', stock: 1 }), { id: 'p-1', stock: 1 });
  });

  it('refuses malformed JSON, wrong types and unknown query parameters with INVALID_ARGUMENT', () => {
    refused(() => bind('POST', '/v1/users', '{"email":'), /JSON body/);
    refused(() => bind('POST', '/v1/users', '[1, 2]'), /cannot decode message shop.users.v1.RegisterRequest/);
    refused(() => bind('POST', '/v1/users', { email: 42 }), /RegisterRequest.email.*expected string/);
    refused(() => bind('PATCH', '/v1/products/p-1', { stock: 'many' }), /UpdateProductRequest.stock/);
    refused(() => bind('GET', '/v1/name-suggestions?count=abc'), /SuggestNamesRequest.count/);
    refused(() => bind('GET', '/v1/name-suggestions?count=99999999999'), /out of range/);
    assert.throws(
      () => bind('GET', '/v1/products?color=red'),
      (e) => e instanceof UnknownQueryParameter && /Could not find field "color"/.test(e.message),
    );
    refused(() => bind('POST', '/v1/users?email=x', { email: 'y' }), /conflicting/);
  });

  it('takes the last value of a singular field given twice in the URL, as the proto wire format does', () => {
    assert.deepEqual(bind('GET', '/v1/products?pageSize=1&pageSize=2'), { pageSize: 2 });
    assert.deepEqual(bind('GET', '/v1/users/u-1?userId=u-2'), { userId: 'u-2' });
  });

  it('skips ignored and (when told) unknown query parameters', () => {
    assert.deepEqual(bind('GET', '/v1/products?api_key=k&pageSize=1', undefined, table, { ignoredQueryParameters: new Set(['api_key']) }), { pageSize: 1 });
    assert.deepEqual(bind('GET', '/v1/products?colour=red&pageSize=1', undefined, table, { ignoreUnknownQueryParameters: true }), { pageSize: 1 });
  });

  it('refuses invalid UTF-8 and unknown enum names with INVALID_ARGUMENT; enum case only with case_insensitive_enum_parsing', () => {
    refused(() => bind('POST', '/v1/users', Buffer.from([0x7b, 0x22, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), /non UTF-8/);
  });

  it('keeps "+" literal unless query_param_unescape_plus', () => {
    assert.deepEqual(bind('GET', '/v1/products?query=vegan+burger', undefined, table, { queryParamUnescapePlus: false }), { query: 'vegan+burger' });
    assert.deepEqual(bind('GET', '/v1/products?query=vegan%20burger%2B', undefined, table, { queryParamUnescapePlus: false }), { query: 'vegan burger+' });
  });

  it('ignores a body on a route without a body mapping, like Envoy', () => {
    assert.deepEqual(bind('GET', '/v1/name-suggestions?count=2', '{not json'), { count: 2 });
  });

  it('reads a field body and nested query parameters (bindings the contracts may use)', () => {
    const catalog = contracts.services.find((s) => s.name === 'CatalogService')!;
    const update = catalog.methods.find((m) => m.name === 'UpdateProduct')!;
    const routes = buildRouteTable({
      services: [catalog],
      bindings: (m: DescMethod): HttpBinding[] =>
        m === update ? [{ httpMethod: 'PUT', pattern: '/v1/products/{id}/price', body: 'price', responseBody: '' }] : [],
    });
    assert.deepEqual(bind('PUT', '/v1/products/p-1/price?stock=4', { currencyCode: 'EUR', amountMinor: 990 }, routes), {
      id: 'p-1',
      price: { currencyCode: 'EUR', amountMinor: '990' },
      stock: 4,
    });
    assert.deepEqual(bind('PUT', '/v1/products/p-1/price?price.currencyCode=USD', undefined, routes), { id: 'p-1', price: { currencyCode: 'USD' } });
    assert.deepEqual(bind('PUT', '/v1/products/p-1/price?replaceTags=true&tags=a&tags=b', undefined, routes), {
      id: 'p-1',
      tags: ['a', 'b'],
      replaceTags: true,
    });
    refused(() => bind('PUT', '/v1/products/p-1/price?replaceTags=yes', undefined, routes), /expects true or false/);
  });

  it('reads query strings like Envoy: "+" is a space, a name without "=" is ignored', () => {
    assert.deepEqual(parseQuery('a=1&flag&=x&b=x+y%21&c=%zz'), [
      ['a', '1'],
      ['b', 'x y!'],
      ['c', '%zz'],
    ]);
    assert.deepEqual(parseQuery('page%5Fsize=1'), [['page%5Fsize', '1']], 'names are field paths, taken as written');
  });
});
