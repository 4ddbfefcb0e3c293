/**
 * Envoy's configuration as deploy/render/envoy.ts renders it (in memory) from the template
 * envoy/envoy.yaml, the contracts and services/manifest.ts. No Envoy binary can run here
 * (`envoy --mode validate` is for machines with Docker); this checks everything else: the
 * transcoder serves every public service from the descriptor set compose mounts, every REST
 * binding and gRPC method routes where it should (simulated with Envoy's first-match rules),
 * clusters point at services that exist on their ports, and the edge behaves like the
 * gateway (limits, errors, CORS). The same checks run again with a made-up service added
 * (envoy-extra-service.ts): it appears everywhere with nothing edited by hand.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { ENVOY_RENDERED, renderEnvoy } from '../../deploy/render/envoy';
import { MANIFEST_SERVICES } from '../../deploy/render/model';
import { defaultPorts, SERVICES } from '../../services/manifest';
import { gatewayConfig } from '../../services/gateway/src/config';
import { type Contracts, contractsFromBytes, DESCRIPTOR_SET_PATH, loadContracts, serviceKey } from '../../services/gateway/src/contracts';
import { ALLOW_HEADERS } from '../../services/gateway/src/cors';
import { FOR_EACH } from '../../services/gateway/src/envoy-template';
import { httpStatusOf } from '../../services/gateway/src/status-mapping';
import { type MethodPolicies, methodPolicies, policyOf, readMethodPolicies } from '../../platform/rpc/method-policy';
import { descriptorSetWithExtra, EXTRA, extraRequirements } from './envoy-extra-service';

const root = join(__dirname, '..', '..');
const templateText = readFileSync(join(root, 'envoy', 'envoy.yaml'), 'utf8');
const gatewayDefaults = gatewayConfig.parse({});

interface Scenario {
  text: string;
  contracts: Contracts;
  policies: MethodPolicies;
  /** Manifest names of the deployed services. */
  deployed: Set<string>;
  /** The clusters there must be: every deployed service at its port (gRPC, else HTTP). */
  clusters: { name: string; port: number }[];
}

function rendered(contracts: Contracts, services: typeof MANIFEST_SERVICES): string {
  const files = renderEnvoy({ contracts, services });
  assert.deepEqual(
    files.map((f) => f.path),
    [ENVOY_RENDERED],
  );
  return files[0].content;
}

const manifestClusters = SERVICES.map((s) => {
  const ports = defaultPorts(s);
  return { name: s.name, port: (ports.grpc ?? ports.http) as number };
});

function manifestScenario(): Scenario {
  const contracts = loadContracts();
  return {
    text: rendered(contracts, MANIFEST_SERVICES),
    contracts,
    policies: methodPolicies(),
    deployed: new Set(SERVICES.map((s) => s.name)),
    clusters: manifestClusters,
  };
}

function extraScenario(): Scenario {
  const bytes = descriptorSetWithExtra();
  const contracts = contractsFromBytes(bytes);
  return {
    text: rendered(contracts, [...MANIFEST_SERVICES, extraRequirements()]),
    contracts,
    policies: readMethodPolicies(bytes),
    deployed: new Set([...SERVICES.map((s) => s.name), EXTRA.name]),
    clusters: [...manifestClusters, { name: EXTRA.name, port: EXTRA.grpcPort }],
  };
}

const grpcPath = (service: { typeName: string }, method: { name: string }) => `/${service.typeName}/${method.name}`;

function checksOf(scenario: () => Scenario) {
  let text: string;
  let envoy: any;
  let contracts: Contracts;
  let policies: MethodPolicies;
  let hcm: any;
  let httpFilters: { name: string; typed_config: any }[];
  let transcoder: any;
  let vhost: any;
  let routes: any[];
  let clusters: any[];
  let deployed: (name: string) => boolean;
  let expectedClusters: Scenario['clusters'];
  const filter = (name: string) => httpFilters.find((f) => f.name === name)?.typed_config;
  /** The first route that matches a path, as Envoy picks it (path: exact; prefix: starts with). */
  const routeFor = (path: string) => routes.find((r) => (r.match.path !== undefined ? r.match.path === path.split('?')[0] : path.startsWith(r.match.prefix)));
  const publicMethods = () =>
    contracts.services.flatMap((service) => service.methods.map((method) => ({ service, method, bindings: contracts.bindings(method) })));

  before(() => {
    const s = scenario();
    ({ text, contracts, policies } = s);
    envoy = parse(text);
    hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    httpFilters = hcm.http_filters;
    transcoder = filter('envoy.filters.http.grpc_json_transcoder');
    vhost = hcm.route_config.virtual_hosts[0];
    routes = vhost.routes;
    clusters = envoy.static_resources.clusters;
    deployed = (name) => s.deployed.has(name);
    expectedClusters = s.clusters;
  });

  it('is YAML Envoy can read: anchors and aliases, no merge keys, no template marker left', () => {
    assert.equal(parseDocument(text).errors.length, 0);
    assert.doesNotMatch(text, /^\s*<<:/m, "Envoy's YAML parser has no merge keys");
    assert.doesNotMatch(text, new RegExp(`^\\s*-?\\s*${FOR_EACH}:`, 'm'), 'every prototype rendered');
    assert.doesNotMatch(text.replace(/^\s*#.*$/gm, ''), /<[a-z_ ]+>/, 'every placeholder filled');
    assert.match(text, /^# Generated by `npm run generate` \(deploy\/render\/envoy\.ts\)/);
  });

  it('listens on 8080 with admin (/stats/prometheus) on 9901', () => {
    assert.equal(envoy.static_resources.listeners[0].address.socket_address.port_value, 8080);
    assert.equal(envoy.admin.address.socket_address.port_value, 9901);
  });

  it('runs CORS, the rate limit, gRPC-Web, Connect and the transcoder before the router, in that order', () => {
    assert.deepEqual(
      httpFilters.map((f) => f.name),
      [
        'envoy.filters.http.cors',
        'envoy.filters.http.local_ratelimit',
        'envoy.filters.http.grpc_web',
        'envoy.filters.http.connect_grpc_bridge',
        'envoy.filters.http.grpc_json_transcoder',
        'envoy.filters.http.router',
      ],
    );
  });

  describe('the gRPC-JSON transcoder', () => {
    it('loads the descriptor set the build writes, where compose mounts it', () => {
      assert.equal(basename(transcoder.proto_descriptor), basename(DESCRIPTOR_SET_PATH), 'the file `npm run generate` writes');
      assert.equal(transcoder.proto_descriptor, '/etc/envoy/descriptors/shopmesh.binpb');
      const composeFile = join(root, 'docker-compose.yml');
      if (existsSync(composeFile)) {
        const compose = parse(readFileSync(composeFile, 'utf8'));
        const volumes: string[] = (compose.services?.envoy?.volumes ?? []).map((v: any) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
        assert.ok(
          volumes.some((v) => v.split(':')[1] === dirname(transcoder.proto_descriptor)),
          `docker-compose.yml mounts nothing at ${dirname(transcoder.proto_descriptor)} for envoy: ${volumes.join(', ')}`,
        );
      }
    });

    it('transcodes every service that has HTTP annotations, and only services of the descriptor set', () => {
      assert.deepEqual([...transcoder.services].sort(), contracts.services.map((s) => s.typeName).sort());
      for (const name of transcoder.services) assert.ok(contracts.registry.getService(name), `${name} is not in the descriptor set`);
    });

    it('prints for humans, converts gRPC status to JSON and rejects what it cannot map, like the gateway', () => {
      assert.equal(transcoder.convert_grpc_status, true);
      assert.deepEqual(transcoder.print_options, {
        add_whitespace: true,
        always_print_primitive_fields: true,
        always_print_enums_as_ints: false,
        preserve_proto_field_names: false,
      });
      assert.deepEqual(transcoder.request_validation_options, {
        reject_unknown_method: true,
        reject_unknown_query_parameters: true,
        reject_binding_body_field_collisions: true,
      });
      assert.equal(transcoder.query_param_unescape_plus, true);
      assert.equal(transcoder.max_request_body_size, 1024 * 1024);
      assert.equal(transcoder.auto_mapping, undefined, 'methods without annotations are not REST');
    });

    it('does not rely on response_body, which Envoy does not transcode for JSON', () => {
      for (const service of contracts.services) {
        for (const method of service.methods) {
          for (const binding of contracts.bindings(method)) assert.equal(binding.responseBody, '', `${method.name}`);
        }
      }
    });
  });

  describe('routes', () => {
    it('sends every gRPC method of a deployed service to its cluster, and of a planned one to 503', () => {
      for (const { service, method, bindings } of publicMethods()) {
        const route = routeFor(grpcPath(service, method));
        const where = grpcPath(service, method);
        assert.ok(route, `${where} matches no route`);
        if (bindings.length === 0) {
          assert.equal(route.direct_response?.status, 404, `${where} has no HTTP annotation: an internal RPC the edge must not serve`);
        } else if (deployed(serviceKey(service))) {
          assert.equal(
            route.route?.cluster,
            serviceKey(service),
            `${where} goes to ${route.route?.cluster ?? 'no cluster'}; ${serviceKey(service)} is in services/manifest.ts`,
          );
        } else {
          assert.equal(route.direct_response?.status, 503, `${where}: ${serviceKey(service)} is not in services/manifest.ts; answer 503 until it lands`);
        }
      }
    });

    it('retries on UNAVAILABLE exactly the unary methods the contracts declare safe to repeat (idempotency_level)', () => {
      const retried: string[] = [];
      for (const { service, method } of publicMethods()) {
        const path = grpcPath(service, method);
        const route = routeFor(path);
        if (!route.route) continue;
        const retryOn: string[] = route.route.retry_policy?.retry_on?.split(',') ?? [];
        if (retryOn.length) retried.push(path);
        if (method.methodKind === 'unary' && policyOf(path, policies).retryable)
          assert.ok(retryOn.includes('unavailable'), `${path} is ${policyOf(path, policies).idempotency}: retry it on unavailable`);
        else assert.deepEqual(retryOn, [], `${path} is not declared idempotent (or is a stream): no retries`);
      }
      // Reads and the writes safe to repeat, CreateOrder (by idempotency key) among them.
      assert.ok(
        retried.includes('/shop.orders.v1.OrdersService/CreateOrder') && retried.includes('/shop.catalog.v1.CatalogService/GetProduct'),
        retried.join(' '),
      );
    });

    it('gives every route a timeout, and server streams none (0s)', () => {
      for (const { service, method } of publicMethods()) {
        const route = routeFor(grpcPath(service, method)).route;
        if (!route) continue;
        if (method.methodKind === 'server_streaming') assert.equal(route.timeout, '0s', `${grpcPath(service, method)} is a stream`);
        else assert.equal(route.timeout, '15s', grpcPath(service, method));
      }
    });

    it('lets the transcoder see every REST binding (the first route keeps it on) and frames streams as SSE', () => {
      for (const { service, method, bindings } of publicMethods()) {
        for (const binding of bindings) {
          const path = binding.pattern.replace(/\{[^}]+\}/g, 'x');
          const route = routeFor(path);
          const perRoute = route.typed_per_filter_config?.['envoy.filters.http.grpc_json_transcoder'];
          assert.notEqual(perRoute?.disabled, true, `${binding.httpMethod} ${binding.pattern} would not be transcoded`);
          if (method.methodKind === 'server_streaming') {
            assert.ok(perRoute, `${binding.pattern} streams: it needs its own transcoder settings`);
            assert.equal(perRoute.print_options.stream_sse_style_delimited, true);
            assert.equal(perRoute.print_options.add_whitespace, false, 'a message must stay on one data: line');
            assert.equal(perRoute.proto_descriptor, transcoder.proto_descriptor);
            assert.ok(perRoute.services.includes(service.typeName));
            assert.deepEqual(perRoute.request_validation_options, transcoder.request_validation_options);
          } else {
            assert.equal(perRoute, undefined, `${binding.pattern}: only streams override the transcoder`);
          }
        }
      }
    });

    it('hands everything else (storefront, /docs, /openapi.json, /healthz) to the gateway, untranscoded', () => {
      for (const path of ['/', '/index.html', '/docs', '/openapi.json', '/healthz']) {
        const route = routeFor(path);
        assert.equal(route.route?.cluster, 'gateway', path);
        assert.equal(route.typed_per_filter_config?.['envoy.filters.http.grpc_json_transcoder']?.disabled, true);
      }
      assert.equal(routes[routes.length - 1].match.prefix, '/', 'the catch-all is last');
      assert.ok(routeFor('/v1/no-such-route').direct_response, 'unknown REST paths stay with the transcoder (404), not the gateway');
    });
  });

  describe('clusters', () => {
    it('one per deployed service, at its compose name and the port of its config schema', () => {
      const expected = [...expectedClusters];
      const actual = clusters.map((c) => {
        const address = c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
        assert.equal(address.address, c.name, `cluster ${c.name} should point at the compose service of the same name`);
        return { name: c.name, port: address.port_value };
      });
      assert.deepEqual(
        actual.sort((a, b) => a.name.localeCompare(b.name)),
        expected.sort((a, b) => a.name.localeCompare(b.name)),
      );
    });

    it('speak HTTP/2 to gRPC services, check them with grpc.health.v1 and eject failing hosts', () => {
      for (const cluster of clusters) {
        assert.ok(cluster.outlier_detection, `${cluster.name}: outlier detection`);
        assert.ok(cluster.connect_timeout, `${cluster.name}: connect timeout`);
        if (cluster.name === 'gateway') {
          assert.equal(cluster.health_checks[0].http_health_check.path, '/healthz');
          continue;
        }
        const options = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
        assert.deepEqual(options.explicit_http_config, { http2_protocol_options: {} }, `${cluster.name}: gRPC needs HTTP/2`);
        assert.deepEqual(cluster.health_checks[0].grpc_health_check, {}, `${cluster.name}: gRPC health of the overall status ("")`);
      }
    });

    it('are the only upstreams the routes use', () => {
      const names = new Set(clusters.map((c) => c.name));
      for (const route of routes) if (route.route) assert.ok(names.has(route.route.cluster), `route to unknown cluster ${route.route.cluster}`);
    });
  });

  describe('behaves like the gateway', () => {
    it("limits each client address with the gateway's bucket, answering 429 with Retry-After", () => {
      assert.deepEqual(vhost.rate_limits, [{ actions: [{ remote_address: {} }] }]);
      const limit = vhost.typed_per_filter_config['envoy.filters.http.local_ratelimit'];
      assert.deepEqual(limit.descriptors[0].entries, [{ key: 'remote_address', value: '' }]);
      assert.deepEqual(limit.descriptors[0].token_bucket, {
        max_tokens: gatewayDefaults.GATEWAY_RATE_LIMIT_BURST,
        tokens_per_fill: gatewayDefaults.GATEWAY_RATE_LIMIT_RPS,
        fill_interval: '1s',
      });
      assert.equal(limit.always_consume_default_token_bucket, false);
      assert.ok(limit.response_headers_to_add.some((h: any) => h.header.key === 'retry-after'));
      assert.equal(hcm.use_remote_address, true, "the client address is the peer's, not a forgeable header");
    });

    it('answers its own refusals as google.rpc.Status JSON whose code maps back to the same HTTP status', () => {
      const mapped = new Map<number, number>();
      for (const mapper of hcm.local_reply_config.mappers) {
        const [status, grpc] = mapper.filter.and_filter.filters;
        assert.equal(grpc.header_filter.header.invert_match, true, 'gRPC requests keep their grpc-status');
        const http = status.status_code_filter.comparison.value.default_value;
        const { code, message } = mapper.body_format_override.json_format;
        assert.equal(message, '%LOCAL_REPLY_BODY%');
        if (http !== 413) assert.equal(httpStatusOf(code), http, `local reply ${http} carries code ${code}`);
        mapped.set(http, code);
      }
      for (const http of [400, 404, 413, 429, 503]) assert.ok(mapped.has(http), `no JSON body for Envoy's own ${http}`);
    });

    it('allows the same CORS request headers as the gateway', () => {
      const cors = vhost.typed_per_filter_config['envoy.filters.http.cors'];
      assert.deepEqual(cors.allow_headers.split(', ').sort(), ALLOW_HEADERS.split(', ').sort());
    });
  });
}

describe('Envoy config rendered from envoy/envoy.yaml (deploy/render/envoy.ts)', () => {
  describe('for services/manifest.ts and the contracts', () => checksOf(manifestScenario));

  describe(`with a made-up service added (${EXTRA.name}: a contract and a manifest entry, nothing else)`, () => {
    checksOf(extraScenario);

    it('gives it a cluster, its routes and a place in the transcoder, with envoy/envoy.yaml untouched', () => {
      const envoy = parse(extraScenario().text);
      const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
      const routes: any[] = hcm.route_config.virtual_hosts[0].routes;
      const transcoder = hcm.http_filters.find((f: any) => f.name === 'envoy.filters.http.grpc_json_transcoder').typed_config;
      const cluster = envoy.static_resources.clusters.find((c: any) => c.name === EXTRA.name);
      assert.ok(cluster, `no cluster ${EXTRA.name}`);
      assert.deepEqual(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
        address: EXTRA.name,
        port_value: EXTRA.grpcPort,
      });
      assert.ok(transcoder.services.includes(EXTRA.typeName));
      const ours = routes.filter((r) => (r.match.path ?? r.match.prefix).startsWith(`/${EXTRA.typeName}/`));
      assert.deepEqual(
        ours.map((r) => [r.match.path ?? r.match.prefix, r.direct_response?.status ?? r.route.cluster, r.route?.retry_policy ? 'retried' : '']),
        [
          [`/${EXTRA.typeName}/PurgeExpired`, 404, ''],
          [`/${EXTRA.typeName}/GetWishlist`, EXTRA.name, 'retried'],
          [`/${EXTRA.typeName}/SetItems`, EXTRA.name, 'retried'],
          [`/${EXTRA.typeName}/`, EXTRA.name, ''],
        ],
      );
      assert.doesNotMatch(templateText, new RegExp(EXTRA.name, 'i'));
    });

    it('answers 503 for its contract while the manifest does not deploy it', () => {
      const contracts = contractsFromBytes(descriptorSetWithExtra());
      const envoy = parse(rendered(contracts, MANIFEST_SERVICES));
      const routes: any[] = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
      const prefix = routes.find((r) => r.match.prefix === `/${EXTRA.typeName}/`);
      assert.equal(prefix?.direct_response?.status, 503);
      assert.ok(!routes.some((r) => r.route?.cluster === EXTRA.name), 'no route to a cluster that does not exist');
      assert.ok(!envoy.static_resources.clusters.some((c: any) => c.name === EXTRA.name));
    });
  });

  describe('the template, envoy/envoy.yaml', () => {
    const template = parse(templateText);
    const templateRoutes: any[] = template.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;

    it('lists no gRPC route, cluster or transcoded service by hand: they are rendered per service', () => {
      for (const route of templateRoutes) {
        if (route[FOR_EACH]) continue;
        const path: string = route.match.path ?? route.match.prefix;
        assert.ok(!path.startsWith('/shop.'), `${path}: a gRPC route of one service, hand-written in the template`);
      }
      const named = template.static_resources.clusters.filter((c: any) => !c[FOR_EACH]).map((c: any) => c.name);
      assert.deepEqual(named, ['gateway'], 'only the gateway, which is no gRPC service, has a hand-written cluster');
      for (const service of MANIFEST_SERVICES) {
        if (service.grpcPort === undefined) continue;
        assert.ok(!templateText.includes(`port_value: ${service.grpcPort}`), `${service.name}'s port is written in the template`);
      }
    });

    it('keeps Envoy\'s route order: per-method exact paths, then per-service prefixes, then /v1/ (404), then "/" last', () => {
      const order = templateRoutes.map((r) => r[FOR_EACH] ?? r.match.path ?? r.match.prefix);
      const at = (what: string) => order.indexOf(what);
      for (const exact of ['internal method', 'retried method', 'server stream']) {
        assert.ok(at(exact) >= 0 && at(exact) < at('deployed grpc service') && at(exact) < at('undeployed grpc service'), exact);
      }
      assert.ok(at('deployed grpc service') < at('/v1/') && at('undeployed grpc service') < at('/v1/'));
      assert.equal(order.at(-1), '/');
    });
  });

  it('is the file docker-compose.yml runs Envoy with (gen/deploy/envoy/envoy.yaml, not the template)', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    const envoy = compose.services.envoy;
    const argv: string[] = Array.isArray(envoy.command) ? envoy.command : String(envoy.command).split(/\s+/);
    const config = argv[argv.indexOf('-c') + 1] ?? argv[argv.indexOf('--config-path') + 1];
    const volumes: string[] = (envoy.volumes ?? []).map((v: any) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    const mounted = volumes.map((v) => v.split(':')).find(([, target]) => target === config);
    assert.ok(mounted, `docker-compose.yml mounts nothing at ${config}, the file Envoy runs`);
    assert.equal(join(root, mounted[0]), join(root, 'gen', 'deploy', ENVOY_RENDERED), 'compose must mount the rendered config, not the template');
  });
});
