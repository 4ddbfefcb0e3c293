import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2cServer, Http2ServerResponse, type Http2ServerRequest, type Http2Session } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Code, type ConnectError } from '@connectrpc/connect';
import { Redis } from 'ioredis';
import type { Logger } from '../../../platform/logger';
import { initProcessMetrics } from '../../../platform/metrics';
import { createStatusServer, type HealthCheck } from '../../../platform/status-server';
import { version } from '../../../package.json';
import type { GatewayConfig } from './config';
import { upstreamAddresses } from './config';
import { createConnectProxy } from './connect-proxy';
import { createGrpcPassThrough, grpcTrailersOnly, isNativeGrpc } from './grpc-pass-through';
import { serviceKey, type Contracts } from './contracts';
import { applyCors } from './cors';
import { DOCS_HTML, DOCS_INITIALIZER, docsAsset } from './docs-page';
import { httpMetrics } from './http-metrics';
import { sendJson } from './json-reply';
import { loadEnvoyEdge } from './envoy-edge';
import { buildOpenApi } from './openapi';
import { clientAddress, createRateLimiter, createSharedRateLimiter } from './rate-limit';
import { tooLarge } from './request-body';
import { createRestHandler, createTranscoding, decide, type Transcoding } from './rest-handler';
import { serveStatic } from './static-files';
import { isEdgeError } from './status-mapping';
import type { TranscoderOptions } from './transcoder-options';
import type { Resolver } from './upstream-pool';
import { createUpstreams } from './upstreams';

export interface GatewayDeps {
  config: GatewayConfig;
  contracts: Contracts;
  log: Logger;
  /** Resolves upstream host names; the system resolver unless a test brings its own. */
  resolver?: Resolver;
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
export async function startGateway({ config, contracts, log, resolver }: GatewayDeps): Promise<RunningGateway> {
  initProcessMetrics('gateway');
  const edge = loadEnvoyEdge(config.GATEWAY_ENVOY_CONFIG, contracts);
  // One Transcoding per GrpcJsonTranscoder config (the filter's and each route's), built at start:
  // a config Envoy would refuse (unknown service, clashing routes) stops the gateway here too.
  const transcodings = new Map<TranscoderOptions, Transcoding>();
  const transcodingOf = (options: TranscoderOptions) => {
    let t = transcodings.get(options);
    if (!t) transcodings.set(options, (t = createTranscoding(options, contracts)));
    return t;
  };
  const main = transcodingOf(edge.transcoder);
  for (const options of edge.routeConfigs) transcodingOf(options);
  const fronted = [
    ...contracts.services,
    ...edge.transcoder.services.flatMap((name) => {
      const service = contracts.registry.getService(name);
      return service && !contracts.services.includes(service) ? [service] : [];
    }),
  ];
  const healthService = contracts.registry.getService('grpc.health.v1.Health');
  const upstreams = createUpstreams(fronted, {
    addresses: (service) => upstreamAddresses(config, serviceKey(service), service.typeName),
    deadlineMs: config.CLIENT_DEADLINE_MS,
    dnsRefreshMs: config.GATEWAY_DNS_REFRESH_MS,
    resolver,
    healthService,
    log,
  });
  const drain = new AbortController();
  const localReplies = edge.localReplies;
  const rest = createRestHandler({ registry: contracts.registry, upstreams, localReplies, drain: drain.signal, log });
  const connect = createConnectProxy(contracts, upstreams, main.maxRequestBytes);
  const rpcPaths = new Set(fronted.flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`)));
  const publicRpcs = new Set(fronted.flatMap((s) => s.methods.filter((m) => contracts.bindings(m).length > 0).map((m) => `/${s.typeName}/${m.name}`)));
  const grpcPassThrough = createGrpcPassThrough(fronted, (path) => publicRpcs.has(path), upstreams);
  const rpcPrefixes = fronted.map((s) => `/${s.typeName}/`);
  const openApi = JSON.stringify(
    buildOpenApi(main.routes.routes, contracts.registry, {
      title: 'shopmesh REST API',
      version,
      description:
        'REST transcoding of the shopmesh gRPC services, from their google.api.http annotations. The same surface is served by Envoy and by the gateway; see docs/edge.md.',
    }),
    null,
    2,
  );
  const publicDir = existsSync(config.GATEWAY_PUBLIC_DIR) ? config.GATEWAY_PUBLIC_DIR : undefined;
  const redis =
    config.GATEWAY_RATE_LIMIT_RPS > 0 && config.GATEWAY_RATE_LIMIT_STORE === 'redis'
      ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 1_000 })
      : undefined;
  redis?.on('error', () => undefined); // reported by the limiter's fallback, once per failure burst
  let limiterWarned = 0;
  const bucket = { ratePerSecond: config.GATEWAY_RATE_LIMIT_RPS, burst: config.GATEWAY_RATE_LIMIT_BURST };
  const limiter =
    config.GATEWAY_RATE_LIMIT_RPS <= 0
      ? undefined
      : redis
        ? createSharedRateLimiter(redis, {
            ...bucket,
            prefix: config.GATEWAY_RATE_LIMIT_KEY_PREFIX,
            onError: (error) => {
              if (Date.now() - limiterWarned < 60_000) return;
              limiterWarned = Date.now();
              log.warn({ err: error }, 'rate limit store unreachable: limiting per replica until it is back');
            },
          })
        : createRateLimiter(bucket);
  let serving = false;

  const localReply = (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    if (res.headersSent) return void res.end();
    const reply = localReplies(status, message, req.headers);
    res.writeHead(reply.status, { ...headers, 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, label: (route: string) => void): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/healthz') {
      label('healthz');
      return sendJson(res, serving ? 200 : 503, { status: serving ? 'ok' : 'unavailable' });
    }
    if (applyCors(req, res, config.GATEWAY_CORS_ORIGINS)) return label('preflight');
    const nativeGrpc = req.httpVersionMajor === 2 && isNativeGrpc(req.headers['content-type']);
    if (limiter) {
      const decision = await limiter.take(clientAddress(req.headers['x-forwarded-for'], req.socket.remoteAddress, config.GATEWAY_TRUSTED_PROXY_HOPS));
      if (!decision.allowed) {
        label('rate_limited');
        // Envoy's local_ratelimit with rate_limited_as_resource_exhausted, for gRPC callers.
        if (nativeGrpc) return grpcTrailersOnly((req as unknown as Http2ServerRequest).stream, Code.ResourceExhausted, 'local_rate_limited');
        // Envoy's local_ratelimit answers 429 "local_rate_limited"; local_reply_config shapes the body.
        return localReply(req, res, 429, 'local_rate_limited', { 'retry-after': String(decision.retryAfterSeconds) });
      }
    }

    if (nativeGrpc) {
      label(rpcPaths.has(path) ? path : 'unmatched');
      const h2 = req as unknown as Http2ServerRequest;
      return grpcPassThrough(h2.stream, h2.headers);
    }
    // The transcoder, as Envoy runs it: gRPC requests pass untouched; the route's own config if it has one.
    const options = isGrpc(req, url) ? undefined : edge.transcoderFor(url);
    if (options) {
      const t = options === edge.transcoder ? main : transcodingOf(options);
      const decision = decide(t, method, url);
      if (decision.kind === 'reject') {
        label('unmatched');
        return localReply(req, res, decision.status, decision.message);
      }
      if (decision.kind === 'transcode') {
        label(decision.match.route.pattern);
        return rest(req, res, t, decision.match, decision.bindings);
      }
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
        createReadStream(asset.file)
          .on('error', () => res.destroy())
          .pipe(res);
        return;
      }
      if (publicDir && (await serveStatic(publicDir, req, res, path, () => label('static')))) return;
      if (path === '/' && !publicDir) {
        label('index');
        return sendJson(res, 200, { name: 'shopmesh gateway', docs: '/docs', openapi: '/openapi.json', health: '/healthz' });
      }
    }
    label('unmatched');
    // What Envoy's router answers for a request no route takes.
    return localReply(req, res, 404, 'no such route');
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse, refusal?: ConnectError) => {
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
      if (res.destroyed) return;
      if (isEdgeError(error)) return localReply(req, res, error.httpStatus ?? 500, error.rawMessage, error.httpStatus === 413 ? { connection: 'close' } : {});
      log.error({ err: error }, 'edge failure');
      localReply(req, res, 500, 'internal error');
    });
  };
  const server = createServer((req, res) => onRequest(req, res));
  // h2c (HTTP/2 with prior knowledge) on the same port, for gRPC clients: requests take the same path.
  const h2c = createH2cServer({ Http2ServerResponse: H2ResponseWithoutConnectionHeader }, (req, res) =>
    onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  );
  const sessions = new Set<Http2Session>();
  h2c.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const listener = createTcpServer((socket) => routeConnection(socket, server, h2c));
  // "Expect: 100-continue" (curl sends it for bodies over 1 MiB): refuse an oversize body before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > main.maxRequestBytes) return onRequest(req, res, tooLarge(main.maxRequestBytes));
    res.writeContinue();
    onRequest(req, res);
  });

  const checks: HealthCheck[] = contracts.services
    .filter((s) => upstreams.isConfigured(s))
    .map((service) => ({
      // Upstreams are reported, not required: one service down must not take the whole edge out of rotation.
      name: serviceKey(service),
      critical: false,
      check: () => upstreams.probe(service),
    }));
  const status = createStatusServer(() => serving, checks);

  const httpPort = await new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(config.HTTP_PORT, config.HTTP_HOST, () => resolve((listener.address() as AddressInfo).port));
  });
  // The HTTP/1.1 server does not listen itself: this starts its connection tracking (idle close, header timeouts).
  server.emit('listening');
  const metricsPort = await status.listen(config.HTTP_HOST, config.METRICS_PORT);
  serving = true;
  const url = `http://${config.HTTP_HOST}:${httpPort}`;
  log.info({ httpPort, metricsPort, routes: main.routes.routes.length, storefront: publicDir ?? null }, 'serving');

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
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
        server.close();
        // Keep-alive connections become idle as their last response ends: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        // HTTP/2 clients get a GOAWAY: their open calls finish, no new ones start.
        for (const session of sessions) session.close();
        const force = setTimeout(() => {
          server.closeAllConnections();
          for (const session of sessions) session.destroy();
        }, config.SHUTDOWN_GRACE_MS);
        await closed;
        clearInterval(sweep);
        clearTimeout(force);
        upstreams.close();
        redis?.disconnect();
        await status.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * gRPC, gRPC-Web and Connect requests skip the transcoder: Envoy's transcoder
 * leaves application/grpc* alone, and its grpc_web and connect_grpc_bridge
 * filters (before the transcoder) have turned the other two into gRPC by then.
 */
function isGrpc(req: IncomingMessage, url: string): boolean {
  const type = req.headers['content-type'] ?? '';
  return (
    type.startsWith('application/grpc') ||
    type.startsWith('application/connect+') ||
    req.headers['connect-protocol-version'] !== undefined ||
    (req.method === 'GET' && url.includes('connect=v1'))
  );
}

function sendText(res: ServerResponse, text: string, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
  res.end(text);
}

/**
 * One port for HTTP/1.1 and h2c, as Envoy's `codec_type: AUTO`: a connection
 * that opens with HTTP/2's preface ("PRI * HTTP/2.0") is HTTP/2, any other
 * is HTTP/1.1. The first bytes go back to the socket for the chosen server.
 */
function routeConnection(
  socket: Socket,
  http1: { emit(event: 'connection', socket: Socket): boolean },
  http2: { emit(event: 'connection', socket: Socket): boolean },
) {
  // Until the first byte nobody else watches the socket: a client that never speaks is dropped.
  const silent = () => socket.destroy();
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, silent);
  socket.on('error', silent);
  socket.once('data', (first: Buffer) => {
    socket.setTimeout(0);
    socket.off('timeout', silent);
    socket.off('error', silent);
    socket.pause();
    socket.unshift(first);
    (first.subarray(0, 4).toString('latin1') === 'PRI ' ? http2 : http1).emit('connection', socket);
    process.nextTick(() => socket.resume());
  });
}

/** How long a new connection may stay silent: node's HTTP/1.1 headersTimeout. */
const FIRST_BYTE_TIMEOUT_MS = 60_000;

/**
 * HTTP/2 has no Connection header (RFC 9113 §8.2.2) and node refuses to send
 * one: the HTTP/1.1 paths' `connection: close` (413, draining) is dropped.
 */
class H2ResponseWithoutConnectionHeader extends Http2ServerResponse {
  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (name.toLowerCase() !== 'connection') super.setHeader(name, value);
  }
  override writeHead(status: number, ...rest: any[]): this {
    const headers = rest.at(-1);
    if (headers && typeof headers === 'object') for (const name of Object.keys(headers)) if (name.toLowerCase() === 'connection') delete headers[name];
    return super.writeHead(status, ...(rest as []));
  }
}
