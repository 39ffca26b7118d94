#!/usr/bin/env bash
# Fetches prometheus-operator's own CustomResourceDefinitions (ServiceMonitor, PrometheusRule, ...)
# from its published Go module, github.com/prometheus-operator/prometheus-operator@v0.85.0, whose
# example/prometheus-operator-crd/ directory holds them, into the Go module cache (never the repo),
# and prints that directory. The module's checksum is pinned below and checked (go also checks it
# against the checksum database). Tests apply these CRDs to the embedded API server, so the
# ServiceMonitor and PrometheusRule under deploy/ are validated against the real schemas.
# Usage: tools/prometheus-operator/crds.sh        prints the CRD directory (downloads 4 MB the first time)
set -euo pipefail

MODULE=github.com/prometheus-operator/prometheus-operator
VERSION=v0.85.0
SUM='h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s='
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "kscale prometheus-operator: $*" >&2; }

# shellcheck source=../go-build-env.sh
. "$here/../go-build-env.sh"
require_go "the prometheus-operator CRDs" "install Go (>= 1.26)"

# Outside any module (a fresh empty directory): `go mod download module@version` needs no go.mod.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
info=$(cd "$scratch" && go mod download -json "$MODULE@$VERSION") || { log "go mod download $MODULE@$VERSION failed:"; echo "$info" >&2; exit 1; }
field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}$/\\1/p" <<<"$info"; }
got=$(field Sum)
if [ "$got" != "$SUM" ]; then log "$MODULE@$VERSION has checksum '$got', expected '$SUM'"; exit 1; fi
dir="$(field Dir)/example/prometheus-operator-crd"
for kind in servicemonitors prometheusrules; do
  [ -f "$dir/monitoring.coreos.com_$kind.yaml" ] || { log "no $kind CRD in $dir"; exit 1; }
done
echo "$dir"
