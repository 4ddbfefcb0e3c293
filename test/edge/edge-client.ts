/**
 * The REST client of the edge suite: plain fetch against EDGE_URL, so the same
 * suite runs against the gateway (default: the one `npm start` runs for the
 * end-to-end platform) or against Envoy in front of the same services
 * (`EDGE_URL=http://127.0.0.1:8080 npm run test:edge` with docker compose up).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { SERVICES } from '../../services/manifest';
import { E2E_NAME, usePlatform } from '../support/platform';

export interface EdgeResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export interface Edge {
  url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<EdgeResponse>;
}

let edge: Promise<Edge> | undefined;

export function useEdge(): Promise<Edge> {
  edge ??= (async () => {
    const url = (process.env.EDGE_URL ?? (await usePlatform()).edge).replace(/\/$/, '');
    return {
      url,
      async request(method, path, options = {}) {
        const headers: Record<string, string> = { ...options.headers };
        if (options.token) headers.authorization = `Bearer ${options.token}`;
        let body: string | undefined;
        if (options.body !== undefined) {
          body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
          headers['content-type'] ??= 'application/json';
        }
        const response = await fetch(`${url}${path}`, { method, headers, body });
        const text = await response.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        return { status: response.status, headers: response.headers, json, text };
      },
    };
  })();
  return edge;
}

/** Whether a service runs in this deployment: the manifest lists it. */
export const deployed = (service: string) => SERVICES.some((s) => s.name === service);

/** A JSON google.rpc.Status with this gRPC code, whoever answered (service, gateway or Envoy). */
export function assertStatus(response: EdgeResponse, http: number, code: number): void {
  assert.equal(response.status, http, `expected HTTP ${http}, got ${response.status}: ${response.text.slice(0, 300)}`);
  assert.equal(response.json?.code, code, `expected google.rpc.Status code ${code}: ${response.text.slice(0, 300)}`);
  assert.equal(typeof response.json?.message, 'string');
}

/** The fields a google.rpc.BadRequest detail names. */
export function violatedFields(response: EdgeResponse): string[] {
  const detail = response.json?.details?.find((d: any) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest');
  return (detail?.fieldViolations ?? []).map((v: any) => v.field).sort();
}

export const PASSWORD = 'correct horse battery';

/** A new customer, registered and logged in through the edge. */
export async function newCustomer(edge: Edge, name = 'Edge Shopper') {
  const email = `edge-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await edge.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName: name } });
  assert.equal(registered.status, 200, registered.text);
  const login = await edge.request('POST', '/v1/users:login', { body: { email, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  return { email, token: login.json.accessToken as string, user: login.json.user as { id: string; displayName: string } };
}

/**
 * An admin. Registration never grants the role: against the suite's own
 * platform an account is registered and made admin with `npm run admin --
 * grant` on that platform's users database, as an operator would; against
 * another deployment (EDGE_URL) name an existing admin with EDGE_ADMIN_EMAIL /
 * EDGE_ADMIN_PASSWORD.
 */
export async function adminToken(edge: Edge): Promise<string> {
  let email = process.env.EDGE_ADMIN_EMAIL;
  let password = process.env.EDGE_ADMIN_PASSWORD ?? 'edge-suite-admin-password';
  if (!email) {
    email = `edge-admin-${randomUUID().slice(0, 8)}@example.com`;
    password = 'edge-suite-admin-password';
    const registered = await edge.request('POST', '/v1/users', { body: { email, password, displayName: 'Edge Admin' } });
    assert.equal(registered.status, 200, registered.text);
    const granted = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, '..', '..', 'scripts', 'admin.ts'), 'grant', email, '--reason', 'edge suite', '--actor', 'test/edge'],
      { env: { ...process.env, USERS_DB_NAME: `${E2E_NAME}_users` }, encoding: 'utf8' },
    );
    assert.equal(granted.status, 0, `npm run admin -- grant failed: ${granted.stderr}`);
  }
  const login = await edge.request('POST', '/v1/users:login', { body: { email, password } });
  assert.equal(login.status, 200, `cannot log in as ${email}; set EDGE_ADMIN_EMAIL and EDGE_ADMIN_PASSWORD: ${login.text}`);
  assert.equal(login.json.user.role, 'ROLE_ADMIN', `${email} is not an admin of this deployment (npm run admin -- grant)`);
  return login.json.accessToken;
}
