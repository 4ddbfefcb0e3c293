# syntax=docker/dockerfile:1
#
# One image recipe for every shopmesh service; the build argument picks which one runs:
#
#   docker build --build-arg SERVICE=users -t shopmesh/users .
#   docker build --target descriptors -t shopmesh/descriptors .   # the descriptor set for Envoy
#
# Stages: deps (every npm dependency, keyed on the lockfile only) -> build (code generated
# from the contracts, type-checked, compiled to JavaScript by tsc) -> prod-deps (production
# dependencies only, also keyed on the lockfile only) -> runtime (one service, compiled
# JavaScript under plain node, non-root). SERVICE is declared in the runtime stage alone,
# so every service shares the cached deps/build/prod-deps layers.

# The current Node LTS (.nvmrc names the same major).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: our postinstall (code generation) needs the contracts, which come in a
# later layer, so this layer only changes with the lockfile. No dependency needs its own
# install script: buf ships its binary as an optional platform package.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY buf.yaml buf.gen.yaml ./
COPY scripts/generate.mjs scripts/
COPY proto/ proto/
# gen/ts (ts-proto) and gen/descriptors/shopmesh.binpb (reflection, gateway, Envoy).
RUN npm run generate -- --contracts-only
COPY . .
# Envoy's config, rendered from the template envoy/envoy.yaml, the manifest and the contracts
# into gen/deploy/envoy/ (the image ships it; the other deployment files are not its business).
RUN npx tsx scripts/render-deploy.ts --only envoy
# The whole tree is type-checked (tests and tools too), then tsc emits what production
# runs into dist/ with the source tree's layout, plus the files read at run time
# (scripts/build.mjs): a type error fails the image build.
RUN npm run typecheck && npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# A fresh production-only install rather than pruning the build stage: it is cached on the
# lockfile alone and builds in parallel with the build stage. Development tools (tsx,
# esbuild, TypeScript, the bench's packages) stay out; the build fails here if tsx slips
# back into the production dependencies.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && ! node -e "require.resolve('tsx/cjs')" 2>/dev/null

# A one-shot image for docker-compose: copies the descriptor set into the volume that Envoy
# mounts (/etc/envoy/descriptors/shopmesh.binpb there), then exits.
FROM ${NODE_IMAGE} AS descriptors
COPY --from=build /app/gen/descriptors/shopmesh.binpb /descriptors/shopmesh.binpb
RUN mkdir /out && chown 1000:1000 /out
USER 1000:1000
CMD ["cp", "/descriptors/shopmesh.binpb", "/out/shopmesh.binpb"]

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<name> (a folder of services/)' >&2; exit 1; }
# In a container a service must listen on every interface, not the development default
# 127.0.0.1: GRPC_HOST for the gRPC services, HTTP_HOST for the gateway (compose and
# Kubernetes set them too).
ENV NODE_ENV=production \
    GRPC_HOST=0.0.0.0 \
    HTTP_HOST=0.0.0.0 \
    SERVICE=${SERVICE}
WORKDIR /app
# Least to most often changed. Files stay owned by root: the service cannot rewrite its code.
# dist/ mirrors the source tree (platform/, services/<name>/{src,migrations,public},
# gen/, package.json), so every path a module finds relative to itself is the same.
COPY --from=prod-deps /app/node_modules node_modules
# dist/ holds envoy/envoy.yaml too, the template whose transcoder settings the gateway follows (one
# config for both edges), and gen/deploy/envoy/envoy.yaml, rendered from it: the gateway's image
# carries Envoy's config for Kubernetes (deploy/k8s/envoy.yaml's init container copies it).
COPY --from=build /app/dist ./
RUN test -f "services/${SERVICE}/src/main.js" || { echo "no services/${SERVICE}/src/main.js" >&2; exit 1; }
# The node user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# /healthz on the metrics port (set by compose and Kubernetes): 200 when serving and the
# critical dependencies answer. No curl in slim images; Node has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# exec: node becomes PID 1 and receives SIGTERM itself (the service drains on it). Plain
# node on compiled JavaScript: no loader, no transform at start, no source maps.
# --max-semi-space-size=8: V8's young generation grows to 2 x 16 MiB during a busy start-up
# or under load and is given back only after a quiet while; 8 MiB halves that (10-15 MB
# less RSS per service after start) with no measurable CPU per call, where 4 MiB cost
# 20-30 % and 1 MiB ~40 % (docs/benchmarks.md, memory). Here in CMD rather than in NODE_OPTIONS, which stays free for
# operators; the bench reads its flags from this line (bench/lib/service-process.ts).
CMD ["sh", "-c", "exec node --max-semi-space-size=8 --require ./platform/telemetry.js services/${SERVICE}/src/main.js"]
