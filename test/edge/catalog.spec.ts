import { strict as assert } from 'node:assert';
import { adminToken, assertStatus, newCustomer, useEdge, violatedFields, type Edge } from './edge-client';

describe('edge REST: catalog', function () {
  this.timeout(180_000);
  let edge: Edge;
  let admin: string;

  before(async () => {
    edge = await useEdge();
    admin = await adminToken(edge);
  });

  it('GET /v1/products pages with query parameters, camelCase or snake_case', async () => {
    const first = await edge.request('GET', '/v1/products?pageSize=2&category=burgers');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.products.length, 2);
    assert.ok(first.json.products.every((p: any) => p.category === 'burgers'));
    assert.equal(typeof first.json.products[0].price.amountMinor, 'string', 'int64 is a string in proto3 JSON');
    assert.ok(first.json.nextPageToken);
    const next = await edge.request('GET', `/v1/products?page_size=2&category=burgers&page_token=${encodeURIComponent(first.json.nextPageToken)}`);
    assert.equal(next.status, 200, next.text);
    assert.notEqual(next.json.products[0].id, first.json.products[0].id);
  });

  it('GET /v1/products searches with a query ("+" is a space)', async () => {
    const response = await edge.request('GET', '/v1/products?query=black+bean');
    assert.equal(response.status, 200, response.text);
    assert.ok(response.json.products.some((p: any) => /Black Bean/.test(p.name)));
  });

  it('GET /v1/products/{id} and GET /v1/products:batchGet with repeated ids', async () => {
    const list = await edge.request('GET', '/v1/products?pageSize=3');
    const ids: string[] = list.json.products.map((p: any) => p.id);
    const one = await edge.request('GET', `/v1/products/${ids[0]}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.product.id, ids[0]);
    const batch = await edge.request('GET', `/v1/products:batchGet?${ids.map((id) => `ids=${id}`).join('&')}`);
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(
      batch.json.products.map((p: any) => p.id),
      ids,
    );
  });

  it('GET /v1/categories', async () => {
    const response = await edge.request('GET', '/v1/categories');
    assert.equal(response.status, 200, response.text);
    assert.ok(response.json.categories.some((c: any) => c.slug === 'pizzas' && c.productCount > 0));
  });

  it('POST /v1/products and PATCH /v1/products/{id} for an admin (body "*" merged with the path)', async () => {
    const created = await edge.request('POST', '/v1/products', {
      token: admin,
      body: {
        name: 'Edge Fries',
        description: 'Made at the edge',
        category: 'sides',
        price: { currencyCode: 'EUR', amountMinor: '350' },
        stock: 5,
        tags: ['edge'],
      },
    });
    assert.equal(created.status, 200, created.text);
    const id = created.json.product.id;
    assert.equal(created.json.product.price.amountMinor, '350');
    const updated = await edge.request('PATCH', `/v1/products/${id}`, { token: admin, body: { stock: 7, price: { currencyCode: 'EUR', amountMinor: 400 } } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.product.id, id);
    assert.equal(updated.json.product.stock, 7);
    assert.equal(updated.json.product.name, 'Edge Fries');
    assert.equal((await edge.request('GET', `/v1/products/${id}`)).json.product.stock, 7);
  });

  it('answers PERMISSION_DENIED as 403 for a customer, UNAUTHENTICATED as 401 without a token', async () => {
    const customer = await newCustomer(edge);
    const body = { name: 'Nope', category: 'sides', price: { currencyCode: 'EUR', amountMinor: '100' } };
    assertStatus(await edge.request('POST', '/v1/products', { token: customer.token, body }), 403, 7);
    assertStatus(await edge.request('POST', '/v1/products', { body }), 401, 16);
  });

  it('answers NOT_FOUND as 404 and INVALID_ARGUMENT as 400 with the offending fields', async () => {
    assertStatus(await edge.request('GET', '/v1/products/00000000-0000-4000-8000-000000000000'), 404, 5);
    const notAnId = await edge.request('GET', '/v1/products/not-a-uuid');
    assertStatus(notAnId, 400, 3);
    assert.deepEqual(violatedFields(notAnId), ['id']);
    const invalid = await edge.request('GET', '/v1/products?pageSize=1000');
    assertStatus(invalid, 400, 3);
    assert.deepEqual(violatedFields(invalid), ['page_size']);
    const badProduct = await edge.request('POST', '/v1/products', {
      token: admin,
      body: { name: '', category: 'Not A Slug', price: { currencyCode: 'euro', amountMinor: '0' } },
    });
    assertStatus(badProduct, 400, 3);
    assert.ok(violatedFields(badProduct).includes('category'));
  });
});
