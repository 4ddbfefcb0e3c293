import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { assertStatus, PASSWORD, useEdge, type Edge } from './edge-client';

describe('edge REST: bad input gets a 4xx JSON answer, never a 500', function () {
  this.timeout(120_000);
  let edge: Edge;

  before(async () => {
    edge = await useEdge();
  });

  it('answers unknown routes and wrong methods with 404 JSON (reject_unknown_method)', async () => {
    assertStatus(await edge.request('GET', '/v1/no-such-thing'), 404, 5);
    assertStatus(await edge.request('DELETE', '/v1/users'), 404, 5);
    assertStatus(await edge.request('POST', '/v1/orders/o-1:refund', { body: {} }), 404, 5);
  });

  it('answers malformed JSON with 400', async () => {
    assertStatus(await edge.request('POST', '/v1/users', { body: '{"email": "a@b.c", ' }), 400, 3);
    assertStatus(await edge.request('POST', '/v1/users', { body: '[1, 2, 3]' }), 400, 3);
  });

  it('answers fields of the wrong type with 400, in the body and in the query', async () => {
    assertStatus(await edge.request('POST', '/v1/users', { body: { email: 42, password: PASSWORD, displayName: 'X' } }), 400, 3);
    assertStatus(await edge.request('GET', '/v1/name-suggestions?count=lots'), 400, 3);
    assertStatus(await edge.request('GET', '/v1/products?pageSize=1.5'), 400, 3);
  });

  it('answers unknown query parameters with 400 (reject_unknown_query_parameters)', async () => {
    assertStatus(await edge.request('GET', '/v1/products?colour=red'), 400, 3);
  });

  it("drops unknown body fields, as Envoy's transcoder does", async () => {
    const email = `edge-${randomUUID().slice(0, 8)}@example.com`;
    const response = await edge.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: 'Extra', favouriteColour: 'red' } });
    assert.equal(response.status, 200, response.text);
  });

  it('answers a body over 1 MiB with 413 JSON, and keeps serving', async () => {
    const huge = JSON.stringify({ email: 'x@example.com', password: PASSWORD, displayName: 'x'.repeat(1_200_000) });
    const response = await edge.request('POST', '/v1/users', { body: huge });
    assert.equal(response.status, 413, response.text.slice(0, 200));
    assert.equal(typeof response.json?.message, 'string');
    assert.equal((await edge.request('GET', '/v1/categories')).status, 200);
  });
});
