import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { assertStatus, newCustomer, PASSWORD, useEdge, violatedFields, type Edge } from './edge-client';

describe('edge REST: users', function () {
  this.timeout(180_000);
  let edge: Edge;
  let customer: Awaited<ReturnType<typeof newCustomer>>;

  before(async () => {
    edge = await useEdge();
  });

  it('POST /v1/users registers, with the proto3 JSON mapping (camelCase, zero values printed)', async () => {
    const email = `edge-${randomUUID().slice(0, 8)}@example.com`;
    const response = await edge.request('POST', '/v1/users', {
      body: { email, password: PASSWORD, displayName: 'Ada', phone: '+34 600 000 000', address: 'Calle Mayor 1' },
    });
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get('content-type')!, /application\/json/);
    assert.deepEqual(Object.keys(response.json.user).sort(), ['createdAt', 'displayName', 'id', 'role']);
    assert.equal(response.json.user.displayName, 'Ada');
    assert.equal(response.json.user.role, 'ROLE_CUSTOMER');
    assert.ok(!Number.isNaN(Date.parse(response.json.user.createdAt)));
  });

  it('POST /v1/users:login issues a bearer token (custom verb)', async () => {
    customer = await newCustomer(edge, 'Grace');
    assert.match(customer.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const login = await edge.request('POST', '/v1/users:login', { body: { email: customer.email, password: PASSWORD } });
    assert.equal(login.json.tokenType, 'Bearer');
    assert.ok(Date.parse(login.json.expiresAt) > Date.now());
  });

  it('GET /v1/profile reads the own profile with the Authorization header forwarded', async () => {
    const response = await edge.request('GET', '/v1/profile', { token: customer.token });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.profile.email, customer.email);
    assert.equal(response.json.profile.user.id, customer.user.id);
    assert.equal(response.json.profile.phone, '', 'always_print_primitive_fields: empty strings are printed');
  });

  it('PATCH /v1/profile changes only the fields sent', async () => {
    const response = await edge.request('PATCH', '/v1/profile', { token: customer.token, body: { address: 'Gran Vía 2' } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.profile.address, 'Gran Vía 2');
    assert.equal(response.json.profile.user.displayName, 'Grace');
  });

  it('GET /v1/users/{user_id} binds the path variable', async () => {
    const response = await edge.request('GET', `/v1/users/${customer.user.id}`, { token: customer.token });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json.user.id, customer.user.id);
    assert.equal(response.json.user.email, undefined, 'no PII in public user facts');
  });

  it('GET /v1/name-suggestions binds query parameters', async () => {
    const response = await edge.request('GET', '/v1/name-suggestions?count=3');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.names.length, 3);
  });

  it('answers INVALID_ARGUMENT as 400 with a BadRequest naming every field', async () => {
    const response = await edge.request('POST', '/v1/users', { body: { email: 'not-an-email', password: 'short' } });
    assertStatus(response, 400, 3);
    assert.deepEqual(violatedFields(response), ['display_name', 'email', 'password']);
    const tooMany = await edge.request('GET', '/v1/name-suggestions?count=101');
    assertStatus(tooMany, 400, 3);
    assert.deepEqual(violatedFields(tooMany), ['count']);
  });

  it('answers ALREADY_EXISTS as 409', async () => {
    const again = await edge.request('POST', '/v1/users', { body: { email: customer.email, password: PASSWORD, displayName: 'Twin' } });
    assertStatus(again, 409, 6);
  });

  it('answers UNAUTHENTICATED as 401: no token, a forged token, wrong credentials', async () => {
    assertStatus(await edge.request('GET', '/v1/profile'), 401, 16);
    assertStatus(await edge.request('GET', '/v1/profile', { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }), 401, 16);
    assertStatus(await edge.request('POST', '/v1/users:login', { body: { email: customer.email, password: 'wrong password' } }), 401, 16);
  });

  it('answers NOT_FOUND as 404 for an unknown user', async () => {
    const response = await edge.request('GET', `/v1/users/${randomUUID()}`, { token: customer.token });
    assertStatus(response, 404, 5);
  });
});
