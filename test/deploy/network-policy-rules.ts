/**
 * Kubernetes NetworkPolicy ingress semantics, evaluated over rendered manifests, so that
 * the tests can ask "may this pod reach that port?" the way a CNI would answer it:
 * - a pod selected by no Ingress policy accepts everything; once one selects it, only what
 *   some selecting policy's rule admits gets in (rules are unions, never subtractions);
 * - a rule admits a connection when one of its `ports` matches (none listed: every port)
 *   and one of its `from` peers matches (none listed: every source, outside the cluster too);
 * - a peer's podSelector alone means pods of the policy's own namespace, namespaceSelector
 *   alone every pod of the matching namespaces, both together pods matching both.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}

export interface NetworkPolicy {
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { ports?: { port?: number | string; protocol?: string }[]; from?: Peer[] }[];
  };
}

/** A pod as a policy sees it; `namespace` undefined is a client outside the cluster. */
export interface Pod {
  labels: Record<string, string>;
  namespace?: { name: string; labels: Record<string, string> };
  /** Container ports by name, to resolve named ports in a rule. */
  ports?: Record<string, number>;
}

export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return key in labels && values.includes(labels[key]);
        case 'NotIn':
          return !(key in labels) || !values.includes(labels[key]);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
      }
    })
  );
}

const isIngress = (policy: NetworkPolicy) => policy.spec.policyTypes?.includes('Ingress') ?? true;

function peerMatches(peer: Peer, source: Pod, policyNamespace: string): boolean {
  // ipBlock is not modelled: the policies here name pods, and the tests would rather fail than guess.
  if (peer.ipBlock || !source.namespace) return false;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, source.namespace.labels)) return false;
  } else if (source.namespace.name !== policyNamespace) return false;
  return peer.podSelector ? selects(peer.podSelector, source.labels) : true;
}

/** Whether `source` may open a TCP connection to `port` of `target` (in `namespace`). */
export function admits(policies: NetworkPolicy[], source: Pod, target: Pod & { namespace: { name: string } }, port: number): boolean {
  const selecting = policies.filter(
    (p) => isIngress(p) && (p.metadata.namespace ?? target.namespace.name) === target.namespace.name && selects(p.spec.podSelector, target.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec.ingress ?? []).some((rule) => {
      const portMatches =
        !rule.ports?.length ||
        rule.ports.some(
          (p) =>
            (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port || (typeof p.port === 'string' && target.ports?.[p.port] === port)),
        );
      const fromMatches = !rule.from?.length || rule.from.some((peer) => peerMatches(peer, source, target.namespace.name));
      return portMatches && fromMatches;
    }),
  );
}
