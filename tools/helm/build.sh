#!/usr/bin/env bash
# Builds (or reuses) the helm CLI from its published Go module, helm.sh/helm/v3 v3.22.0 (./go.mod, a
# wrapper module with a `tool` directive; go.sum committed), into
#   ${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}/helm/v3.22.0/helm
# never into the repo. The binary is reused when present and reporting the expected version, so a
# warm run exits in well under a second. helm is needed only to lint and render deploy/chart/kscale
# (test/integration/deploy.test.ts runs this script itself in before()).
# A cold build prints the elapsed time and what go is doing at least every 10 s (tools/progress.sh).
# Usage: tools/helm/build.sh [--print-path]
# Env: KSCALE_CACHE_DIR (cache root), KSCALE_HELM_FORCE=1 (rebuild).
set -euo pipefail

HELM_VERSION=v3.22.0
# helm's Makefile derives these from the client-go it is built with (v0.37.x → Kubernetes 1.37); they
# are the default .Capabilities.KubeVersion of `helm template` and the lint deprecation cut-off.
K8S_MAJOR=1
K8S_MINOR=37
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}"
out="$cache/helm/$HELM_VERSION"
bin="$out/helm"

if [ "${1:-}" = "--print-path" ]; then echo "$bin"; exit 0; fi

log() { echo "kscale helm: $*" >&2; }

version_ok() {
  [ -x "$bin" ] || return 1
  local got
  got=$("$bin" version --template '{{.Version}}' 2>/dev/null) || return 1
  [ "$got" = "$HELM_VERSION" ]
}

if [ "${KSCALE_HELM_FORCE:-}" != "1" ] && version_ok; then
  log "helm $HELM_VERSION is up to date at $bin"
  exit 0
fi

# shellcheck source=../go-build-env.sh
. "$here/../go-build-env.sh"
# shellcheck source=../progress.sh
. "$here/../progress.sh"
require_go helm "install Go or put a helm $HELM_VERSION binary at $bin"
mkdir -p "$out"
wait_for_build_lock "$out/.build.lock"
if [ "${KSCALE_HELM_FORCE:-}" != "1" ] && version_ok; then
  log "helm $HELM_VERSION: built meanwhile by another run, reusing $bin"
  exit 0
fi

ldflags="-s -w \
 -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
 -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$K8S_MAJOR \
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR \
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$K8S_MAJOR \
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$K8S_MINOR"

log "go $(go env GOVERSION); building helm.sh/helm/v3/cmd/helm $HELM_VERSION into $out (cold: about 1.5 minutes and 100 MB of modules on 2 cores)"
start=$(date +%s)
# To a temporary name, then rename: a cut-off build never leaves a half-written binary behind.
go_build_progress "helm $HELM_VERSION" "$here" -trimpath -ldflags "$ldflags" -o "$out/.helm.tmp" helm.sh/helm/v3/cmd/helm
mv -f "$out/.helm.tmp" "$bin"
version_ok || { log "built, but '$bin version' does not report $HELM_VERSION"; exit 1; }
log "done: helm $HELM_VERSION built in $(( $(date +%s) - start ))s, $(du -h "$bin" | cut -f1), at $bin"
