import { CatalogServiceService } from '../../gen/ts/shop/catalog/v1/catalog';
import { httpJsonClient } from '../lib/http-json';
import { callMethod, rawGrpcClient } from '../lib/raw-grpc';
import { compareVariants, skippedScenario, type BenchSettings, type ScenarioResult } from '../lib/scenario';
import { catalogProductIds } from './cached-read';

export interface EdgeReadTargets {
  /** The gateway's base URL; undefined when this checkout has no gateway. */
  gateway?: { url: string; pid?: number };
  catalog: { address: string; pid?: number };
}

const TITLE = 'Edge cost: REST through the gateway vs. direct gRPC';

/**
 * One read (GetProduct, served from the catalog's cache) two ways: REST
 * `GET /v1/products/{id}` through the gateway, and gRPC straight to catalog.
 */
export async function edgeReadScenario(targets: EdgeReadTargets, settings: BenchSettings): Promise<ScenarioResult> {
  if (!targets.gateway) return skippedScenario('edge', TITLE, 'no gateway in this checkout (services/gateway/src/main.ts); the scenario runs once it exists');
  const grpc = rawGrpcClient(targets.catalog.address);
  const rest = httpJsonClient(targets.gateway.url, { maxSockets: settings.concurrency });
  try {
    const ids = await catalogProductIds(grpc);
    const idFor = (worker: number) => ids[worker % ids.length];
    const catalog = targets.catalog.pid === undefined ? undefined : { catalog: targets.catalog.pid };
    const variants = await compareVariants(
      'edge',
      [
        {
          name: 'gRPC GetProduct, direct',
          baseline: true,
          processes: catalog,
          op: async (worker) => void (await callMethod(grpc, CatalogServiceService.getProduct, { id: idFor(worker) })),
        },
        {
          name: 'REST GET /v1/products/{id} via gateway',
          processes: catalog && targets.gateway.pid !== undefined ? { ...catalog, gateway: targets.gateway.pid } : undefined,
          op: async (worker) => void (await rest.request('GET', `/v1/products/${encodeURIComponent(idFor(worker))}`)),
        },
      ],
      settings,
    );
    const [direct, edge] = variants;
    const figures: Record<string, number> = {
      'throughput ratio, direct / via gateway': direct.throughput / edge.throughput,
      'p50 ms added by the edge': edge.latency.p50Ms - direct.latency.p50Ms,
      'p99 ms added by the edge': edge.latency.p99Ms - direct.latency.p99Ms,
    };
    if (direct.serverCpuUsPerOp !== undefined && edge.serverCpuUsPerOp !== undefined) {
      figures['server CPU µs per read added by the edge'] = edge.serverCpuUsPerOp - direct.serverCpuUsPerOp;
    }
    return {
      id: 'edge',
      title: TITLE,
      figures,
      variants,
      notes: [
        'REST over keep-alive HTTP/1.1 (one connection per worker), gRPC over one HTTP/2 connection; both reads are cache hits. Server CPU of the REST row is gateway + catalog.',
      ],
    };
  } finally {
    grpc.close();
    rest.close();
  }
}
