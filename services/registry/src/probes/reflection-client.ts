import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * A client of grpc.reflection.v1.ServerReflection, from the proto that
 * @grpc/reflection ships. proto-loader is fine on this side: the relative type
 * names that Go clients reject (DESIGN.md) only matter for what a server
 * serves.
 */
const reflectionProto = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const serverReflectionInfo = (reflectionProto['grpc.reflection.v1.ServerReflection'] as protoLoader.ServiceDefinition).ServerReflectionInfo;

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** Services every instance serves for the platform (health, reflection), not its own contracts. */
const isInfrastructure = (service: string) => service.startsWith('grpc.');

/**
 * The full names (`package.Service/Method`) of the methods an instance
 * serves, read through its server reflection: list the services, then ask for
 * the file defining each and read its methods from the descriptor. One
 * stream, one request at a time, bounded by `deadline`.
 */
export async function reflectMethods(channel: grpc.Client, deadline: Date): Promise<string[]> {
  const call = channel.makeBidiStreamRequest(
    serverReflectionInfo.path,
    serverReflectionInfo.requestSerialize,
    serverReflectionInfo.responseDeserialize as (bytes: Buffer) => ReflectionResponse,
    new grpc.Metadata(),
    { deadline },
  );
  call.on('error', () => undefined);
  const responses = call[Symbol.asyncIterator]() as AsyncIterator<ReflectionResponse>;
  const ask = async (request: Record<string, unknown>): Promise<ReflectionResponse> => {
    call.write(request);
    const { value, done } = await responses.next();
    if (done) throw new Error('reflection stream ended early');
    if (value.errorResponse) throw new Error(`reflection: ${value.errorResponse.errorMessage}`);
    return value;
  };

  try {
    const listed = await ask({ listServices: '*' });
    const services = (listed.listServicesResponse?.service ?? []).map((s) => s.name).filter((name) => !isInfrastructure(name));
    const methods: string[] = [];
    for (const service of services) {
      const { fileDescriptorResponse } = await ask({ fileContainingSymbol: service });
      const files = (fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
      for (const file of files) {
        for (const declared of file.service) {
          const fullName = file.package ? `${file.package}.${declared.name}` : declared.name;
          if (fullName === service) methods.push(...declared.method.map((method) => `${fullName}/${method.name}`));
        }
      }
    }
    return [...new Set(methods)].sort();
  } finally {
    call.end();
    call.cancel();
  }
}
