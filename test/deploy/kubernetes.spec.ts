import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { renderKubernetes } from '../../deploy/render/kubernetes';
import {
  addresses,
  addressesVariable,
  type DeployEntry,
  deployedService,
  environmentProblems,
  MANIFEST_ENTRIES,
  MANIFEST_SERVICES,
  requirementsFor,
  root,
  type ServiceRequirements,
} from '../../deploy/render/model';
import { ADDED, ENTRIES_WITH_ADDED } from './added-service';
import { kustomizeBase, yamllint } from './tools';

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
}

/** Where a container's variable comes from: a literal or ConfigMap value, or a Secret key. */
type Source = { value: string } | { secret: { name: string; key: string } };

const SECRET_VALUE = '(from a Secret)';

/** The platform's version (package.json): every shopmesh image's tag. */
const VERSION: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

interface Base {
  /** The entries rendered into gen/deploy/k8s. */
  entries: DeployEntry[];
  /** What each deployed service must set, as the checks expect it. */
  expected: ServiceRequirements[];
  /** Whether docs/deployment.md must show how to create each Secret (a made-up service's are not documented). */
  documented: boolean;
}

/**
 * The checks of deploy/k8s, kustomized from a temporary copy with gen/deploy/k8s rendered
 * in memory from `entries`: the hand-written base and the rendered part together.
 */
function checkBase(title: string, base: Base, more?: (resources: () => Resource[]) => void) {
  describe(title, function () {
    this.timeout(60_000);
    let resources: Resource[];

    const find = (kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata.name === name);
    const get = (kind: string, name: string): Resource => {
      const found = find(kind, name);
      assert.ok(found, `deploy/k8s renders no ${kind} ${name}`);
      return found;
    };
    const containerOf = (deployment: Resource) => {
      const container = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === deployment.metadata.name);
      assert.ok(container, `${deployment.metadata.name} has no container named after it`);
      return container;
    };
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);

    /** Every variable of a container: env entries and the keys of the ConfigMaps in envFrom. */
    function environment(container: any): Map<string, Source> {
      const env = new Map<string, Source>();
      for (const from of container.envFrom ?? []) {
        assert.ok(from.configMapRef, `${container.name}: envFrom a Secret hides its keys; name each with secretKeyRef`);
        const map = get('ConfigMap', from.configMapRef.name);
        for (const [key, value] of Object.entries(map.data ?? {})) env.set(key, { value: String(value) });
      }
      for (const entry of container.env ?? []) {
        if (entry.valueFrom?.secretKeyRef) env.set(entry.name, { secret: entry.valueFrom.secretKeyRef });
        else if (entry.valueFrom?.configMapKeyRef) {
          const { name, key } = entry.valueFrom.configMapKeyRef;
          env.set(entry.name, { value: String(get('ConfigMap', name).data?.[key]) });
        } else env.set(entry.name, { value: String(entry.value ?? '') });
      }
      return env;
    }
    const values = (env: Map<string, Source>) => Object.fromEntries([...env].map(([key, source]) => [key, 'value' in source ? source.value : SECRET_VALUE]));

    before(function () {
      resources = kustomizeBase(renderKubernetes(base.entries));
    });

    it('renders with kubectl kustomize', () => {
      assert.ok(resources.length > 0);
    });

    const checksOf = (expected: ServiceRequirements) => {
      it("runs as a Deployment with its schema's ports and its own image", () => {
        const container = containerOf(get('Deployment', expected.name));
        assert.match(container.image, new RegExp(`^(.+/)?shopmesh/${expected.name}:[\\w.-]+$`));
        const declared = (container.ports ?? []).map((p: { containerPort: number }) => p.containerPort);
        for (const [variable, port] of Object.entries(expected.ports)) {
          assert.ok(declared.includes(port), `${expected.name} declares no containerPort ${port} (${variable})`);
        }
      });

      it('gets the environment its config schema asks for, secrets from Secrets', () => {
        const env = environment(containerOf(get('Deployment', expected.name)));
        assert.deepEqual(environmentProblems(expected, values(env), 'deploy/k8s'), []);
        for (const variable of expected.secrets) {
          const source = env.get(variable);
          if (source) assert.ok('secret' in source, `${expected.name} ${variable} must come from a Secret (secretKeyRef)`);
        }
      });

      if (expected.grpcPort !== undefined) {
        it('is probed with grpc.health.v1 on its gRPC port (startup, readiness, liveness)', () => {
          const container = containerOf(get('Deployment', expected.name));
          for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
            const probe: Probe | undefined = container[kind];
            if (kind === 'startupProbe' && !probe) continue;
            assert.ok(probe?.grpc, `${expected.name} ${kind} must be a native gRPC probe`);
            assert.equal(probe.grpc.port, expected.grpcPort, `${expected.name} ${kind} probes ${probe.grpc.port}`);
            assert.ok(!probe.grpc.service, 'probe the overall status (service name "")');
          }
        });

        it('has a headless Service, so that gRPC clients balance over its pods', () => {
          const service = get('Service', expected.name);
          assert.equal(service.spec.clusterIP, 'None');
          const grpc = service.spec.ports.find((p: { name: string }) => p.name === 'grpc');
          assert.ok(grpc && grpc.port === expected.grpcPort, `Service ${expected.name} must serve grpc on ${expected.grpcPort}`);
        });
      }

      it('has a Service selecting its pods, on its ports', () => {
        const deployment = get('Deployment', expected.name);
        const service = get('Service', expected.name);
        assert.ok(matches(service.spec.selector, deployment.spec.template.metadata.labels), `Service ${expected.name} selects none of its pods`);
        const named = new Map<string, number>(containerOf(deployment).ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
        for (const port of service.spec.ports) {
          const target = typeof port.targetPort === 'string' ? named.get(port.targetPort) : (port.targetPort ?? port.port);
          assert.ok(target !== undefined && [...named.values()].includes(target), `Service ${expected.name} port ${port.name} targets nothing`);
        }
        assert.ok(
          service.spec.ports.some((p: { port: number }) => p.port === expected.metricsPort),
          `Service ${expected.name} must expose metrics on ${expected.metricsPort}`,
        );
      });

      it('scales with an HPA (at least 2 pods) and keeps pods through disruptions', () => {
        const deployment = get('Deployment', expected.name);
        const hpa = resources.find(
          (r) => r.kind === 'HorizontalPodAutoscaler' && r.spec.scaleTargetRef.kind === 'Deployment' && r.spec.scaleTargetRef.name === expected.name,
        );
        assert.ok(hpa, `no HorizontalPodAutoscaler scales ${expected.name}`);
        assert.ok(hpa.spec.minReplicas >= 2, `${expected.name}: minReplicas ${hpa.spec.minReplicas}`);
        assert.equal(deployment.spec.replicas, undefined, `${expected.name}: the HPA owns replicas; an apply must not reset them`);
        const pdb = resources.find((r) => r.kind === 'PodDisruptionBudget' && matches(r.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
        assert.ok(pdb, `no PodDisruptionBudget covers ${expected.name}`);
        assert.ok(pdb.spec.maxUnavailable !== undefined || pdb.spec.minAvailable !== undefined);
      });

      if (Object.keys(expected.defaults).some((name) => name.endsWith('_CONSUMER_GROUP'))) {
        it('scales to at most as many pods as its topics have partitions (one consuming member per partition)', () => {
          const deployment = get('Deployment', expected.name);
          const hpa = resources.find((r) => r.kind === 'HorizontalPodAutoscaler' && r.spec.scaleTargetRef.name === expected.name)!;
          const set = environment(containerOf(deployment)).get('KAFKA_TOPIC_PARTITIONS');
          const partitions = Number(set && 'value' in set ? set.value : expected.defaults.KAFKA_TOPIC_PARTITIONS);
          assert.ok(
            hpa.spec.maxReplicas <= partitions,
            `${expected.name}: maxReplicas ${hpa.spec.maxReplicas} > ${partitions} partitions; extra pods would sit idle`,
          );
        });
      }

      for (const callee of expected.calls) {
        it(`reaches ${callee} at its headless Service's gRPC port`, () => {
          const env = values(environment(containerOf(get('Deployment', expected.name))));
          const target = base.expected.find((s) => s.name === callee);
          assert.ok(target);
          for (const address of addresses(env[addressesVariable(callee)])) {
            assert.equal(address.host.split('.')[0], callee);
            assert.equal(address.port, target.grpcPort);
            assert.equal(get('Service', callee).spec.clusterIP, 'None');
          }
        });
      }
    };

    for (const expected of base.expected) describe(`${expected.name} (services/manifest.ts)`, () => checksOf(expected));
    // The edge, should it leave the manifest: its folder's schema still rules it.
    const gateway = base.expected.some((s) => s.name === 'gateway') ? undefined : requirementsFor('gateway');
    if (gateway) describe('gateway (services/gateway/src/config.ts)', () => checksOf(gateway));

    it('runs no Deployment whose config schema it cannot check', () => {
      // Envoy runs envoy/envoy.yaml, not a config schema: kubernetes-envoy.spec.ts checks it.
      for (const deployment of resources.filter((r) => r.kind === 'Deployment' && r.metadata.name !== 'envoy')) {
        assert.ok(
          base.expected.some((s) => s.name === deployment.metadata.name) || requirementsFor(deployment.metadata.name),
          `Deployment ${deployment.metadata.name} is neither in the manifest nor has services/<name>/src/config.ts`,
        );
      }
    });

    it('gives every Deployment readiness and liveness probes, resources and non-root, read-only containers (init containers too)', () => {
      for (const deployment of resources.filter((r) => r.kind === 'Deployment')) {
        const name = deployment.metadata.name;
        const pod = deployment.spec.template.spec;
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const initializing = (pod.initContainers ?? []).includes(container);
          if (!initializing) assert.ok(container.readinessProbe && container.livenessProbe, `${name}/${container.name} needs readiness and liveness probes`);
          for (const kind of ['requests', 'limits']) {
            assert.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `${name}/${container.name} needs cpu and memory ${kind}`);
          }
          assert.ok(pod.securityContext?.runAsNonRoot || container.securityContext?.runAsNonRoot, `${name} must run as non-root`);
          assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${name}: allowPrivilegeEscalation: false`);
          assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${name}: readOnlyRootFilesystem: true`);
        }
        assert.equal(pod.enableServiceLinks, false, `${name}: service links would add <SERVICE>_PORT=tcp://... variables`);
      }
    });

    it('tags every shopmesh image with the platform version (package.json): the rendered and the hand-written alike', () => {
      const images = resources
        .filter((r) => r.kind === 'Deployment')
        .flatMap((d) => [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])].map((c: { image: string }) => c.image))
        .filter((image) => /^shopmesh\//.test(image));
      assert.ok(images.length >= base.expected.length);
      for (const image of images) assert.match(image, new RegExp(`:${VERSION.replace(/\./g, '\\.')}$`), `${image}: tag it ${VERSION}`);
    });

    if (base.documented)
      it('documents how to create every Secret it references (docs/deployment.md)', () => {
        const docs = readFileSync(join(root, 'docs', 'deployment.md'), 'utf8');
        const refs = new Set<string>();
        for (const deployment of resources.filter((r) => r.kind === 'Deployment')) {
          for (const container of deployment.spec.template.spec.containers) {
            for (const source of environment(container).values()) {
              if ('secret' in source) refs.add(`${source.secret.name} ${source.secret.key}`);
            }
          }
        }
        assert.ok(refs.size > 0);
        for (const ref of refs) {
          const [name, key] = ref.split(' ');
          const command = new RegExp(`create secret generic ${name}\\b[^\\n]*(\\\\\\n[^\\n]*)*--from-literal=${key}=`);
          assert.match(docs, command, `docs/deployment.md must show how to create Secret ${name} with ${key}`);
        }
      });

    it('keeps every password out of ConfigMaps (a URL with credentials comes from a Secret)', () => {
      for (const map of resources.filter((r) => r.kind === 'ConfigMap')) {
        for (const [key, value] of Object.entries(map.data ?? {})) {
          assert.doesNotMatch(String(value), /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i, `ConfigMap ${map.metadata.name} ${key} holds a password`);
        }
      }
    });

    it('gives every service that sets REDIS_URL the password-carrying URL from a Secret', () => {
      for (const deployment of resources.filter((r) => r.kind === 'Deployment')) {
        const source = environment(containerOf(deployment)).get('REDIS_URL');
        if (source) assert.ok('secret' in source, `${deployment.metadata.name} REDIS_URL must come from a Secret (it carries the Redis password)`);
      }
    });

    it('puts everything in one namespace', () => {
      const namespaces = new Set(resources.filter((r) => r.kind !== 'Namespace').map((r) => r.metadata.namespace));
      assert.deepEqual([...namespaces], ['shopmesh']);
    });

    more?.(() => resources);
  });
}

checkBase('deploy/k8s (kustomize base)', { entries: MANIFEST_ENTRIES, expected: MANIFEST_SERVICES, documented: true }, () => {
  it('renders the per-service part from the manifest: its YAML passes yamllint (.yamllint, strict)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopmesh-k8s-lint-'));
    try {
      const files = renderKubernetes().map((file) => {
        const path = join(dir, file.path.replace(/\//g, '-'));
        writeFileSync(path, file.content);
        return path;
      });
      const result = yamllint(files);
      assert.equal(result.status, 0, `yamllint:\n${result.stdout}${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names no service of the manifest in a setting of the hand-written deploy/k8s (the edge, the gateway, aside)', () => {
    const dir = join(root, 'deploy', 'k8s');
    const strings = (node: unknown): string[] =>
      typeof node === 'string' || typeof node === 'number'
        ? [String(node)]
        : node && typeof node === 'object'
          ? Object.entries(node).flatMap(([key, value]) => [key, ...strings(value)])
          : [];
    for (const file of readdirSync(dir)) {
      const words = parseAllDocuments(readFileSync(join(dir, file), 'utf8')).flatMap((doc) => strings(doc.toJS()));
      for (const service of MANIFEST_SERVICES.filter((s) => s.name !== 'gateway')) {
        const named = words.filter((word) => new RegExp(`(^|[^a-z])${service.name}([^a-z]|$)`, 'i').test(word));
        assert.deepEqual(named, [], `deploy/k8s/${file} names ${service.name}: render it (deploy/render/kubernetes.ts)`);
      }
    }
  });
});

// A service added to the manifest (test/deploy/added-service.ts) appears in every part of the
// base, and it and every other service pass the same checks.
const added = deployedService(ADDED);
checkBase(
  `deploy/k8s with a service added to the manifest (${ADDED.name}, made up)`,
  { entries: ENTRIES_WITH_ADDED, expected: ENTRIES_WITH_ADDED.map(deployedService), documented: false },
  (resources) => {
    it(`renders ${added.name}'s Deployment, Service, HPA, PDB, ConfigMap, image and NetworkPolicy`, () => {
      const kinds = (name: string) =>
        resources()
          .filter((r) => r.metadata.name === name || r.metadata.name === `${name}-ingress` || r.metadata.name.startsWith(`${name}-config-`))
          .map((r) => r.kind)
          .sort();
      assert.deepEqual(kinds(added.name), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
      const deployment = resources().find((r) => r.kind === 'Deployment' && r.metadata.name === added.name)!;
      assert.equal(deployment.spec.template.spec.containers[0].image, `shopmesh/${added.name}:${VERSION}`);
    });

    it(`gives the gateway ${addressesVariable(added.name)} and ${added.name} the addresses of what it calls`, () => {
      const config = (prefix: string) => resources().find((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith(`${prefix}-config-`))?.data ?? {};
      assert.equal(config('gateway')[addressesVariable(added.name)], `${added.name}:${added.grpcPort}`);
      for (const callee of added.calls) assert.ok(config(added.name)[addressesVariable(callee)], `${added.name} has no ${addressesVariable(callee)}`);
    });
  },
);
