import { strict as assert } from 'node:assert';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { loadContracts } from '../../services/gateway/src/contracts';
import { openApiPath } from '../../services/gateway/src/openapi';
import { buildRouteTable } from '../../services/gateway/src/route-table';
import { useEdge, type Edge } from './edge-client';

const contracts = loadContracts();
const service = (name: string) => contracts.services.find((s) => s.typeName === name) as DescService;

describe('edge: Connect, gRPC-Web, /openapi.json and /docs', function () {
  this.timeout(120_000);
  let edge: Edge;

  before(async () => {
    edge = await useEdge();
  });

  // Binary protobuf: Envoy's connect_grpc_bridge passes messages through untouched (it cannot re-encode JSON for gRPC).
  it('serves the Connect protocol for the public services', async () => {
    const catalog = createClient(
      service('shop.catalog.v1.CatalogService'),
      createConnectTransport({ baseUrl: edge.url, httpVersion: '1.1', useBinaryFormat: true }),
    ) as any;
    const { categories } = await catalog.listCategories({});
    assert.ok(categories.some((c: any) => c.slug === 'burgers'));
    const users = createClient(
      service('shop.users.v1.UsersService'),
      createConnectTransport({ baseUrl: edge.url, httpVersion: '1.1', useBinaryFormat: true }),
    ) as any;
    const error = ConnectError.from(await users.getProfile({}).catch((e: unknown) => e));
    assert.equal(error.code, Code.Unauthenticated);
  });

  it('serves gRPC-Web for the public services', async () => {
    const users = createClient(service('shop.users.v1.UsersService'), createGrpcWebTransport({ baseUrl: edge.url, httpVersion: '1.1' })) as any;
    const { names } = await users.suggestNames({ count: 2 });
    assert.equal(names.length, 2);
  });

  // HTTP/2 with prior knowledge on the edge port, as grpcurl -plaintext or any gRPC client sends it.
  it('passes native gRPC through to the services, errors and internal methods as Envoy answers them', async () => {
    const transport = createGrpcTransport({ baseUrl: edge.url });
    const catalog = createClient(service('shop.catalog.v1.CatalogService'), transport) as any;
    const { categories } = await catalog.listCategories({});
    assert.ok(categories.some((c: any) => c.slug === 'burgers'));
    const users = createClient(service('shop.users.v1.UsersService'), transport) as any;
    const denied = ConnectError.from(await users.getProfile({}).catch((e: unknown) => e));
    assert.equal(denied.code, Code.Unauthenticated);
    const registry = createClient(service('shop.registry.v1.RegistryService'), transport) as any;
    const internal = ConnectError.from(await registry.heartbeat({}).catch((e: unknown) => e));
    // The gateway answers UNIMPLEMENTED; Envoy's 404 direct_response reaches a gRPC client as UNIMPLEMENTED too.
    assert.equal(internal.code, Code.Unimplemented);
  });

  it('serves /openapi.json with every REST route and the message schemas', async () => {
    const response = await edge.request('GET', '/openapi.json');
    assert.equal(response.status, 200);
    const doc = response.json;
    assert.equal(doc.openapi, '3.1.0');
    for (const route of buildRouteTable(contracts).routes) {
      assert.ok(doc.paths[openApiPath(route.pattern)]?.[route.httpMethod.toLowerCase()], `${route.httpMethod} ${route.pattern}`);
    }
    assert.ok(doc.components.schemas['shop.catalog.v1.Product']);
  });

  it('serves Swagger UI at /docs, pointed at /openapi.json', async () => {
    const page = await edge.request('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.text, /swagger-ui-bundle\.js/);
    const init = await edge.request('GET', '/docs/swagger-initializer.js');
    assert.match(init.text, /url: '\/openapi\.json'/);
    assert.equal((await edge.request('GET', '/docs/swagger-ui-bundle.js')).status, 200);
  });
});
