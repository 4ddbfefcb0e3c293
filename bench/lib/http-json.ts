import http from 'node:http';

/** A non-2xx answer; `code` is the gRPC code of the google.rpc.Status body when the edge sent one. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonRequest {
  body?: unknown;
  token?: string;
}

/**
 * JSON over keep-alive HTTP/1.1 with node:http: one pooled connection per
 * concurrent request, so the client stays cheap next to the server it measures.
 */
export function httpJsonClient(baseUrl: string, { maxSockets = 64 }: { maxSockets?: number } = {}) {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    request<T = any>(method: string, path: string, { body, token }: JsonRequest = {}): Promise<T> {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
      if (token) headers.authorization = `Bearer ${token}`;
      return new Promise((resolve, reject) => {
        const req = http.request({ agent, host: base.hostname, port: base.port, method, path, headers, timeout: 15_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: any;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(json as T);
            else
              reject(
                new HttpError(
                  status,
                  typeof json?.code === 'number' ? json.code : undefined,
                  `${method} ${path}: HTTP ${status} ${json?.message ?? text.slice(0, 200)}`,
                ),
              );
          });
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

export type HttpJsonClient = ReturnType<typeof httpJsonClient>;
