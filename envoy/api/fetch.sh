#!/usr/bin/env bash
# Envoy's API protos as data, for checking envoy/envoy.yaml against Envoy's own schema
# (test/edge/envoy-schema.spec.ts). Maven Central's io.envoyproxy.controlplane:api ships the
# .proto files (envoy/, udpa/, xds/, validate/, google/api ...) next to its Java classes: fetch
# the jar once, keep only the protos, and build them into one descriptor set with buf.
# Cached under ${ENVOY_API_CACHE:-$HOME/.cache/shopmesh/envoy-api}/<version>; prints the set's path.
set -euo pipefail
version="${ENVOY_API_VERSION:-1.0.49}"
cache="${ENVOY_API_CACHE:-$HOME/.cache/shopmesh/envoy-api}/$version"
out="$cache/envoy-api.binpb"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$cache/jar" "$cache/protos"
mvn -q dependency:copy -Dartifact="io.envoyproxy.controlplane:api:$version" -DoutputDirectory="$cache/jar" >&2
(cd "$cache/protos" && unzip -q -o "$cache/jar/api-$version.jar" '*.proto')
printf 'version: v2\n' > "$cache/protos/buf.yaml"
(cd "$cache/protos" && "$root/node_modules/.bin/buf" build -o "$out.tmp")
mv "$out.tmp" "$out"
echo "$out"
