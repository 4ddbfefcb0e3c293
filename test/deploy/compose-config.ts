/**
 * docker-compose.yml and the rendered gen/deploy/compose/services.yml as compose itself
 * resolves them (`docker-compose config`: files merged, anchors merged, variables
 * interpolated), in one shape whether compose v1 (Debian's docker-compose) or v2 (the docker
 * plugin) printed it. The rendered file comes from the renderer in memory, written with a
 * copy of docker-compose.yml into a temporary directory laid out like the repository.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_FILES, renderCompose } from '../../deploy/render/compose';
import { type DeployEntry, MANIFEST_ENTRIES, root } from '../../deploy/render/model';
import { composeCommand, type Run } from './tools';

export interface Port {
  hostIp?: string;
  published?: number;
  target: number;
}

export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ComposeService {
  name: string;
  image?: string;
  build?: { context: string; target?: string; args: Record<string, string> };
  environment: Record<string, string>;
  ports: Port[];
  /** Container ports it listens on: `expose` and the targets of `ports`. */
  listens: number[];
  healthcheck?: { test: string[]; disable: boolean };
  dependsOn: Record<string, string>;
  volumes: Mount[];
  restart?: string;
  command: string[];
}

export interface ComposeFile {
  services: Map<string, ComposeService>;
  volumes: string[];
}

/** Variables docker-compose.yml interpolates: required (`${X:?...}`) and with defaults. */
export function composeVariables(text: string) {
  const required = new Set<string>();
  const defaults = new Map<string, string>();
  for (const match of text.matchAll(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g)) {
    if (match[2] === '?') required.add(match[1]);
    else defaults.set(match[1], match[2] === '-' ? match[3] : '');
  }
  return { required: [...required], defaults };
}

/** A recognisable, URL-safe stand-in for a secret. */
export const sentinel = (variable: string) => `sentinel-${variable.toLowerCase().replace(/_/g, '-')}`;

/** A temporary copy of the repository's compose files: docker-compose.yml and the rendered services file. */
export interface ComposeLayout {
  dir: string;
  /** The rendered gen/deploy/compose/services.yml. */
  rendered: string;
  remove(): void;
}

export function composeLayout(services: DeployEntry[] = MANIFEST_ENTRIES): ComposeLayout {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-compose-'));
  copyFileSync(join(root, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  let rendered = '';
  for (const file of renderCompose(services)) {
    const path = join(dir, 'gen', 'deploy', file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    rendered += file.content;
  }
  return { dir, rendered, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `docker-compose config` in the layout, with exactly the variables of its .env and nothing
 * from this process (the test runner sets LOG_LEVEL, NODE_ENV, ... which compose would
 * interpolate). The files are named with -f, or (composeFile) by COMPOSE_FILE in the .env, as
 * a user's .env from .env.example names them.
 */
export function runComposeConfig(layout: ComposeLayout, variables: Record<string, string>, composeFile?: string): Run {
  writeFileSync(
    join(layout.dir, '.env'),
    Object.entries({ ...variables, ...(composeFile ? { COMPOSE_FILE: composeFile } : {}) })
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  const files = composeFile ? [] : COMPOSE_FILES.flatMap((file) => ['-f', file]);
  const result = spawnSync(composeCommand()[0], [...composeCommand().slice(1), '--env-file', '.env', ...files, 'config'], {
    cwd: layout.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function port(entry: unknown): Port {
  if (typeof entry === 'object' && entry !== null) {
    const long = entry as { host_ip?: string; published?: string | number; target: number };
    return { hostIp: long.host_ip, published: long.published === undefined ? undefined : Number(long.published), target: Number(long.target) };
  }
  const parts = String(entry)
    .replace(/\/\w+$/, '')
    .split(':');
  const target = Number(parts.pop());
  const published = parts.length ? Number(parts.pop()) : undefined;
  return { hostIp: parts.length ? parts.join(':') : undefined, published, target };
}

function mount(entry: unknown): Mount {
  if (typeof entry === 'object' && entry !== null) {
    const long = entry as { type: string; source: string; target: string; read_only?: boolean };
    return { type: long.type === 'bind' ? 'bind' : 'volume', source: long.source, target: long.target, readOnly: long.read_only === true };
  }
  const [source, target, mode] = String(entry).split(':');
  return { type: /^[./~]/.test(source) ? 'bind' : 'volume', source, target, readOnly: mode === 'ro' };
}

function words(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function service(name: string, raw: Record<string, any>): ComposeService {
  const environment = Object.fromEntries(
    Array.isArray(raw.environment)
      ? raw.environment.map((item: string) => [item.split('=')[0], item.slice(item.indexOf('=') + 1)])
      : Object.entries(raw.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
  const dependsOn = Array.isArray(raw.depends_on)
    ? Object.fromEntries(raw.depends_on.map((dep: string) => [dep, 'service_started']))
    : Object.fromEntries(Object.entries(raw.depends_on ?? {}).map(([dep, spec]) => [dep, (spec as { condition: string }).condition]));
  const ports = (raw.ports ?? []).map(port);
  const build =
    raw.build === undefined
      ? undefined
      : typeof raw.build === 'string'
        ? { context: raw.build, args: {} }
        : {
            context: raw.build.context,
            target: raw.build.target,
            args: Object.fromEntries(Object.entries(raw.build.args ?? {}).map(([k, v]) => [k, String(v)])),
          };
  return {
    name,
    image: raw.image,
    build,
    environment,
    ports,
    listens: [...(raw.expose ?? []).map((p: unknown) => Number(String(p).replace(/\/\w+$/, ''))), ...ports.map((p: Port) => p.target)],
    healthcheck: raw.healthcheck ? { test: words(raw.healthcheck.test), disable: raw.healthcheck.disable === true } : undefined,
    dependsOn,
    volumes: (raw.volumes ?? []).map(mount),
    restart: raw.restart === undefined ? undefined : String(raw.restart),
    command: words(raw.command),
  };
}

export function readComposeConfig(output: string): ComposeFile {
  const raw = parse(output) as { services: Record<string, Record<string, unknown>>; volumes?: Record<string, unknown> };
  return {
    services: new Map(Object.entries(raw.services).map(([name, spec]) => [name, service(name, spec)])),
    volumes: Object.keys(raw.volumes ?? {}),
  };
}

/** The hand-written docker-compose.yml (the infrastructure). */
export const composeText = () => readFileSync(join(root, 'docker-compose.yml'), 'utf8');

/** `.env.example` as variable -> { value, commented }. */
export function envExample(): Map<string, { value: string; commented: boolean }> {
  const entries = new Map<string, { value: string; commented: boolean }>();
  for (const line of readFileSync(join(root, '.env.example'), 'utf8').split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) entries.set(match[2], { value: match[3], commented: match[1] !== undefined });
  }
  return entries;
}

/** Hosts named by a variable's value: URLs (`scheme://user:pw@host:port`) or `host:port` lists. */
export function hostsIn(value: string): string[] {
  return value.split(',').flatMap((item) => {
    const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?([A-Za-z0-9_.-]+):\d+(?:\/.*)?$/.exec(item.trim());
    return match ? [match[1]] : [];
  });
}
