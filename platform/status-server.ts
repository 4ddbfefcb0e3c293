import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exposition } from './metrics';

/** A readiness check; critical ones make /healthz answer 503 when they fail. */
export interface HealthCheck {
  name: string;
  critical: boolean;
  check(): Promise<void>;
}

/**
 * The small HTTP port of every service: /metrics for Prometheus (OpenMetrics
 * with exemplars when asked for, the text format otherwise) and /healthz (JSON
 * with each check) for humans and orchestrators.
 */
export function createStatusServer(isServing: () => boolean, checks: HealthCheck[]) {
  const server: Server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        const { contentType, body } = await exposition(req.headers.accept);
        res.setHeader('content-type', contentType);
        res.end(body);
      } else if (path === '/healthz') {
        const results = await Promise.all(
          checks.map(async (c) => {
            try {
              await c.check();
              return { name: c.name, critical: c.critical, ok: true };
            } catch (error) {
              return { name: c.name, critical: c.critical, ok: false, error: (error as Error).message };
            }
          }),
        );
        const healthy = isServing() && results.every((r) => r.ok || !r.critical);
        res.statusCode = healthy ? 200 : 503;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', serving: isServing(), checks: results }));
      } else {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz'] }));
      }
    } catch {
      res.statusCode = 500;
      res.end();
    }
  });

  return {
    listen: (host: string, port: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
