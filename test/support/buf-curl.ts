import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const buf = join(__dirname, '..', '..', 'node_modules', '.bin', 'buf');

export interface BufCurlResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (responses), or stderr for errors, when it is JSON. */
  json?: any;
}

/**
 * `buf curl` over gRPC with schemas from server reflection: a real client that
 * knows nothing of our code, as grpcurl users see the services.
 */
export function bufCurl(url: string, options: { data?: unknown; token?: string; args?: string[] } = {}): BufCurlResult {
  const args = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...(options.args ?? [])];
  if (options.token) args.push('-H', `authorization: Bearer ${options.token}`);
  // The body goes through stdin: large bodies exceed what one argument may hold.
  if (options.data !== undefined) args.push('-d', '@-');
  args.push(url);
  const input = options.data === undefined ? undefined : JSON.stringify(options.data);
  const result = spawnSync(buf, args, { encoding: 'utf8', timeout: 20_000, input });
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json: parse(result.stdout) ?? parse(result.stderr) };
}
