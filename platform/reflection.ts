import { readFileSync } from 'node:fs';
import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

interface FileProto {
  name?: string;
  dependency?: string[];
}

interface ReflectionIndex {
  files: Record<string, FileProto>;
  fileDependencies: Map<FileProto, FileProto[]>;
  fileEncodings: Map<FileProto, Uint8Array>;
}

/**
 * Server reflection from the buf-built descriptor set, file by file as buf
 * wrote it. Not through proto-loader: its loadSync output carries relative
 * type names Go clients reject, and its loadFileDescriptorSetFromBuffer
 * re-encodes files without their import lists.
 *
 * @grpc/reflection 1.0.x links a file only to the files whose *types* it uses,
 * so imports used only for options (google/api/annotations.proto,
 * field_behavior.proto) are left out of its answers, and Go clients (grpcurl,
 * buf curl) then fail with `failed to find service ... in schema`
 * (jhump/protoreflect#604 explains the client side). We add every declared
 * import to its index; a test with `buf curl` guards this.
 *
 * It also re-encodes each file through its own descriptor.proto, which drops
 * the custom options it does not know: the method policy,
 * `(shop.options.v1.access)` (platform/rpc/method-policy.ts). Each file is
 * answered with the bytes buf wrote instead.
 */
export function addReflection(server: Pick<Server, 'addService'>, descriptorSetPath: string, services: string[]): void {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath));
  // ReflectionService reads `fileDescriptorProtos` from every entry of a package definition.
  const files = filesOf(set.file, services);
  const encoded = new Map(files.map((file) => [file.name, toBinary(FileDescriptorProtoSchema, file)]));
  const definitions = { descriptors: { fileDescriptorProtos: [...encoded.values()] } };
  const reflection = new ReflectionService(definitions as never, { services });
  const implementations = reflection as unknown as Record<'v1' | 'v1Alpha', ReflectionIndex>;
  for (const index of [implementations.v1, implementations.v1Alpha]) {
    if (!index?.files || !index.fileDependencies || !index.fileEncodings) {
      throw new Error('@grpc/reflection internals changed: review platform/reflection.ts');
    }
    for (const file of Object.values(index.files)) {
      const declared = (file.dependency ?? []).map((name) => index.files[name]).filter(Boolean);
      const linked = index.fileDependencies.get(file) ?? [];
      index.fileDependencies.set(file, [...new Set([...linked, ...declared])]);
      const original = file.name === undefined ? undefined : encoded.get(file.name);
      if (original) index.fileEncodings.set(file, original);
    }
  }
  reflection.addToServer(server);
}

/**
 * The files that declare `services` (full names) and every file they import,
 * in the set's order. A service describes its own API, not the whole
 * platform's: @grpc/reflection keeps a decoded copy of every file it is
 * given, and the whole set held ~6 MB in every service, at rest.
 */
export function filesOf(files: FileDescriptorProto[], services: string[]): FileDescriptorProto[] {
  const wanted = new Set(services);
  const byName = new Map(files.map((file) => [file.name, file]));
  const kept = new Set<FileDescriptorProto>();
  const keep = (file: FileDescriptorProto | undefined) => {
    if (!file || kept.has(file)) return;
    kept.add(file);
    for (const name of file.dependency) keep(byName.get(name));
  };
  for (const file of files) {
    if (file.service.some((service) => wanted.has(file.package ? `${file.package}.${service.name}` : service.name))) keep(file);
  }
  return files.filter((file) => kept.has(file));
}
