#!/usr/bin/env bash
# Refreshes the manifests the Helm chart keeps as byte-identical copies (a chart can read only its
# own files):
#   deploy/crd/horizontalautoscalers.kscale.dev.yaml -> deploy/chart/kscale/files/
#   deploy/overlays/prometheus/prometheusrule.yaml    -> deploy/chart/kscale/files/
#   deploy/admission/number-quantities.yaml           -> deploy/chart/kscale/files/
#   deploy/crd/kscale-lint-policy.yaml                -> deploy/chart/kscale/files/
# Run it after scripts/gen-crd.ts or after editing the rules; test/integration/deploy.test.ts fails
# while a copy differs. Usage: tools/helm/sync-copies.sh [--check]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

copies=(
  "deploy/crd/horizontalautoscalers.kscale.dev.yaml deploy/chart/kscale/files/horizontalautoscalers.kscale.dev.yaml"
  "deploy/overlays/prometheus/prometheusrule.yaml deploy/chart/kscale/files/prometheusrule.yaml"
  "deploy/admission/number-quantities.yaml deploy/chart/kscale/files/number-quantities.yaml"
  "deploy/crd/kscale-lint-policy.yaml deploy/chart/kscale/files/kscale-lint-policy.yaml"
)
stale=0
for pair in "${copies[@]}"; do
  read -r src dst <<<"$pair"
  if cmp -s "$src" "$dst"; then continue; fi
  if [ "${1:-}" = "--check" ]; then
    echo "$dst differs from $src: run bash tools/helm/sync-copies.sh" >&2; stale=1
  else
    cp "$src" "$dst"; echo "updated $dst from $src"
  fi
done
exit "$stale"
