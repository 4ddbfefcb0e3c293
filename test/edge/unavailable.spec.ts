import { strict as assert } from 'node:assert';
import { loadContracts, serviceKey } from '../../services/gateway/src/contracts';
import { buildRouteTable, type RestRoute } from '../../services/gateway/src/route-table';
import { assertStatus, deployed, useEdge, type Edge } from './edge-client';

const routes = buildRouteTable(loadContracts()).routes;

/** A concrete URL for a route: every path variable filled with a well-formed id. */
const urlOf = (route: RestRoute) => route.pattern.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');

describe('edge REST: every route of the contracts is routed', function () {
  this.timeout(120_000);
  let edge: Edge;

  before(async () => {
    edge = await useEdge();
  });

  const pending = routes.filter((r) => !deployed(serviceKey(r.service)));
  const running = routes.filter((r) => deployed(serviceKey(r.service)));

  it(`answers 503 UNAVAILABLE, not 404, on the routes of services not deployed yet (${[...new Set(pending.map((r) => serviceKey(r.service)))].join(', ') || 'none'})`, async () => {
    for (const route of pending) {
      const response = await edge.request(route.httpMethod, urlOf(route), route.body ? { body: {} } : {});
      assertStatus(response, 503, 14);
    }
  });

  it("reaches the service behind every route of a deployed one (its own answer, never the edge's 404 or 503)", async () => {
    for (const route of running) {
      const response = await edge.request(route.httpMethod, urlOf(route), route.body ? { body: {} } : {});
      const where = `${route.httpMethod} ${route.pattern} -> ${response.status} ${response.text.slice(0, 200)}`;
      assert.notEqual(response.status, 503, where);
      assert.ok(response.json && typeof response.json === 'object', where);
      // A service's NOT_FOUND carries google.rpc details (ResourceInfo, ErrorInfo); the edge's "no route" does not.
      if (response.status === 404) assert.ok(response.json.details?.length > 0, where);
    }
  });
});
