import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, FieldDescriptorProto_Label, FieldDescriptorProto_Type } from '@bufbuild/protobuf/wkt';
import { service as healthService } from 'grpc-health-check';

/**
 * A gRPC server that is not part of shopmesh: its own package, no generated
 * code, no registration, no JWTs. It serves grpc.health.v1 and server
 * reflection, as a third-party service would, so the registry can discover it
 * and call it from descriptors alone. Its contract is built in code (fully
 * qualified type names, as buf would write them):
 *
 *   package outside.echo.v1;
 *   service EchoService {
 *     rpc Echo(EchoRequest) returns (EchoReply);            // text "fail" answers FAILED_PRECONDITION
 *     rpc Count(CountRequest) returns (stream CountReply);  // 1..to, every interval_ms
 *     rpc Collect(stream EchoRequest) returns (EchoReply);  // client stream: refused by the registry
 *   }
 *
 * Run it by hand for the operator walk-through: `npx tsx services/registry/test/outside-service.ts 50199`.
 */
const { STRING: TYPE_STRING, INT32: TYPE_INT32, INT64: TYPE_INT64, BOOL: TYPE_BOOL } = FieldDescriptorProto_Type;
const field = (name: string, number: number, type: FieldDescriptorProto_Type, jsonName: string) => ({
  name,
  number,
  type,
  jsonName,
  label: FieldDescriptorProto_Label.OPTIONAL,
});
const file = create(FileDescriptorProtoSchema, {
  name: 'outside/echo/v1/echo.proto',
  package: 'outside.echo.v1',
  syntax: 'proto3',
  messageType: [
    { name: 'EchoRequest', field: [field('text', 1, TYPE_STRING, 'text'), field('times', 2, TYPE_INT64, 'times')] },
    { name: 'EchoReply', field: [field('text', 1, TYPE_STRING, 'text'), field('saw_authorization', 2, TYPE_BOOL, 'sawAuthorization')] },
    { name: 'CountRequest', field: [field('to', 1, TYPE_INT32, 'to'), field('interval_ms', 2, TYPE_INT32, 'intervalMs')] },
    { name: 'CountReply', field: [field('n', 1, TYPE_INT32, 'n')] },
  ],
  service: [
    {
      name: 'EchoService',
      method: [
        { name: 'Echo', inputType: '.outside.echo.v1.EchoRequest', outputType: '.outside.echo.v1.EchoReply' },
        { name: 'Count', inputType: '.outside.echo.v1.CountRequest', outputType: '.outside.echo.v1.CountReply', serverStreaming: true },
        { name: 'Collect', inputType: '.outside.echo.v1.EchoRequest', outputType: '.outside.echo.v1.EchoReply', clientStreaming: true },
      ],
    },
  ],
});
const types = createFileRegistry(file, () => undefined);
const message = (name: string) => types.getMessage(`outside.echo.v1.${name}`)!;

function method(name: string, input: DescMessage, output: DescMessage, kind: { requestStream?: boolean; responseStream?: boolean } = {}) {
  return {
    path: `/outside.echo.v1.EchoService/${name}`,
    requestStream: kind.requestStream ?? false,
    responseStream: kind.responseStream ?? false,
    originalName: name,
    requestSerialize: (value: object) => Buffer.from(toBinary(input, create(input, value as never))),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes) as Record<string, unknown>,
    responseSerialize: (value: object) => Buffer.from(toBinary(output, create(output, value as never))),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes) as Record<string, unknown>,
  };
}

const echoService = {
  echo: method('Echo', message('EchoRequest'), message('EchoReply')),
  count: method('Count', message('CountRequest'), message('CountReply'), { responseStream: true }),
  collect: method('Collect', message('EchoRequest'), message('EchoReply'), { requestStream: true }),
};

export interface OutsideService {
  address: string;
  /** Health checks answered so far: the registry's probe cache is measured by it. */
  healthChecks(): number;
  /** `authorization` values received: the registry must never forward one here. */
  authorizations: string[];
  stop(): Promise<void>;
}

export async function startOutsideService(port = 0): Promise<OutsideService> {
  const server = new grpc.Server();
  let checks = 0;
  const authorizations: string[] = [];
  const sawAuthorization = (metadata: grpc.Metadata) => {
    const value = metadata.get('authorization')[0];
    if (typeof value === 'string') authorizations.push(value);
    return typeof value === 'string';
  };

  server.addService(echoService as unknown as grpc.ServiceDefinition, {
    echo(call: grpc.ServerUnaryCall<{ text: string; times: bigint }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const seen = sawAuthorization(call.metadata);
      if (call.request.text === 'fail') return callback({ code: grpc.status.FAILED_PRECONDITION, details: 'asked to fail' });
      callback(null, { text: call.request.text.repeat(Math.max(1, Number(call.request.times))), sawAuthorization: seen });
    },
    count(call: grpc.ServerWritableStream<{ to: number; intervalMs: number }, unknown>) {
      sawAuthorization(call.metadata);
      let n = 0;
      const next = () => {
        if (call.cancelled) return;
        if (n >= call.request.to) return call.end();
        call.write({ n: ++n });
        setTimeout(next, call.request.intervalMs);
      };
      next();
    },
    collect(call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      call.on('data', () => undefined);
      call.on('end', () => callback(null, { text: 'collected' }));
    },
  });
  server.addService(healthService, {
    check(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      checks += 1;
      callback(null, { status: 'SERVING' });
    },
    watch(call: grpc.ServerWritableStream<unknown, unknown>) {
      call.write({ status: 'SERVING' });
    },
  });
  const set = toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [file] }));
  new ReflectionService(protoLoader.loadFileDescriptorSetFromBuffer(Buffer.from(set))).addToServer(server);

  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${bound}`,
    healthChecks: () => checks,
    authorizations,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

if (require.main === module) {
  void startOutsideService(Number(process.argv[2] ?? 50199)).then((s) => console.log(`outside.echo.v1.EchoService (health, reflection) on ${s.address}`));
}
