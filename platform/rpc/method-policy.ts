import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, getExtension, hasExtension } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { file_google_protobuf_descriptor, FileDescriptorProtoSchema, MethodOptions_IdempotencyLevel, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { DESCRIPTOR_SET_PATH } from '../descriptor-set';
import type { Access } from './context';

/**
 * What a contract says about one method, read from its .proto options (the
 * descriptor set that `npm run generate` builds): who may call it
 * (`option (shop.options.v1.access)`) and whether it may be retried
 * (`option idempotency_level`). Server auth, client retries, the gateway's
 * retries and the check of Envoy's retry routes all read it here; nothing
 * else lists methods by hand.
 */
export interface MethodPolicy {
  /** Undefined when the contract declares none: such a method is never served (see `accessOf`). */
  readonly access: Access | undefined;
  readonly idempotency: 'unknown' | 'no_side_effects' | 'idempotent';
  /** Declared NO_SIDE_EFFECTS or IDEMPOTENT: a call that failed UNAVAILABLE may be tried again. */
  readonly retryable: boolean;
}

/** Policies by gRPC path, `/shop.catalog.v1.CatalogService/ReserveStock`. */
export type MethodPolicies = ReadonlyMap<string, MethodPolicy>;

const ACCESS_OPTION = 'shop.options.v1.access';
/** shop.options.v1.Access by number (ACCESS_UNSPECIFIED, 0, is no access at all). */
const ACCESS_BY_NUMBER: Record<number, Access> = { 1: 'public', 2: 'authenticated', 3: 'admin', 4: 'service' };
const IDEMPOTENCY = {
  [MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN]: 'unknown',
  [MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS]: 'no_side_effects',
  [MethodOptions_IdempotencyLevel.IDEMPOTENT]: 'idempotent',
} as const;

/**
 * The policy of every method of every service in a FileDescriptorSet
 * (`buf build` output). Google's files (descriptor.proto alone is half the
 * set) are skipped without decoding: they declare no service of ours, and a
 * service reads this at start.
 */
export function readMethodPolicies(descriptorSet: Uint8Array): Map<string, MethodPolicy> {
  const files = ownFiles(descriptorSet);
  const optionsFile = files.find((file) => file.extension.some((e) => `${file.package}.${e.name}` === ACCESS_OPTION));
  const resolve = (name: string) =>
    name === file_google_protobuf_descriptor.proto.name ? file_google_protobuf_descriptor : files.find((file) => file.name === name);
  const accessOption = optionsFile && createFileRegistry(optionsFile, resolve).getExtension(ACCESS_OPTION);
  const policies = new Map<string, MethodPolicy>();
  for (const file of files) {
    for (const service of file.service) {
      for (const method of service.method) {
        const options = method.options;
        const access =
          options && accessOption && hasExtension(options, accessOption) ? ACCESS_BY_NUMBER[getExtension(options, accessOption) as number] : undefined;
        const level = options?.idempotencyLevel ?? MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
        policies.set(`/${file.package}.${service.name}/${method.name}`, {
          access,
          idempotency: IDEMPOTENCY[level],
          retryable: isRetryable({ idempotency: level }),
        });
      }
    }
  }
  return policies;
}

/** The files of a FileDescriptorSet, except google/*, decoded. */
function ownFiles(descriptorSet: Uint8Array): FileDescriptorProto[] {
  const files: FileDescriptorProto[] = [];
  const set = new BinaryReader(descriptorSet);
  while (set.pos < set.len) {
    const [field, wireType] = set.tag();
    if (field !== 1 || wireType !== WireType.LengthDelimited) {
      set.skip(wireType, field);
      continue;
    }
    const bytes = set.bytes();
    if (!fileName(bytes).startsWith('google/')) files.push(fromBinary(FileDescriptorProtoSchema, bytes));
  }
  return files;
}

/** FileDescriptorProto.name (field 1) without decoding the rest. */
function fileName(file: Uint8Array): string {
  const reader = new BinaryReader(file);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) return reader.string();
    reader.skip(wireType, field);
  }
  return '';
}

/**
 * The retry rule itself, for code that holds @bufbuild/protobuf descriptors
 * already (the gateway's DescMethod): declared NO_SIDE_EFFECTS or IDEMPOTENT.
 */
export function isRetryable(method: { idempotency: MethodOptions_IdempotencyLevel }): boolean {
  return method.idempotency !== MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
}

let loaded: MethodPolicies | undefined;

/** The policies of the contracts this build ships (gen/descriptors/shopmesh.binpb), read once per process. */
export function methodPolicies(): MethodPolicies {
  loaded ??= readMethodPolicies(readFileSync(DESCRIPTOR_SET_PATH));
  return loaded;
}

/** The policy of one method by gRPC path; a method the contracts do not have is a programming error. */
export function policyOf(path: string, policies: MethodPolicies = methodPolicies()): MethodPolicy {
  const policy = policies.get(path);
  if (!policy) throw new Error(`${path} is not in the contracts (gen/descriptors/shopmesh.binpb): run npm run generate`);
  return policy;
}

/**
 * Who may call a method. A method whose contract declares no access is an
 * error here, so a service with one refuses to start instead of serving it
 * under a guessed rule.
 */
export function accessOf(path: string, policies: MethodPolicies = methodPolicies()): Access {
  const { access } = policyOf(path, policies);
  if (!access) throw new Error(`${path} declares no access: add option (${ACCESS_OPTION}) = ACCESS_... to its rpc in the .proto`);
  return access;
}
