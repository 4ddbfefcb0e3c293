import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createFileRegistry, fromBinary, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import * as wkt from '@bufbuild/protobuf/wkt';
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

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
 * Well-known types by file name: a server whose reflection leaves out
 * google/protobuf imports (a third-party one) can still be decoded.
 */
const WELL_KNOWN = new Map(
  Object.values(wkt)
    .filter((value): value is DescFile => typeof value === 'object' && value !== null && (value as DescFile).kind === 'file')
    .map((file) => [file.proto.name, file.proto] as const),
);

/** What an instance's reflection says about the contracts it serves. */
export interface ReflectedContracts {
  /** Full names of its own services (not grpc.health / grpc.reflection). */
  services: string[];
  /** `package.Service/Method` of each of their methods, sorted. */
  methods: string[];
  /** Every type those services use, to encode requests and decode answers. */
  registry: FileRegistry;
}

/** Reflection answers beyond this many files are refused: a contract is tens of files, not thousands. */
const MAX_FILES = 500;

/**
 * The contracts an instance serves, read through its server reflection: list
 * the services, ask for the file defining each, then for any import the
 * answers left out. One stream, one request at a time, bounded by `deadline`.
 */
export async function reflectContracts(channel: grpc.Client, deadline: Date): Promise<ReflectedContracts> {
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
  const files = new Map<string, FileDescriptorProto>();
  const keep = (response: ReflectionResponse) => {
    for (const bytes of response.fileDescriptorResponse?.fileDescriptorProto ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      file.messageType.forEach(fillJsonNames);
      files.set(file.name, file);
    }
    if (files.size > MAX_FILES) throw new Error(`reflection answered more than ${MAX_FILES} files`);
  };

  try {
    const listed = await ask({ listServices: '*' });
    const services = (listed.listServicesResponse?.service ?? []).map((s) => s.name).filter((name) => !isInfrastructure(name));
    for (const service of services) keep(await ask({ fileContainingSymbol: service }));
    for (let missing = missingImports(files); missing.length > 0; missing = missingImports(files)) {
      for (const name of missing) {
        const answer = await ask({ fileByFilename: name }).catch(() => undefined);
        if (answer) keep(answer);
        if (!files.has(name)) files.set(name, WELL_KNOWN.get(name) ?? unknownImport(name));
      }
    }
    const registry = createFileRegistry(
      ...[...files.values()].filter((file) => file.service.length > 0).map((file) => createFileRegistry(file, (name) => files.get(name))),
    );
    const methods = services.flatMap((name) => {
      const service = registry.getService(name);
      return service ? service.methods.map((method) => `${name}/${method.name}`) : [];
    });
    return { services: services.filter((name) => registry.getService(name)), methods: [...new Set(methods)].sort(), registry };
  } finally {
    call.end();
    call.cancel();
  }
}

/**
 * protoc and buf always write `json_name`, and @bufbuild/protobuf reads it
 * as written. Servers whose reflection re-encodes descriptors
 * (proto-loader's, as @grpc/reflection serves them) leave it empty, so every
 * field would map to the JSON key "": it is derived here as protoc does.
 */
function fillJsonNames(message: DescriptorProto): void {
  for (const field of message.field)
    if (!field.jsonName) field.jsonName = field.name.replace(/_+([a-zA-Z0-9])?/g, (_, c: string | undefined) => (c ?? '').toUpperCase());
  message.nestedType.forEach(fillJsonNames);
}

function missingImports(files: Map<string, FileDescriptorProto>): string[] {
  return [...new Set([...files.values()].flatMap((file) => file.dependency))].filter((name) => !files.has(name));
}

function unknownImport(name: string): never {
  throw new Error(`reflection does not serve ${name}, an import of the service's contract`);
}
