import { strict as assert } from 'node:assert';
import { renderKubernetes } from '../../deploy/render/kubernetes';
import {
  type DataStore,
  type DeployEntry,
  dataStoresOf,
  deployedService,
  MANIFEST_ENTRIES,
  MANIFEST_SERVICES,
  type ServiceRequirements,
} from '../../deploy/render/model';
import { ADDED, ENTRIES_WITH_ADDED } from './added-service';
import { admits, type NetworkPolicy, type Pod } from './network-policy-rules';
import { kustomizeBase } from './tools';

const NAMESPACE = 'shopmesh';
const NAME = 'app.kubernetes.io/name';
const STORE_PORTS: Record<DataStore, number> = { mysql: 3306, redis: 6379, kafka: 9092 };

interface Graph {
  /** The entries rendered into gen/deploy/k8s. */
  entries: DeployEntry[];
  /** Every deployed service, as the checks expect it. */
  services: ServiceRequirements[];
  /** The data stores a service connects to. */
  storesOf(name: string): Set<DataStore>;
}

/**
 * Who may connect to what, derived the way the platform connects: manifest `calls` (the
 * gateway's included), Envoy (the edge, in front of every gRPC service of the manifest and of
 * the gateway), the registry probing every registered gRPC service (health, reflection,
 * /metrics) and every gRPC service registering with it, Prometheus scraping, and each data
 * store from the services that use it. Each port is checked against every pod below, so an
 * edge missing and an edge too many both fail. The policies are deploy/k8s kustomized with
 * gen/deploy/k8s rendered in memory from `entries`.
 */
function checkPolicies(title: string, graph: Graph) {
  describe(title, function () {
    this.timeout(60_000);
    let policies: NetworkPolicy[];
    const pods = new Map<string, Pod>();
    const grpcServices = graph.services.filter((s) => s.grpcPort !== undefined);
    const gateway = graph.services.find((s) => s.name === 'gateway');
    /** Where Envoy connects: every gRPC service's gRPC port, and the gateway's HTTP port for the rest. */
    const envoyUpstreams = [
      ...grpcServices.map((s) => ({ name: s.name, port: s.grpcPort! })),
      ...(gateway?.ports.HTTP_PORT ? [{ name: 'gateway', port: gateway.ports.HTTP_PORT }] : []),
    ];
    const envoyCalls = (name: string, port: number) => envoyUpstreams.some((u) => u.name === name && u.port === port);
    /** Envoy's ports by their container port names (deploy/k8s/envoy.yaml): the admin port, and its listeners. */
    const envoyPorts = () => {
      const ports = pods.get('envoy')?.ports ?? {};
      assert.ok(ports.admin, 'the envoy Deployment names no admin port');
      return {
        admin: ports.admin,
        listeners: Object.entries(ports)
          .filter(([name]) => name !== 'admin')
          .map(([, port]) => port),
      };
    };

    const inNamespace = (labels: Record<string, string>, namespace = NAMESPACE): Pod => ({
      labels,
      namespace: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } },
    });
    const target = (name: string) => {
      const pod = pods.get(name);
      assert.ok(pod?.namespace, `no pod ${name}`);
      return pod as Pod & { namespace: { name: string; labels: Record<string, string> } };
    };
    /** The names of the sources (of every pod known here) that may reach `port` of `name`. */
    const reaching = (name: string, port: number) =>
      [...pods]
        .filter(([, source]) => admits(policies, source, target(name), port))
        .map(([source]) => source)
        .sort();

    before(function () {
      const resources = kustomizeBase(renderKubernetes(graph.entries));
      policies = resources.filter((r) => r.kind === 'NetworkPolicy');
      for (const deployment of resources.filter((r) => r.kind === 'Deployment')) {
        const pod = inNamespace(deployment.spec.template.metadata.labels);
        pod.ports = Object.fromEntries(
          deployment.spec.template.spec.containers.flatMap((c: { ports?: { name: string; containerPort: number }[] }) =>
            (c.ports ?? []).map((p) => [p.name, p.containerPort]),
          ),
        );
        pods.set(deployment.metadata.name, pod);
      }
      const part = { 'app.kubernetes.io/part-of': 'shopmesh' };
      for (const name of ['envoy', 'mysql', 'redis', 'kafka', 'otel-collector']) {
        if (!pods.has(name)) pods.set(name, inNamespace({ [NAME]: name, ...part }));
      }
      pods.set('prometheus@monitoring', inNamespace({ [NAME]: 'prometheus' }, 'monitoring'));
      // Pods that no rule names: a debug pod here, and one in another namespace that borrows a caller's name.
      pods.set('intruder', inNamespace({ run: 'debug' }));
      pods.set('orders@other', inNamespace({ [NAME]: 'orders' }, 'other'));
      pods.set('internet', { labels: {} });
    });

    it('denies every ingress in the namespace by default', () => {
      const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes?.includes('Ingress'));
      assert.ok(deny, 'no NetworkPolicy selects every pod for Ingress');
      assert.deepEqual(deny.spec.ingress ?? [], [], `${deny.metadata.name} must admit nothing`);
      assert.deepEqual(reaching('intruder', 8080), [], 'a pod no policy names must be unreachable');
    });

    for (const service of grpcServices) {
      const callers = graph.services.filter((s) => s.calls.includes(service.name)).map((s) => s.name);
      if (envoyCalls(service.name, service.grpcPort!)) callers.push('envoy');
      if (service.name === 'registry') callers.push(...grpcServices.filter((s) => s.name !== 'registry').map((s) => s.name));
      else callers.push('registry');

      it(`admits exactly ${service.name}'s callers to its gRPC port (${[...new Set(callers)].sort().join(', ')})`, () => {
        assert.deepEqual(reaching(service.name, service.grpcPort!), [...new Set(callers)].sort());
      });

      it(`admits Prometheus${service.name === 'registry' ? '' : ' and the registry'} to ${service.name}'s metrics port`, () => {
        const scrapers = service.name === 'registry' ? ['prometheus@monitoring'] : ['prometheus@monitoring', 'registry'];
        assert.deepEqual(reaching(service.name, service.metricsPort), scrapers.sort());
      });
    }

    it("keeps a pod outside the list off users' gRPC port, even one named like a caller in another namespace", () => {
      const users = grpcServices.find((s) => s.name === 'users')!;
      for (const source of ['intruder', 'orders@other', 'internet', 'payments', 'notifications']) {
        assert.ok(!admits(policies, pods.get(source)!, target('users'), users.grpcPort!), `${source} reaches users' gRPC port`);
      }
    });

    it("opens the edge (Envoy's listener) to clients outside the cluster, and nothing else", () => {
      assert.ok(gateway?.ports.HTTP_PORT);
      const envoy = envoyPorts();
      assert.ok(envoy.listeners.length > 0);
      for (const port of envoy.listeners) assert.ok(admits(policies, pods.get('internet')!, target('envoy'), port));
      assert.ok(!admits(policies, pods.get('internet')!, target('envoy'), envoy.admin), "Envoy's admin port must stay inside");
      assert.ok(!admits(policies, pods.get('internet')!, target('gateway'), gateway.ports.HTTP_PORT), 'the gateway is behind Envoy');
      assert.ok(!admits(policies, pods.get('internet')!, target('gateway'), gateway.metricsPort));
      for (const service of grpcServices) {
        assert.ok(!admits(policies, pods.get('internet')!, target(service.name), service.grpcPort!), `${service.name}'s gRPC port is open to the internet`);
      }
    });

    it("admits exactly Envoy to the gateway's HTTP port (the gateway trusts one proxy hop of X-Forwarded-For)", () => {
      assert.ok(gateway?.ports.HTTP_PORT && envoyCalls('gateway', gateway.ports.HTTP_PORT), 'Envoy sends the rest to the gateway');
      assert.deepEqual(reaching('gateway', gateway.ports.HTTP_PORT), ['envoy']);
    });

    it('admits Envoy to every gRPC service and the gateway, and to no other port', () => {
      for (const upstream of envoyUpstreams) {
        assert.ok(admits(policies, pods.get('envoy')!, target(upstream.name), upstream.port), `Envoy cannot reach ${upstream.name}:${upstream.port}`);
      }
      for (const [name, pod] of pods) {
        if (pod.namespace?.name !== NAMESPACE || name === 'envoy') continue;
        const ports = [...Object.values(pod.ports ?? {}), ...Object.values(STORE_PORTS), 4318];
        for (const port of new Set(ports)) {
          if (name === 'otel-collector' && port === 4318) continue; // traces from every shopmesh pod
          if (admits(policies, pods.get('envoy')!, target(name), port)) {
            assert.ok(envoyCalls(name, port), `Envoy may reach ${name}:${port}, which is neither a gRPC service's gRPC port nor the gateway's`);
          }
        }
      }
    });

    for (const store of ['mysql', 'redis', 'kafka'] as const) {
      const users = graph.services
        .filter((s) => graph.storesOf(s.name).has(store))
        .map((s) => s.name)
        .sort();
      it(`admits exactly the services that use ${store} (${users.join(', ')})`, () => {
        assert.ok(users.length > 0);
        assert.deepEqual(reaching(store, STORE_PORTS[store]), users);
      });
    }

    it('lets every service export traces to the collector', () => {
      for (const service of graph.services) {
        assert.ok(admits(policies, pods.get(service.name)!, target('otel-collector'), 4318), `${service.name} cannot export OTLP`);
      }
      assert.ok(!admits(policies, pods.get('intruder')!, target('otel-collector'), 4318));
    });
  });
}

checkPolicies('deploy/k8s NetworkPolicies', { entries: MANIFEST_ENTRIES, services: MANIFEST_SERVICES, storesOf: dataStoresOf });

// A service added to the manifest (test/deploy/added-service.ts): the same graph, with it in.
const withAdded = ENTRIES_WITH_ADDED.map(deployedService);
checkPolicies(`deploy/k8s NetworkPolicies with a service added to the manifest (${ADDED.name}, made up)`, {
  entries: ENTRIES_WITH_ADDED,
  services: withAdded,
  storesOf: (name) => withAdded.find((s) => s.name === name)!.stores,
});
