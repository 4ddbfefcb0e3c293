import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code } from '@connectrpc/connect';
import type { Logger } from '../../../platform/logger';
import { initProcessMetrics } from '../../../platform/metrics';
import { createStatusServer, type HealthCheck } from '../../../platform/status-server';
import { version } from '../../../package.json';
import type { GatewayConfig } from './config';
import { upstreamAddresses } from './config';
import { createConnectProxy } from './connect-proxy';
import { serviceKey, type Contracts } from './contracts';
import { applyCors } from './cors';
import { DOCS_HTML, DOCS_INITIALIZER, docsAsset } from './docs-page';
import { httpMetrics } from './http-metrics';
import { sendError, sendJson } from './json-reply';
import { buildOpenApi } from './openapi';
import { createRateLimiter } from './rate-limit';
import { tooLarge } from './request-body';
import { createRestHandler } from './rest-handler';
import { buildRouteTable } from './route-table';
import { serveStatic } from './static-files';
import { EdgeError } from './status-mapping';
import { createUpstreams } from './upstreams';

export interface GatewayDeps {
  config: GatewayConfig;
  contracts: Contracts;
  log: Logger;
}

export interface RunningGateway {
  /** Port of REST, Connect, gRPC-Web, /docs and the storefront. */
  httpPort: number;
  metricsPort: number;
  url: string;
  shutdown(reason?: string): Promise<void>;
}

/**
 * The edge for runs without Envoy, built from the descriptor set alone: the
 * REST surface of the google.api.http annotations, Connect and gRPC-Web,
 * /openapi.json and /docs, the storefront's static files, a rate limit per
 * client, and the status port every service has.
 */
export async function startGateway({ config, contracts, log }: GatewayDeps): Promise<RunningGateway> {
  initProcessMetrics('gateway');
  const routes = buildRouteTable(contracts);
  const healthService = contracts.registry.getService('grpc.health.v1.Health');
  const upstreams = createUpstreams(contracts.services, {
    addresses: (service) => upstreamAddresses(config, service),
    deadlineMs: config.CLIENT_DEADLINE_MS,
    healthService,
    log,
  });
  const drain = new AbortController();
  const rest = createRestHandler({ registry: contracts.registry, upstreams, maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES, drain: drain.signal, log });
  const connect = createConnectProxy(contracts, upstreams, config.GATEWAY_MAX_BODY_BYTES);
  const rpcPaths = new Set(contracts.services.flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`)));
  const rpcPrefixes = contracts.services.map((s) => `/${s.typeName}/`);
  const openApi = JSON.stringify(buildOpenApi(routes.routes, contracts.registry, {
    title: 'shopmesh REST API',
    version,
    description: 'REST transcoding of the shopmesh gRPC services, from their google.api.http annotations. The same surface is served by Envoy and by the gateway; see docs/edge.md.',
  }), null, 2);
  const publicDir = existsSync(config.GATEWAY_PUBLIC_DIR) ? config.GATEWAY_PUBLIC_DIR : undefined;
  const limiter = config.GATEWAY_RATE_LIMIT_RPS > 0
    ? createRateLimiter({ ratePerSecond: config.GATEWAY_RATE_LIMIT_RPS, burst: config.GATEWAY_RATE_LIMIT_BURST })
    : undefined;
  let serving = false;

  const clientAddress = (req: IncomingMessage) => {
    const forwarded = config.GATEWAY_TRUST_PROXY ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '';
    return forwarded || req.socket.remoteAddress || 'unknown';
  };

  async function handle(req: IncomingMessage, res: ServerResponse, label: (route: string) => void): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/healthz') {
      label('healthz');
      return sendJson(res, serving ? 200 : 503, { status: serving ? 'ok' : 'unavailable' });
    }
    if (applyCors(req, res, config.GATEWAY_CORS_ORIGINS)) return label('preflight');
    if (limiter) {
      const decision = limiter.take(clientAddress(req));
      if (!decision.allowed) {
        label('rate_limited');
        return sendError(res, new EdgeError('rate limit exceeded, retry later', Code.ResourceExhausted), contracts.registry, log, { 'retry-after': String(decision.retryAfterSeconds) });
      }
    }

    const match = routes.match(method, url);
    if (match) {
      label(match.route.pattern);
      return rest(req, res, match);
    }
    if (rpcPrefixes.some((prefix) => path.startsWith(prefix))) {
      label(rpcPaths.has(path) ? path : 'unmatched');
      return connect(req, res);
    }
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/openapi.json') {
        label('openapi');
        return sendText(res, openApi, 'application/json');
      }
      if (path === '/docs' || path === '/docs/') {
        label('docs');
        return sendText(res, DOCS_HTML, 'text/html; charset=utf-8');
      }
      if (path === '/docs/swagger-initializer.js') {
        label('docs');
        return sendText(res, DOCS_INITIALIZER, 'text/javascript; charset=utf-8');
      }
      const asset = path.startsWith('/docs/') ? docsAsset(path.slice('/docs/'.length)) : undefined;
      if (asset) {
        label('docs');
        res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' });
        createReadStream(asset.file).on('error', () => res.destroy()).pipe(res);
        return;
      }
      if (publicDir && await serveStatic(publicDir, req, res, path, () => label('static'))) return;
      if (path === '/' && !publicDir) {
        label('index');
        return sendJson(res, 200, { name: 'shopmesh gateway', docs: '/docs', openapi: '/openapi.json', health: '/healthz' });
      }
    }
    label('unmatched');
    throw new EdgeError(`Could not resolve ${method} ${path} to a method.`, Code.NotFound);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse, refusal?: EdgeError) => {
    const stop = httpMetrics.seconds.startTimer();
    let route = 'unmatched';
    res.once('close', () => {
      const labels = { route, method: req.method ?? 'GET' };
      stop(labels);
      httpMetrics.requests.inc({ ...labels, status: String(res.statusCode) });
    });
    if (!serving) res.setHeader('connection', 'close');
    const handled = refusal ? Promise.reject(refusal) : handle(req, res, (name) => (route = name));
    handled.catch((error) => {
      if (!res.destroyed) sendError(res, error, contracts.registry, log);
    });
  };
  const server = createServer((req, res) => onRequest(req, res));
  // "Expect: 100-continue" (curl sends it for bodies over 1 MiB): refuse an oversize body before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > config.GATEWAY_MAX_BODY_BYTES) return onRequest(req, res, tooLarge(config.GATEWAY_MAX_BODY_BYTES));
    res.writeContinue();
    onRequest(req, res);
  });

  const checks: HealthCheck[] = contracts.services.filter((s) => upstreams.isConfigured(s)).map((service) => ({
    // Upstreams are reported, not required: one service down must not take the whole edge out of rotation.
    name: serviceKey(service),
    critical: false,
    check: () => upstreams.probe(service),
  }));
  const status = createStatusServer(() => serving, checks);

  const httpPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.HTTP_PORT, config.HTTP_HOST, () => resolve((server.address() as AddressInfo).port));
  });
  const metricsPort = await status.listen(config.HTTP_HOST, config.METRICS_PORT);
  serving = true;
  const url = `http://${config.HTTP_HOST}:${httpPort}`;
  log.info({ httpPort, metricsPort, routes: routes.routes.length, storefront: publicDir ?? null }, 'serving');

  let stopping: Promise<void> | undefined;
  return {
    httpPort,
    metricsPort,
    url,
    /**
     * Health goes 503 first, then no new connections, open streams end,
     * in-flight requests get SHUTDOWN_GRACE_MS, then the rest are cut.
     */
    shutdown(reason = 'shutdown') {
      stopping ??= (async () => {
        log.info({ reason }, 'draining');
        serving = false;
        drain.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle as their last response ends: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
        await closed;
        clearInterval(sweep);
        clearTimeout(force);
        upstreams.close();
        await status.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

function sendText(res: ServerResponse, text: string, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
  res.end(text);
}
