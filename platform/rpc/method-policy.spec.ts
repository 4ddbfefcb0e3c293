import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { createLogger } from '../logger';
import { DESCRIPTOR_SET_PATH } from '../descriptor-set';
import { bindService } from './bind-service';
import { accessOf, methodPolicies, policyOf, readMethodPolicies } from './method-policy';

const shipped = () => fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET_PATH));

/** The shipped contracts with one method's options changed. */
function withMethod(path: string, change: (options: NonNullable<ReturnType<typeof shipped>['file'][0]['service'][0]['method'][0]['options']>) => void) {
  const set = shipped();
  const [, service, name] = path.split('/');
  const file = set.file.find((f) => f.service.some((s) => `${f.package}.${s.name}` === service))!;
  const method = file.service.find((s) => `${file.package}.${s.name}` === service)!.method.find((m) => m.name === name)!;
  change(method.options!);
  return readMethodPolicies(toBinary(FileDescriptorSetSchema, set));
}

describe('platform/rpc/method-policy', () => {
  it('reads access and idempotency from the contracts', () => {
    assert.deepEqual(policyOf('/shop.catalog.v1.CatalogService/GetProduct'), { access: 'public', idempotency: 'no_side_effects', retryable: true });
    assert.deepEqual(policyOf('/shop.catalog.v1.CatalogService/ReserveStock'), { access: 'service', idempotency: 'idempotent', retryable: true });
    assert.deepEqual(policyOf('/shop.catalog.v1.CatalogService/CreateProduct'), { access: 'admin', idempotency: 'unknown', retryable: false });
    assert.deepEqual(policyOf('/shop.users.v1.UsersService/GetProfile'), { access: 'authenticated', idempotency: 'no_side_effects', retryable: true });
  });

  it('does not depend on method names: a write named like a read is not retried', () => {
    const policies = withMethod('/shop.catalog.v1.CatalogService/GetProduct', (options) => {
      options.idempotencyLevel = MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
    });
    assert.equal(policyOf('/shop.catalog.v1.CatalogService/GetProduct', policies).retryable, false);
  });

  it('refuses a method whose contract declares no access, naming the option to add', () => {
    const policies = withMethod('/shop.users.v1.UsersService/Login', (options) => {
      options.$unknown = undefined;
    });
    assert.equal(policyOf('/shop.users.v1.UsersService/Login', policies).access, undefined);
    assert.throws(() => accessOf('/shop.users.v1.UsersService/Login', policies), /declares no access: add option \(shop\.options\.v1\.access\)/);
  });

  it('refuses a method the contracts do not have', () => {
    assert.throws(() => policyOf('/shop.nowhere.v1.NoService/Nothing'), /not in the contracts/);
  });

  it('reads the shipped set once per process', () => {
    assert.equal(methodPolicies(), methodPolicies());
  });

  it('keeps a service from starting when a method it serves has no access', () => {
    // grpc.health.v1 is in the set and, not being ours, declares no access.
    const definition = { check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false } };
    const binding = { definition, handlers: { check: async () => ({}) } };
    const options = { interceptors: [], log: createLogger('test', 'silent'), drain: new AbortController().signal };
    assert.throws(() => bindService(binding as never, options), /Health\/Check declares no access/);
  });
});
