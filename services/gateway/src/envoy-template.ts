import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Alias, type Document, isMap, isNode, isScalar, type Node, Scalar, visit, type YAMLMap, type YAMLSeq } from 'yaml';
import { isRetryable } from '../../../platform/rpc/method-policy';
import { type Contracts, serviceKey } from './contracts';

/**
 * envoy/envoy.yaml is a template: what is the same for every service is written there by hand,
 * and the per-service parts are prototypes expanded from the contracts (the descriptor set)
 * and the deployed services (services/manifest.ts). deploy/render/envoy.ts writes the result
 * for Envoy (gen/deploy/envoy/envoy.yaml); the gateway expands the same template in memory
 * (every service of its descriptor set counting as deployed) to follow Envoy's routes.
 *
 * Two markers, both plain YAML:
 * - a list item with a `for_each` key is a prototype: it is replaced by one copy per instance
 *   of what `for_each` names (below), `for_each` removed and every `<placeholder>` in its
 *   strings filled in (a string that is only `<grpc_port>` becomes the number). An anchor in a
 *   prototype is kept on its first copy; the other copies alias it.
 * - a list item `<every public service>` becomes the fully qualified names of every service
 *   of the contracts with a google.api.http annotation (the transcoder's `services`).
 *
 * `for_each` (a "gRPC service" is a service of the contracts with a google.api.http
 * annotation; a "service" is an entry of services/manifest.ts, `shop.users.v1.UsersService`
 * belonging to `users`):
 * - `internal method`: each method without an HTTP annotation, of every gRPC service
 * - `retried method`: each unary method with an annotation whose contract declares
 *   idempotency_level NO_SIDE_EFFECTS or IDEMPOTENT, of the deployed gRPC services
 * - `server stream`: each server-streaming method with an annotation, of the deployed gRPC services
 * - `deployed grpc service`: each gRPC service whose service is deployed
 * - `undeployed grpc service`: each gRPC service whose service is not deployed (yet)
 * - `deployed service`: each deployed service that serves gRPC
 * Placeholders: `<service>`, `<grpc_port>`, `<grpc_service>`, `<method>`.
 */
export const FOR_EACH = 'for_each';
export const EVERY_PUBLIC_SERVICE = '<every public service>';

export interface EnvoyTemplateInput {
  contracts: Pick<Contracts, 'services' | 'bindings'>;
  /** The deployed services with their gRPC port; 'every public service' for the gateway, which fronts them all. */
  deployed: readonly { name: string; grpcPort: number }[] | 'every public service';
  /** Whether a failed call may be tried again (default: the contract's idempotency_level, platform/rpc/method-policy.ts). */
  retryable?: (method: DescMethod) => boolean;
}

type Values = Record<string, string | number>;

const PLACEHOLDER = /<([a-z_]+)>/g;

/** The instances of a `for_each`, in contract order (services as the descriptor set lists them, methods as each declares them). */
function instancesOf(selector: string, input: EnvoyTemplateInput): Values[] {
  const { contracts } = input;
  const retryable = input.retryable ?? isRetryable;
  const deployed = input.deployed;
  const portOf = (service: DescService): number | undefined =>
    deployed === 'every public service' ? 0 : deployed.find((d) => d.name === serviceKey(service))?.grpcPort;
  const isDeployed = (service: DescService) => portOf(service) !== undefined;
  const grpcService = (service: DescService): Values => ({ service: serviceKey(service), grpc_service: service.typeName });
  const methods = (services: DescService[], which: (method: DescMethod, annotated: boolean) => boolean): Values[] =>
    services.flatMap((service) =>
      service.methods.filter((m) => which(m, contracts.bindings(m).length > 0)).map((m) => ({ ...grpcService(service), method: m.name })),
    );
  const deployedServices = contracts.services.filter(isDeployed);
  switch (selector) {
    case 'internal method':
      return methods(contracts.services, (_, annotated) => !annotated);
    case 'retried method':
      return methods(deployedServices, (m, annotated) => annotated && m.methodKind === 'unary' && retryable(m));
    case 'server stream':
      return methods(deployedServices, (m, annotated) => annotated && m.methodKind === 'server_streaming');
    case 'deployed grpc service':
      return deployedServices.map((s) => ({ ...grpcService(s), grpc_port: portOf(s)! }));
    case 'undeployed grpc service':
      return contracts.services.filter((s) => !isDeployed(s)).map(grpcService);
    case 'deployed service':
      return deployed === 'every public service'
        ? [...new Set(contracts.services.map(serviceKey))].map((service) => ({ service, grpc_port: 0 }))
        : deployed.map((d) => ({ service: d.name, grpc_port: d.grpcPort }));
    default:
      throw new Error(`envoy template: unknown ${FOR_EACH}: "${selector}"`);
  }
}

/** The `for_each` of a list item, when it is a prototype. */
function selectorOf(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const value = item.get(FOR_EACH, true);
  if (value === undefined) return undefined;
  if (!isScalar(value) || typeof value.value !== 'string') throw new Error(`envoy template: ${FOR_EACH} must be a string`);
  return value.value;
}

function fill(text: string, values: Values, where: string): string | number {
  const whole = /^<([a-z_]+)>$/.exec(text);
  if (whole && typeof values[whole[1]] === 'number') return values[whole[1]];
  return text.replace(PLACEHOLDER, (placeholder, name: string) => {
    if (values[name] === undefined) throw new Error(`envoy template: ${placeholder} has no value in a ${FOR_EACH}: ${where} prototype`);
    return String(values[name]);
  });
}

/** One copy of a prototype for one instance: placeholders filled, `for_each` gone; anchors aliased after the first copy. */
function copyOf(prototype: YAMLMap, selector: string, values: Values, first: boolean): YAMLMap {
  const copy = prototype.clone() as YAMLMap;
  copy.delete(FOR_EACH);
  if (!first) {
    copy.commentBefore = undefined;
    copy.spaceBefore = false;
  }
  visit(copy, (_, node) => {
    if (!isNode(node)) return undefined;
    if (node.anchor && !first) return new Alias(node.anchor);
    if (node.anchor && containsPlaceholder(node)) {
      throw new Error(`envoy template: the anchor &${node.anchor} in a ${FOR_EACH}: ${selector} prototype holds a placeholder`);
    }
    if (isScalar(node) && typeof node.value === 'string') node.value = fill(node.value, values, selector);
    return undefined;
  });
  return copy;
}

function containsPlaceholder(node: Node): boolean {
  let found = false;
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && /<[a-z_]+>/.test(scalar.value)) found = true;
    },
  });
  return found;
}

/** Whether a document holds any marker, i.e. is a template rather than a finished config. */
export function isEnvoyTemplate(doc: Document): boolean {
  let marked = false;
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.some((item) => selectorOf(item) !== undefined || (isScalar(item) && item.value === EVERY_PUBLIC_SERVICE))) marked = true;
    },
  });
  return marked;
}

/** Expands every marker of the template in place (see above). */
export function expandEnvoyTemplate(doc: Document, input: EnvoyTemplateInput): Document {
  visit(doc, {
    Seq(_, seq: YAMLSeq) {
      const items: unknown[] = [];
      let grew = false;
      for (const item of seq.items) {
        const selector = selectorOf(item);
        if (selector !== undefined) {
          const instances = instancesOf(selector, input);
          instances.forEach((values, i) => {
            items.push(copyOf(item as YAMLMap, selector, values, i === 0));
          });
        } else if (isScalar(item) && item.value === EVERY_PUBLIC_SERVICE) {
          for (const service of input.contracts.services) items.push(new Scalar(service.typeName));
          grew = true;
        } else {
          items.push(item);
        }
      }
      seq.items = items;
      // A rendered list of names reads better one per line.
      if (grew && seq.flow) seq.flow = false;
    },
  });
  if (isEnvoyTemplate(doc)) throw new Error('envoy template: a marker is left after expansion');
  return doc;
}
