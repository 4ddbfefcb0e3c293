import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, getOption, hasOption, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { DESCRIPTOR_SET_PATH } from '../../../platform/server';

/** The set `npm run generate` builds; server reflection and Envoy load the same bytes. */
export { DESCRIPTOR_SET_PATH };

/** google.api.HttpRule as @bufbuild/protobuf reads it from the descriptor set (no generated code needed). */
interface HttpRuleMessage {
  pattern:
    | { case: 'get' | 'put' | 'post' | 'delete' | 'patch'; value: string }
    | { case: 'custom'; value: { kind: string; path: string } }
    | { case: undefined; value?: undefined };
  body: string;
  responseBody: string;
  additionalBindings: HttpRuleMessage[];
}

/** One HTTP binding of a method: the primary rule or one of its additional_bindings. */
export interface HttpBinding {
  httpMethod: string;
  pattern: string;
  /** "" (no body), "*" (every field not bound by the path) or a field path. */
  body: string;
  responseBody: string;
}

export interface Contracts {
  registry: FileRegistry;
  /** Services with at least one google.api.http annotation: the public surface of the edge. */
  services: DescService[];
  /** The method's HTTP bindings, primary first; empty when it has no annotation. */
  bindings(method: DescMethod): HttpBinding[];
}

export function loadContracts(path = DESCRIPTOR_SET_PATH): Contracts {
  return contractsFromBytes(readFileSync(path));
}

export function contractsFromBytes(bytes: Uint8Array): Contracts {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  const http = registry.getExtension('google.api.http');
  if (!http) throw new Error('the descriptor set lacks google/api/annotations.proto (google.api.http)');

  const bindings = (method: DescMethod): HttpBinding[] => {
    if (!hasOption(method, http)) return [];
    const rule = getOption(method, http) as unknown as HttpRuleMessage;
    // Nested additional_bindings are ignored, as the HttpRule spec says.
    return [rule, ...rule.additionalBindings].flatMap((r) => {
      const { pattern } = r;
      if (pattern.case === undefined) return [];
      const [httpMethod, path] = pattern.case === 'custom' ? [pattern.value.kind, pattern.value.path] : [pattern.case.toUpperCase(), pattern.value];
      return [{ httpMethod, pattern: path, body: r.body, responseBody: r.responseBody }];
    });
  };

  const services: DescService[] = [];
  for (const file of registry.files) {
    for (const service of file.services) {
      if (service.methods.some((method) => bindings(method).length > 0)) services.push(service);
    }
  }
  return { registry, services, bindings };
}

/** `shop.users.v1.UsersService` → `users`: the service's name in services/manifest.ts. */
export function serviceKey(service: DescService): string {
  return service.typeName.split('.')[1] ?? service.typeName;
}
