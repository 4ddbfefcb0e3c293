import assert from 'node:assert/strict';
import { join } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readMethodPolicies } from '../../platform/rpc/method-policy';
import { registryBinding, startTestServer, type TestServer } from '../support/rpc-fixtures';

const REFLECTION_PROTO = join(__dirname, '..', '..', 'node_modules', '@grpc', 'reflection', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');

/**
 * What a reflection client (grpcurl describe, buf curl, Postman) learns of a
 * contract includes its method policy: who may call a method, whether it may
 * be retried.
 */
describe('server reflection', function () {
  this.timeout(10_000);
  let running: TestServer;
  let client: grpc.Client & Record<string, any>;

  before(async () => {
    running = await startTestServer([registryBinding()]);
    const reflection = grpc.loadPackageDefinition(loadSync(REFLECTION_PROTO)) as any;
    client = new reflection.grpc.reflection.v1.ServerReflection(running.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await running?.stop();
  });

  it("serves each method's access and idempotency options", async () => {
    const call = client.ServerReflectionInfo();
    const files = await new Promise<Buffer[]>((resolve, reject) => {
      call.on('data', (response: any) => resolve(response.fileDescriptorResponse.fileDescriptorProto));
      call.on('error', reject);
      call.write({ fileContainingSymbol: 'shop.registry.v1.RegistryService' });
    });
    call.end();
    const set = create(FileDescriptorSetSchema, { file: files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)) });
    const policies = readMethodPolicies(toBinary(FileDescriptorSetSchema, set));
    assert.deepEqual(policies.get('/shop.registry.v1.RegistryService/Register'), { access: 'authenticated', idempotency: 'idempotent', retryable: true });
    assert.deepEqual(policies.get('/shop.registry.v1.RegistryService/CallMethod'), { access: 'admin', idempotency: 'unknown', retryable: false });
  });
});
