import type { DescField, DescMethod, DescService } from '@bufbuild/protobuf';
import type { Contracts, HttpBinding } from './contracts';
import { resolveFieldPath } from './field-path';
import { compareRanks, matchPathTemplate, parsePathTemplate, splitRequestPath, type PathTemplate, type UnescapeSpec } from './path-template';

/** One REST route: an HTTP binding of an RPC, checked against the request message. */
export interface RestRoute {
  httpMethod: string;
  /** The annotation's path text, e.g. "/v1/users/{user_id}": the route's name in metrics and OpenAPI. */
  pattern: string;
  template: PathTemplate;
  service: DescService;
  method: DescMethod;
  /** Resolved fields of each path variable, by dotted proto path. */
  pathFields: Map<string, DescField[]>;
  /** "*" for the whole message, a resolved field for a field body, undefined for none. */
  body: '*' | DescField[] | undefined;
  /** Field of the response sent as the HTTP body (response_body), or the whole response. */
  responseBody: DescField[] | undefined;
  /** 0 for the primary binding, n for the nth additional_binding. */
  bindingIndex: number;
}

export interface RouteMatch {
  route: RestRoute;
  /** Dotted proto path of each path variable to its decoded value. */
  variables: Map<string, string>;
}

export interface RouteTable {
  routes: RestRoute[];
  match(httpMethod: string, rawPath: string, unescapeSpec?: UnescapeSpec): RouteMatch | undefined;
}

/** The transcoder settings that shape the route table (Envoy's GrpcJsonTranscoder fields). */
export interface RouteTableOptions {
  /** Fully qualified services to transcode; every annotated service when absent. */
  services?: string[];
  /** Methods without google.api.http get `POST /<package>.<Service>/<Method>` with body "*". */
  autoMapping?: boolean;
  /** Any ":verb" after the last "/" is a verb, registered or not. */
  matchUnregisteredCustomVerb?: boolean;
}

/**
 * Every HTTP binding of every public method, validated once at start-up: a
 * template variable or body naming a field the request lacks is a contract bug
 * that stops the gateway, not a 500 on the first call.
 */
export function buildRouteTable(
  contracts: Pick<Contracts, 'services' | 'bindings'> & Partial<Pick<Contracts, 'registry'>>,
  options: RouteTableOptions = {},
): RouteTable {
  const routes: RestRoute[] = [];
  const seen = new Map<string, string>();
  const services =
    options.services === undefined
      ? contracts.services
      : options.services.map((name) => {
          // Envoy refuses to start on a service its descriptor set lacks; so does the gateway.
          const service = contracts.registry?.getService(name) ?? contracts.services.find((s) => s.typeName === name);
          if (!service) throw new Error(`transcoder: could not find '${name}' in the proto descriptor`);
          return service;
        });
  const bindingsOf = (method: DescMethod): HttpBinding[] => {
    const bindings = contracts.bindings(method);
    if (bindings.length > 0 || !options.autoMapping) return bindings;
    return [{ httpMethod: 'POST', pattern: `/${method.parent.typeName}/${method.name}`, body: '*', responseBody: '' }];
  };
  for (const service of services) {
    for (const method of service.methods) {
      // Client and bidi streams are transcoded too: the request body is a JSON array of messages.
      bindingsOf(method).forEach((binding, bindingIndex) => {
        const where = `${method.parent.typeName}.${method.name} (${binding.httpMethod} ${binding.pattern})`;
        const template = parsePathTemplate(binding.pattern);
        const pathFields = new Map<string, DescField[]>();
        for (const variable of template.variables) {
          const fields = resolveFieldPath(method.input, variable.fieldPath);
          if (!fields) throw new Error(`${where}: path variable "${variable.fieldPath.join('.')}" is not a field of ${method.input.typeName}`);
          pathFields.set(variable.fieldPath.join('.'), fields);
        }
        let body: RestRoute['body'];
        if (binding.body === '*') body = '*';
        else if (binding.body !== '') {
          body = resolveFieldPath(method.input, binding.body.split('.'));
          if (!body) throw new Error(`${where}: body "${binding.body}" is not a field of ${method.input.typeName}`);
        }
        let responseBody: DescField[] | undefined;
        if (binding.responseBody !== '') {
          responseBody = resolveFieldPath(method.output, binding.responseBody.split('.'));
          if (!responseBody) throw new Error(`${where}: response_body "${binding.responseBody}" is not a field of ${method.output.typeName}`);
        }
        const key = `${binding.httpMethod} ${template.segments.map((s) => (s.kind === 'literal' ? s.value : s.kind)).join('/')}:${template.verb ?? ''}`;
        if (seen.has(key)) throw new Error(`${where}: same route as ${seen.get(key)}`);
        seen.set(key, where);
        routes.push({ httpMethod: binding.httpMethod, pattern: binding.pattern, template, service, method, pathFields, body, responseBody, bindingIndex });
      });
    }
  }

  const verbs = new Set(routes.flatMap((r) => (r.template.verb ? [r.template.verb] : [])));
  return {
    routes,
    match(httpMethod, rawPath, unescapeSpec) {
      const request = splitRequestPath(rawPath, verbs, options.matchUnregisteredCustomVerb);
      if (!request) return undefined;
      let best: (RouteMatch & { rank: number[] }) | undefined;
      for (const route of routes) {
        if (route.httpMethod !== httpMethod) continue;
        const matched = matchPathTemplate(route.template, request, unescapeSpec);
        if (matched && (!best || compareRanks(matched.rank, best.rank) < 0)) best = { route, ...matched };
      }
      return best && { route: best.route, variables: best.variables };
    },
  };
}
