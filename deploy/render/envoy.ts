import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DescMethod } from '@bufbuild/protobuf';
import { parseDocument } from 'yaml';
import { type Contracts, loadContracts } from '../../services/gateway/src/contracts';
import { expandEnvoyTemplate, isEnvoyTemplate } from '../../services/gateway/src/envoy-template';
import { MANIFEST_SERVICES, root } from './model';
import { generatedHeader, type RenderedFile } from './rendered-file';

/** The hand-written part: everything that is not per service, and the prototypes of what is. */
export const ENVOY_TEMPLATE = join(root, 'envoy', 'envoy.yaml');
/** Where the rendered config lands, relative to gen/deploy. */
export const ENVOY_RENDERED = 'envoy/envoy.yaml';

export interface EnvoyInput {
  /** The template's text (default: envoy/envoy.yaml). */
  template?: string;
  /** The contracts (default: the descriptor set `npm run generate` builds). */
  contracts?: Pick<Contracts, 'services' | 'bindings'>;
  /** The deployed services: those with a gRPC port get a cluster (default: services/manifest.ts). */
  services?: readonly { name: string; grpcPort?: number }[];
  /** Whether a method may be retried (default: its contract's idempotency_level). */
  retryable?: (method: DescMethod) => boolean;
}

/**
 * Envoy's configuration: envoy/envoy.yaml with its per-service prototypes expanded
 * (services/gateway/src/envoy-template.ts) for the contracts and the deployed services:
 * internal-RPC 404s, retried and streaming routes per method, one prefix route and one
 * cluster per service, a 503 prefix route per contract not deployed yet, and the
 * transcoder's services. Comments, anchors and aliases of the template are kept.
 */
export function renderEnvoy(input: EnvoyInput = {}): RenderedFile[] {
  const template = input.template ?? readFileSync(ENVOY_TEMPLATE, 'utf8');
  const doc = parseDocument(template);
  if (doc.errors.length > 0) throw new Error(`envoy/envoy.yaml: ${doc.errors[0].message}`);
  if (!isEnvoyTemplate(doc)) throw new Error('envoy/envoy.yaml has no for_each prototype or <every public service>: not a template');
  const deployed = (input.services ?? MANIFEST_SERVICES).flatMap((s) => (s.grpcPort === undefined ? [] : [{ name: s.name, grpcPort: s.grpcPort }]));
  expandEnvoyTemplate(doc, { contracts: input.contracts ?? loadContracts(), deployed, retryable: input.retryable });
  checkClusters(doc.toJS({ maxAliasCount: -1 }));
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: true });
  const header = `${generatedHeader('envoy.ts')}# Template: envoy/envoy.yaml (edit that file; the per-service parts come from the manifest and the contracts).\n#\n`;
  return [{ path: ENVOY_RENDERED, content: header + body }];
}

/** Every cluster a route names exists: Envoy refuses a static route to an unknown cluster. */
function checkClusters(config: any): void {
  const clusters = new Set((config.static_resources?.clusters ?? []).map((c: { name: string }) => c.name));
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'route' && typeof (value as any)?.cluster === 'string' && !clusters.has((value as any).cluster)) {
        throw new Error(`envoy/envoy.yaml: a route goes to cluster "${(value as any).cluster}", which is not deployed (services/manifest.ts)`);
      }
      visit(value);
    }
  };
  visit(config);
}
