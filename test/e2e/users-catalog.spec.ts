import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { BadRequest } from '../../gen/ts/google/rpc/error_details';
import { isGrpcService, SERVICES } from '../../services/manifest';
import { bufCurl } from '../support/buf-curl';
import { usePlatform, type RunningPlatform } from '../support/platform';

const USERS = 'shop.users.v1.UsersService';
const CATALOG = 'shop.catalog.v1.CatalogService';

/** Field names of the google.rpc.BadRequest that buf curl prints as base64. */
function violatedFields(error: any): string[] {
  const detail = error?.details?.find((d: any) => d.type === 'google.rpc.BadRequest');
  if (!detail) return [];
  return BadRequest.decode(Buffer.from(detail.value, 'base64')).fieldViolations.map((v) => v.field);
}

async function counter(platform: RunningPlatform, service: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${platform.metrics(service)}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('end to end: the platform started with npm start, called with buf curl', function () {
  this.timeout(180_000);
  let platform: RunningPlatform;
  const email = `e2e-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'correct horse battery';

  before(async () => {
    platform = await usePlatform();
  });

  it('lists each service and grpc.health.v1 through reflection, all SERVING', () => {
    for (const { name } of SERVICES.filter(isGrpcService)) {
      const listed = bufCurl(platform.grpc(name), { args: ['--list-services'] });
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`shop\\.${name}\\.v1\\.\\w+Service`));
      assert.match(listed.stdout, /grpc\.health\.v1\.Health/);
      const health = bufCurl(`${platform.grpc(name)}/grpc.health.v1.Health/Check`);
      assert.equal(health.json?.status, 'SERVING', health.stderr);
    }
  });

  it('registers, logs in and reads the own profile with the token', () => {
    const registered = bufCurl(`${platform.grpc('users')}/${USERS}/Register`, {
      data: { email, password, displayName: 'E2E Shopper', phone: '+34 600 111 222', address: 'Calle Mayor 1, Madrid' },
    });
    assert.equal(registered.status, 0, registered.stderr);
    assert.equal(registered.json.user.displayName, 'E2E Shopper');

    const login = bufCurl(`${platform.grpc('users')}/${USERS}/Login`, { data: { email, password } });
    assert.equal(login.status, 0, login.stderr);
    assert.equal(login.json.tokenType, 'Bearer');
    assert.ok(new Date(login.json.expiresAt).getTime() > Date.now());

    const profile = bufCurl(`${platform.grpc('users')}/${USERS}/GetProfile`, { token: login.json.accessToken });
    assert.equal(profile.status, 0, profile.stderr);
    assert.equal(profile.json.profile.email, email);
    assert.equal(profile.json.profile.phone, '+34 600 111 222');
    assert.equal(profile.json.profile.user.id, registered.json.user.id);
  });

  it('refuses the profile without a token, and with a forged one', () => {
    const anonymous = bufCurl(`${platform.grpc('users')}/${USERS}/GetProfile`);
    assert.equal(anonymous.json?.code, 'unauthenticated');
    const forged = bufCurl(`${platform.grpc('users')}/${USERS}/GetProfile`, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' });
    assert.equal(forged.json?.code, 'unauthenticated');
  });

  it('answers an invalid email with InvalidArgument naming the field', () => {
    const result = bufCurl(`${platform.grpc('users')}/${USERS}/Register`, { data: { email: 'not-an-email', password, displayName: 'X' } });
    assert.equal(result.json?.code, 'invalid_argument');
    assert.deepEqual(violatedFields(result.json), ['email']);
  });

  it('answers an empty body and over-long fields with InvalidArgument naming every field', () => {
    const empty = bufCurl(`${platform.grpc('users')}/${USERS}/Register`, { data: {} });
    assert.equal(empty.json?.code, 'invalid_argument');
    assert.deepEqual(violatedFields(empty.json).sort(), ['display_name', 'email', 'password']);

    const huge = 'x'.repeat(100_000);
    const long = bufCurl(`${platform.grpc('users')}/${USERS}/Register`, {
      data: { email: `${huge}@example.com`, password: huge, displayName: huge, address: huge },
    });
    assert.equal(long.json?.code, 'invalid_argument');
    assert.deepEqual(violatedFields(long.json).sort(), ['address', 'display_name', 'email', 'password']);
  });

  it('refuses a second account for the same email with AlreadyExists', () => {
    const again = bufCurl(`${platform.grpc('users')}/${USERS}/Register`, { data: { email, password, displayName: 'Twin' } });
    assert.equal(again.json?.code, 'already_exists');
  });

  it('answers more than 100 suggested names with InvalidArgument', () => {
    assert.equal(bufCurl(`${platform.grpc('users')}/${USERS}/SuggestNames`, { data: { count: 5 } }).json.names.length, 5);
    const tooMany = bufCurl(`${platform.grpc('users')}/${USERS}/SuggestNames`, { data: { count: 101 } });
    assert.equal(tooMany.json?.code, 'invalid_argument');
    assert.deepEqual(violatedFields(tooMany.json), ['count']);
  });

  it('serves the second identical ListProducts from the cache, visible on /metrics', async () => {
    const hits = /^cache_requests_total\{[^}]*result="hit"/;
    const request = { pageSize: 5, category: 'burgers' };
    const first = bufCurl(`${platform.grpc('catalog')}/${CATALOG}/ListProducts`, { data: request });
    assert.equal(first.status, 0, first.stderr);
    assert.ok(first.json.products.length > 0);
    const before = await counter(platform, 'catalog', hits);
    const second = bufCurl(`${platform.grpc('catalog')}/${CATALOG}/ListProducts`, { data: request });
    assert.deepEqual(second.json, first.json);
    const after = await counter(platform, 'catalog', hits);
    assert.ok(after > before, `cache hits should rise: ${before} -> ${after}`);
  });
});
