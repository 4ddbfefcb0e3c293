import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Contracts } from './contracts';
import { expandEnvoyTemplate, isEnvoyTemplate } from './envoy-template';
import { createLocalReplies, type LocalReplies } from './local-reply';
import { parseTranscoderOptions, type TranscoderOptions } from './transcoder-options';

const TRANSCODER = 'envoy.filters.http.grpc_json_transcoder';
const HCM = 'envoy.filters.network.http_connection_manager';
const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

/** The transcoder settings that apply to one request: Envoy's per-route config when its route has one. */
export type RouteTranscoder = TranscoderOptions | 'disabled';

/**
 * What the gateway takes from envoy/envoy.yaml: the grpc_json_transcoder
 * filter's settings, the per-route overrides (matched on the REST path before
 * transcoding, first match wins, as Envoy picks the route), and the local
 * reply mappers of the connection manager. The one source of truth for both
 * edges: Envoy runs this file rendered (gen/deploy/envoy/envoy.yaml, deploy/render/envoy.ts),
 * the gateway reads the template here and expands its per-service prototypes the same way
 * (envoy-template.ts), every service of its descriptor set counting as deployed.
 */
export interface EnvoyEdge {
  transcoder: TranscoderOptions;
  /** The per-route transcoder configs, in route order. */
  routeConfigs: TranscoderOptions[];
  /** The settings for a request path: its first matching route's override, else the filter's; undefined where disabled. */
  transcoderFor(path: string): TranscoderOptions | undefined;
  localReplies: LocalReplies;
}

/** `contracts` expands a template (envoy/envoy.yaml); a finished config (Envoy's own, a test's) needs none. */
export function loadEnvoyEdge(file: string, contracts?: Pick<Contracts, 'services' | 'bindings'>): EnvoyEdge {
  return envoyEdgeFromYaml(readFileSync(file, 'utf8'), file, contracts);
}

export function envoyEdgeFromYaml(text: string, where = 'envoy.yaml', contracts?: Pick<Contracts, 'services' | 'bindings'>): EnvoyEdge {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0].message}`);
  if (isEnvoyTemplate(doc)) {
    if (!contracts) throw new Error(`${where} is a template (for_each prototypes): its per-service parts need the contracts`);
    expandEnvoyTemplate(doc, { contracts, deployed: 'every public service' });
  }
  const bootstrap = doc.toJS({ maxAliasCount: -1 });
  const hcms: any[] = [];
  for (const listener of bootstrap?.static_resources?.listeners ?? []) {
    for (const chain of listener.filter_chains ?? []) {
      for (const filter of chain.filters ?? []) if (filter.name === HCM) hcms.push(filter.typed_config);
    }
  }
  const withTranscoder = hcms.filter((hcm) => (hcm.http_filters ?? []).some((f: any) => f.name === TRANSCODER));
  if (withTranscoder.length !== 1) throw new Error(`${where}: expected one http_connection_manager with ${TRANSCODER}, found ${withTranscoder.length}`);
  const [hcm] = withTranscoder;
  const filter = hcm.http_filters.find((f: any) => f.name === TRANSCODER);
  const transcoder = parseTranscoderOptions(filter.typed_config, `${where}: http_filters.${TRANSCODER}`);

  const routes: { matches: (url: string, path: string) => boolean; config: RouteTranscoder | undefined }[] = [];
  for (const vhost of hcm.route_config?.virtual_hosts ?? []) {
    const vhostConfig = perFilter(vhost.typed_per_filter_config, `${where}: virtual_hosts.${vhost.name}`);
    for (const [i, route] of (vhost.routes ?? []).entries()) {
      routes.push({
        matches: pathMatcher(route.match, `${where}: route ${i}`),
        config: perFilter(route.typed_per_filter_config, `${where}: route ${i}`) ?? vhostConfig,
      });
    }
  }

  return {
    transcoder,
    routeConfigs: routes.flatMap((r) => (r.config && r.config !== 'disabled' ? [r.config] : [])),
    transcoderFor(url) {
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const route = routes.find((r) => r.matches(url, path));
      const config = route?.config ?? transcoder;
      return config === 'disabled' ? undefined : config;
    },
    localReplies: createLocalReplies(hcm.local_reply_config, `${where}: local_reply_config`),
  };
}

function perFilter(config: any, where: string): RouteTranscoder | undefined {
  const raw = config?.[TRANSCODER];
  if (raw === undefined) return undefined;
  if (raw['@type'] === FILTER_CONFIG) {
    if (raw.disabled === true) return 'disabled';
    if (raw.config) return parseTranscoderOptions(raw.config, where);
    return undefined;
  }
  // Envoy's per-route transcoder config replaces the filter's, field for field: no merge.
  return parseTranscoderOptions(raw, where);
}

/** Envoy's route matchers: `prefix` sees the query string too, the others the path alone. */
function pathMatcher(match: any, where: string): (url: string, path: string) => boolean {
  if (match?.path !== undefined) return (_, p) => p === match.path;
  if (match?.prefix !== undefined) return (url) => url.startsWith(match.prefix);
  if (match?.path_separated_prefix !== undefined) {
    const prefix = match.path_separated_prefix;
    return (_, p) => p === prefix || p.startsWith(`${prefix}/`);
  }
  if (match?.safe_regex?.regex !== undefined) {
    const re = new RegExp(`^(?:${match.safe_regex.regex})$`);
    return (_, p) => re.test(p);
  }
  throw new Error(`${where}: route match ${JSON.stringify(match)} is not supported by the gateway`);
}
