import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Export requests and bytes taken so far: proof that tracing was on. */
  received(): { requests: number; bytes: number };
  close(): Promise<void>;
}

/**
 * A stand-in OTLP/HTTP collector that accepts every export (POST /v1/traces,
 * /v1/metrics, /v1/logs) and keeps nothing, so services trace for real without
 * a collector's cost landing on this machine's figures.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/')) {
        res.writeHead(404).end();
        return;
      }
      requests++;
      // An empty ExportTraceServiceResponse: `{}` in JSON, zero bytes in protobuf.
      const json = String(req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => ({ requests, bytes }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
