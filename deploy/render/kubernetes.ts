/**
 * The per-service part of the kustomize base (deploy/k8s), rendered into gen/deploy/k8s/:
 * - <name>.yaml for every gRPC service: Deployment (native gRPC probes), headless Service,
 *   HorizontalPodAutoscaler and PodDisruptionBudget;
 * - network-policies.yaml: each gRPC service's ingress (its callers in the manifest, the
 *   edge, the registry's probes, Prometheus) and each data store's (the services using it);
 * - kustomization.yaml: those files, one `<name>-config` ConfigMap per service (the
 *   gateway's too: its upstreams are every service it calls) and the services' images.
 * deploy/k8s/kustomization.yaml (hand-written: the namespace, the edge, the shared settings,
 * the default-deny policy) lists this directory as a resource, so `kubectl apply -k
 * deploy/k8s` applies both. Everything here comes from each service's entry: its config
 * schema's defaults (ports, `<NAME>_DB_NAME`, secret-like variables), its needs (database,
 * redis, outbox, consumer) and its calls.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseConfig } from '../../platform/config';
import { addressesVariable, type DataStore, type DeployedService, type DeployEntry, deployedService, isSecretLike, MANIFEST_ENTRIES, root } from './model';
import { generatedHeader, type RenderedFile } from './rendered-file';

/** The service every other registers with (REGISTRY_ADDRESSES) and whose probes reach them all. */
export const REGISTRY = 'registry';
/** The edge proxy (deploy/k8s/envoy.yaml): it routes to every gRPC service. */
export const EDGE_PROXY = 'envoy';
/** The images' tag: the platform's version (package.json), as SERVICE_VERSION defaults to. */
export const IMAGE_TAG: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
/** Pods per service at most; a consumer's is also capped at its topics' partitions. */
const MAX_REPLICAS = 6;
/** Where the data stores listen, when they run in the namespace. */
const STORE_PORTS: Record<DataStore, number> = { mysql: 3306, redis: 6379, kafka: 9092 };

const HEADER = generatedHeader('kubernetes.ts');
const PLATFORM_SECRETS = new Set(Object.keys(baseConfig.shape).filter(isSecretLike));

const labels = (name: string, indent: string) => `${indent}labels:\n${indent}  app.kubernetes.io/name: ${name}\n${indent}  app.kubernetes.io/part-of: shopmesh`;

/** A container port's name for a `*_PORT` variable: GRPC_PORT → grpc, ADMIN_HTTP_PORT → admin-http. */
function portName(variable: string): string {
  const name = variable
    .replace(/_PORT$/, '')
    .toLowerCase()
    .replace(/_/g, '-')
    .slice(0, 15)
    .replace(/-+$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) throw new Error(`${variable}: no valid container port name`);
  return name;
}

/** Where each of a service's secret variables comes from: a shared Secret or its own. */
function secretSources(service: DeployedService): { variable: string; secret: string; why?: string }[] {
  const sources: { variable: string; secret: string; why?: string }[] = [];
  if (service.required.includes('REDIS_URL')) {
    sources.push({
      variable: 'REDIS_URL',
      secret: 'shopmesh-redis',
      why: 'Carries the Redis password, so a Secret rather than the ConfigMap (docs/deployment.md).',
    });
  }
  const shared = service.secrets.filter((variable) => PLATFORM_SECRETS.has(variable));
  const own = service.secrets.filter((variable) => !PLATFORM_SECRETS.has(variable));
  // MYSQL_URL first among its own: it holds the database user's password.
  own.sort((a, b) => Number(b === 'MYSQL_URL') - Number(a === 'MYSQL_URL'));
  for (const variable of shared) sources.push({ variable, secret: 'shopmesh-auth' });
  for (const variable of own) sources.push({ variable, secret: `${service.name}-secrets` });
  return sources;
}

function maxReplicas(service: DeployedService): number {
  if (!service.consumer) return MAX_REPLICAS;
  return Math.min(MAX_REPLICAS, Number(service.defaults.KAFKA_TOPIC_PARTITIONS ?? MAX_REPLICAS));
}

function renderService(service: DeployedService, registered: boolean): string {
  const { name } = service;
  if (service.grpcPort === undefined) throw new Error(`${name}: a gRPC service needs GRPC_PORT in its config schema`);
  const ports = Object.entries(service.ports).map(([variable, port]) => ({ name: portName(variable), port }));
  const secrets = secretSources(service);
  const isRegistry = name === REGISTRY;
  // Memory and CPU to schedule by: a service without a database holds no connection pool
  // nor query builder (the registry keeps its state in Redis).
  const requests = service.database ? { cpu: '100m', memory: '192Mi' } : { cpu: '50m', memory: '128Mi' };
  const replicas = maxReplicas(service);

  const intro = isRegistry
    ? `# ${name}: Deployment (native gRPC probes), headless Service (services reach every replica:
# they share their state in Redis), HorizontalPodAutoscaler and PodDisruptionBudget.`
    : `# ${name}: Deployment (native gRPC probes), headless Service (clients balance over the pod
# addresses themselves), HorizontalPodAutoscaler and PodDisruptionBudget.`;
  const settings = `# Its settings are the ConfigMaps shopmesh-platform (deploy/k8s/kustomization.yaml) and
# ${name}-config (kustomization.yaml here)${secrets.length ? '; its secrets come from the Secrets below\n# (docs/deployment.md creates them)' : ''}.${
    registered ? ' Each pod registers under its own IP (ADVERTISED_HOSTNAME unset).' : ''
  }`;

  const env = secrets
    .map(
      (s) => `${s.why ? `            # ${s.why}\n` : ''}            - name: ${s.variable}
              valueFrom:
                secretKeyRef:
                  name: ${s.secret}
                  key: ${s.variable}`,
    )
    .join('\n');

  return `${HEADER}${intro}
${settings}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${labels(name, '  ')}
spec:
  # No replicas: the HorizontalPodAutoscaler owns the count, and an apply must not reset it.
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
${labels(name, '      ')}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "${service.metricsPort}"
        prometheus.io/path: /metrics
    spec:
      automountServiceAccountToken: false
      # Service links would add variables such as CATALOG_PORT=tcp://... to the environment.
      enableServiceLinks: false
      # preStop (5 s) + the service's drain (SHUTDOWN_GRACE_MS, 10 s), with room to spare.
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: ${name}
      containers:
        - name: ${name}
          image: shopmesh/${name}
          ports:
${ports.map((p) => `            - name: ${p.name}\n              containerPort: ${p.port}`).join('\n')}
          envFrom:
            - configMapRef:
                name: shopmesh-platform
            - configMapRef:
                name: ${name}-config
${env ? `          env:\n${env}\n` : ''}          # grpc.health.v1 with the empty service name: the service's overall status. It turns
          # NOT_SERVING at SIGTERM, so the pod leaves the endpoints before it drains.
          startupProbe:
            grpc:
              port: ${service.grpcPort}
            periodSeconds: 2
            failureThreshold: 60
          readinessProbe:
            grpc:
              port: ${service.grpcPort}
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            grpc:
              port: ${service.grpcPort}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          lifecycle:
            # Lets DNS and the callers' resolvers drop this pod before it stops listening.
            preStop:
              exec:
                command: ["sleep", "5"]
          resources:
            requests:
              cpu: ${requests.cpu}
              memory: ${requests.memory}
            limits:
              cpu: "1"
              memory: 512Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            # The root filesystem is read-only: a writable /tmp for Node and its libraries.
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
${labels(name, '  ')}
spec:
  # Headless: DNS answers with every ready pod, and gRPC clients (round robin) spread calls
  # over them; a virtual IP would pin each long-lived HTTP/2 connection to one pod.
  clusterIP: None
  selector:
    app.kubernetes.io/name: ${name}
  ports:
${ports
  .map((p) => `    - name: ${p.name}\n      port: ${p.port}\n      targetPort: ${p.name}${p.name === 'grpc' ? '\n      appProtocol: kubernetes.io/h2c' : ''}`)
  .join('\n')}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
${labels(name, '  ')}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  minReplicas: 2
${
  service.consumer
    ? `  # A consumer: each partition of its topics (KAFKA_TOPIC_PARTITIONS, ${service.defaults.KAFKA_TOPIC_PARTITIONS}) feeds one pod of
  # the group at a time, so pods beyond that many would sit idle.
`
    : ''
}  maxReplicas: ${replicas}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
${labels(name, '  ')}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
`;
}

const PROMETHEUS_PEERS = `        # Prometheus, in this namespace or in "monitoring" (an overlay names yours).
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: prometheus
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: monitoring
          podSelector:
            matchLabels:
              app.kubernetes.io/name: prometheus`;

function ingressPolicy(comment: string, name: string, rules: { port: number; from: string }[]): string {
  return `${comment}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-ingress
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  policyTypes: [Ingress]
  ingress:
${rules.map((rule) => `    - ports:\n        - port: ${rule.port}\n          protocol: TCP\n      from:\n${rule.from}`).join('\n')}
`;
}

const podsNamed = (names: string[]) => `        - podSelector:
            matchExpressions:
              - key: app.kubernetes.io/name
                operator: In
                values: [${names.join(', ')}]`;

function renderNetworkPolicies(services: DeployedService[]): string {
  const grpc = services.filter((s) => s.kind === 'grpc');
  const hasRegistry = grpc.some((s) => s.name === REGISTRY);
  const policies: string[] = [];
  for (const service of grpc) {
    const callers = services.filter((s) => s.calls.includes(service.name)).map((s) => s.name);
    let comment: string;
    let from: string[];
    if (service.name === REGISTRY) {
      // Every gRPC service registers and heartbeats; its manifest callers (the gateway) and the edge.
      from = [...new Set([...grpc.filter((s) => s.name !== REGISTRY).map((s) => s.name), ...callers, EDGE_PROXY])];
      comment = `# ${service.name}: gRPC from every service (registration, heartbeats), its callers in
# services/manifest.ts and the edge; /metrics from Prometheus.`;
    } else {
      from = [...new Set([...callers, EDGE_PROXY, ...(hasRegistry ? [REGISTRY] : [])])];
      comment = `# ${service.name}: gRPC from its callers in services/manifest.ts (${callers.join(', ') || 'none'}), the edge${
        hasRegistry
          ? ` and the
# registry's probes; /metrics from Prometheus and the registry`
          : '; /metrics from Prometheus'
      }.`;
    }
    const scrapers =
      service.name !== REGISTRY && hasRegistry
        ? `${PROMETHEUS_PEERS}\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ${REGISTRY}`
        : PROMETHEUS_PEERS;
    policies.push(
      ingressPolicy(comment, service.name, [
        { port: service.grpcPort!, from: podsNamed(from) },
        { port: service.metricsPort, from: scrapers },
      ]),
    );
  }

  const storeComments: Record<DataStore, string> = {
    mysql: "# MySQL: the services with a schema of their own (their specs' needs.database).",
    redis:
      "# Redis: the caches and the registry's state (`redis: true` in a service's spec), and the\n# gateway's shared rate-limit buckets (REDIS_URL in its schema).",
    kafka:
      "# Kafka: the services with an outbox or a consumer (their specs' needs). The controller port\n# (9093) stays closed: only the broker's own quorum uses it.",
  };
  const stores: string[] = [];
  for (const store of ['mysql', 'redis', 'kafka'] as const) {
    const users = services.filter((s) => s.stores.has(store)).map((s) => s.name);
    if (users.length === 0) continue;
    stores.push(ingressPolicy(storeComments[store], store, [{ port: STORE_PORTS[store], from: podsNamed(users) }]));
  }

  return `${HEADER}# The services' NetworkPolicies; deploy/k8s/network-policies.yaml holds the rest (deny by
# default, the edge, the gateway, the collector). The rules are the platform's call graph:
# services/manifest.ts \`calls\`, the edge (Envoy and the gateway) in front of every gRPC
# service, the registry's probes (health, reflection, /metrics of each registered instance)
# and every service's registration with it, Prometheus's scrapes, and each data store from
# the services that use it. test/deploy/network-policies.spec.ts derives the same graph and
# fails on any edge missing or extra.
${policies.join('---\n')}---
# The data stores, when they run in this namespace labelled by name (docs/deployment.md):
# each one from the services that use it, and nothing else. Managed stores outside the
# cluster need their own firewall rules.
${stores.join('---\n')}`;
}

function configLiterals(service: DeployedService, byName: Map<string, DeployedService>, registered: boolean): string[] {
  const lines = [`OTEL_SERVICE_NAME=${service.name}`, ...Object.entries(service.ports).map(([variable, port]) => `${variable}=${port}`)];
  if (service.database) lines.push(`${service.database.variable}=${service.database.schema}`);
  const registry = byName.get(REGISTRY);
  if (registered && registry) {
    lines.push('# Every service registers with the registry, under its pod IP (docs/registry.md).');
    lines.push(`REGISTRY_ADDRESSES=${REGISTRY}:${registry.grpcPort}`);
  }
  const callees = service.calls.filter((callee) => !(registered && callee === REGISTRY));
  if (callees.length) lines.push(`# Headless Service${callees.length > 1 ? 's' : ''}: every ready pod's address, balanced by the client.`);
  for (const callee of callees) {
    const target = byName.get(callee);
    if (target?.grpcPort === undefined) throw new Error(`${service.name} calls ${callee}, which is no gRPC service of the manifest`);
    lines.push(`${addressesVariable(callee)}=${callee}:${target.grpcPort}`);
  }
  return lines;
}

function renderKustomization(services: DeployedService[]): string {
  const byName = new Map(services.map((s) => [s.name, s]));
  const grpc = services.filter((s) => s.kind === 'grpc');
  const generators = services.map((service) => {
    const registered = service.kind === 'grpc' && byName.has(REGISTRY);
    const literals = configLiterals(service, byName, registered)
      .map((line) => (line.startsWith('#') ? `      ${line}` : `      - ${line}`))
      .join('\n');
    const intro =
      service.kind === 'http'
        ? `  # ${service.name}: an HTTP edge whose Deployment is hand-written (deploy/k8s/${service.name}.yaml);
  # deploy/k8s/kustomization.yaml merges its shared settings into this ConfigMap.\n`
        : '';
    return `${intro}  - name: ${service.name}-config\n    literals:\n${literals}`;
  });
  return `${HEADER}# The per-service part of the kustomize base: deploy/k8s/kustomization.yaml lists this
# directory as a resource, so \`kubectl apply -k deploy/k8s\` applies both. An overlay still
# sets images (\`kustomize edit set image shopmesh/<name>=...\`) and patches anything here.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
${grpc.map((s) => `  - ${s.name}.yaml`).join('\n')}
  - network-policies.yaml

# Generated ConfigMaps get a hash suffix, so a changed setting rolls the Deployments.
# Variable names and defaults are the services' config schemas; ports are their defaults,
# as everywhere. The settings every service shares are shopmesh-platform (deploy/k8s).
configMapGenerator:
${generators.join('\n')}

# The services' images at the platform's version (package.json); the edge's image
# (shopmesh/gateway) is set in deploy/k8s/kustomization.yaml, beside the Deployments using it.
images:
${grpc.map((s) => `  - name: shopmesh/${s.name}\n    newTag: "${IMAGE_TAG}"`).join('\n')}
`;
}

/** gen/deploy/k8s/: the per-service part of deploy/k8s, from the manifest (or the entries given). */
export function renderKubernetes(entries: DeployEntry[] = MANIFEST_ENTRIES): RenderedFile[] {
  const services = entries.map(deployedService);
  const names = services.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new Error(`${duplicate} is listed twice`);
  const registered = names.includes(REGISTRY);
  return [
    { path: 'k8s/kustomization.yaml', content: renderKustomization(services) },
    ...services.filter((s) => s.kind === 'grpc').map((s) => ({ path: `k8s/${s.name}.yaml`, content: renderService(s, registered) })),
    { path: 'k8s/network-policies.yaml', content: renderNetworkPolicies(services) },
  ];
}
