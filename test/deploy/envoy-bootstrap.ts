/**
 * Envoy's configuration read the way the deployment checks need it: where Envoy listens, where
 * it reads the descriptor set, and every upstream it connects to. It is the config rendered
 * from the template envoy/envoy.yaml (deploy/render/envoy.ts, gen/deploy/envoy/envoy.yaml),
 * rendered here in memory so that no stale gen/deploy is checked. One file for compose and
 * Kubernetes alike (its upstreams are short service names, which both resolve), so the
 * Kubernetes checks ask of deploy/k8s what the file needs rather than of a second copy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVOY_RENDERED, renderEnvoy } from '../../deploy/render/envoy';
import { root } from '../../deploy/render/model';

/** Where `npm run generate` writes the config Envoy runs (compose mounts it; the gateway's image carries it). */
export const ENVOY_CONFIG_FILE = join(root, 'gen', 'deploy', ENVOY_RENDERED);

/** Envoy's default for a DNS cluster's dns_refresh_rate. */
const DEFAULT_DNS_REFRESH_MS = 5_000;

interface SocketAddress {
  address: string;
  port_value: number;
}

export interface EnvoyUpstream {
  cluster: string;
  /** STRICT_DNS, LOGICAL_DNS, STATIC, ... (Envoy's default is STATIC). */
  type: string;
  host: string;
  port: number;
  /** Whether Envoy speaks HTTP/2 to it (gRPC), as the cluster's protocol options say. */
  http2: boolean;
  dnsRefreshMs: number;
}

export interface EnvoyBootstrap {
  /** The parsed file, anchors resolved. */
  config: any;
  listenerPorts: number[];
  adminPort: number;
  /** Every `proto_descriptor` path (the transcoder filter's and each route's). */
  descriptorPaths: string[];
  upstreams: EnvoyUpstream[];
  /** The edge's HTTP connection managers (one per listener filter chain). */
  connectionManagers: any[];
}

/** Every value under `key` anywhere in a parsed document. */
export function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
}

/** A proto3 JSON Duration ("5s", "0.25s") in milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  if (!match) throw new Error(`not a Duration: ${value}`);
  return Number(match[1]) * 1000;
}

/** The rendered config (by default rendered now from the manifest and the contracts), or a file of one. */
export function readEnvoyBootstrap(file?: string): EnvoyBootstrap {
  const text = file === undefined ? renderEnvoy()[0].content : readFileSync(file, 'utf8');
  const config = parse(text, { maxAliasCount: -1 });
  const listeners = config.static_resources?.listeners ?? [];
  const upstreams: EnvoyUpstream[] = [];
  for (const cluster of config.static_resources?.clusters ?? []) {
    const http2 = valuesOf(cluster.typed_extension_protocol_options ?? {}, 'http2_protocol_options').length > 0;
    const dnsRefreshMs = cluster.dns_refresh_rate ? durationMs(cluster.dns_refresh_rate) : DEFAULT_DNS_REFRESH_MS;
    for (const address of valuesOf(cluster.load_assignment ?? {}, 'socket_address') as SocketAddress[]) {
      upstreams.push({ cluster: cluster.name, type: cluster.type ?? 'STATIC', host: address.address, port: address.port_value, http2, dnsRefreshMs });
    }
  }
  return {
    config,
    listenerPorts: listeners.map((l: { address: { socket_address: SocketAddress } }) => l.address.socket_address.port_value),
    adminPort: config.admin.address.socket_address.port_value,
    descriptorPaths: valuesOf(config, 'proto_descriptor') as string[],
    upstreams,
    connectionManagers: valuesOf(listeners, 'typed_config').filter(
      (c: any) => c?.['@type'] === 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    ),
  };
}
