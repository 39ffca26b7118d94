#!/usr/bin/env bash
# Builds (or reuses) the metrics pipeline of the embedded cluster's kwok mode from published Go modules:
#   kwok            <- sigs.k8s.io/kwok v0.8.0            (./kwok): fake nodes, pod lifecycle stages,
#                                                           emulated kubelet resource metrics
#   metrics-server  <- sigs.k8s.io/metrics-server v0.8.0  (./metrics-server): the real metrics.k8s.io server
# into ${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}/metrics-pipeline/bin/, never into the repo.
# (kube-scheduler, the third piece, comes from k8s.io/kubernetes with the control plane: ../control-plane/build.sh.)
# A binary is reused when it is present and its --version matches, so a warm run exits at once.
# Usage: tools/metrics-pipeline/build.sh [--print-bin-dir | --print-crd-dir]
# Env: KSCALE_CACHE_DIR (cache root), KSCALE_METRICS_PIPELINE_FORCE=1 (rebuild both).
set -euo pipefail

KWOK_VERSION=v0.8.0
METRICS_SERVER_VERSION=v0.8.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}"
out="$cache/metrics-pipeline/bin"
# kwok's ResourceUsage and ClusterResourceUsage CRDs (from the same module), which the harness installs
# so usage can change at run time.
crds="$cache/metrics-pipeline/kwok-$KWOK_VERSION-crds"
CRD_FILES=(kwok.x-k8s.io_resourceusages.yaml kwok.x-k8s.io_clusterresourceusages.yaml)

if [ "${1:-}" = "--print-bin-dir" ]; then echo "$out"; exit 0; fi
if [ "${1:-}" = "--print-crd-dir" ]; then echo "$crds"; exit 0; fi

log() { echo "kscale metrics-pipeline: $*" >&2; }

# version_ok NAME: does the cached binary exist and report the expected version? The whole output
# first, then its first line (a `| head -n1` can kill the binary with SIGPIPE; see ../control-plane).
version_ok() {
  local bin="$out/$1" got
  [ -x "$bin" ] || return 1
  got=$("$bin" --version 2>/dev/null) || return 1
  got="${got%%$'\n'*}"
  case "$1" in
    kwok)           [[ "$got" == "kwok version $KWOK_VERSION "* ]] && crds_ok ;;          # "kwok version v0.8.0 go1.26.8 (linux/amd64)"
    metrics-server) [ "$got" = "$METRICS_SERVER_VERSION" ] ;;                # component-base's --version: the gitVersion stamped below
  esac
}

crds_ok() { local f; for f in "${CRD_FILES[@]}"; do [ -s "$crds/$f" ] || return 1; done; }

names=(kwok metrics-server)
missing=()
if [ "${KSCALE_METRICS_PIPELINE_FORCE:-}" != "1" ]; then
  for n in "${names[@]}"; do version_ok "$n" || missing+=("$n"); done
else
  missing=("${names[@]}")
fi
if [ "${#missing[@]}" -eq 0 ]; then
  log "cached kwok $KWOK_VERSION / metrics-server $METRICS_SERVER_VERSION are up to date in $out"
  exit 0
fi

# shellcheck source=../go-build-env.sh
. "$here/../go-build-env.sh"
# shellcheck source=../progress.sh
. "$here/../progress.sh"
require_go "${missing[*]}" "install Go or put prebuilt binaries in $out"
mkdir -p "$out"
wait_for_build_lock "$out/../.build.lock"

build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# metrics-server's own Makefile stamps client-go's version package; its --version prints gitVersion.
ms_ldflags="-s -w \
 -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION \
 -X k8s.io/client-go/pkg/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.buildDate=$build_date"
# kwok's version is a constant in the module (pkg/consts.Version), nothing to stamp.
kwok_ldflags="-s -w"

copy_crds() { # from the module just built (go list reads the module cache; -mod=readonly, no network)
  local dir f
  dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  mkdir -p "$crds"
  for f in "${CRD_FILES[@]}"; do cp -f "$dir/kustomize/crd/bases/$f" "$crds/.$f.tmp" && mv -f "$crds/.$f.tmp" "$crds/$f"; done
}

build_one() { # NAME STEP
  local n="$1" step="$2" dir pkg ldflags start secs
  case "$n" in
    kwok)           dir="$here/kwok";           pkg=sigs.k8s.io/kwok/cmd/kwok;                     ldflags="$kwok_ldflags" ;;
    metrics-server) dir="$here/metrics-server"; pkg=sigs.k8s.io/metrics-server/cmd/metrics-server; ldflags="$ms_ldflags" ;;
  esac
  if version_ok "$n"; then log "$n: built meanwhile by another run, reusing"; return 0; fi
  log "$n ($step): building $pkg (cold: a few minutes on 2 cores)"
  start=$(date +%s)
  # To a temporary name, then rename: a cut-off build never leaves a half-written binary.
  go_build_progress "$n ($step)" "$dir" -trimpath -ldflags "$ldflags" -o "$out/.$n.tmp" "$pkg"
  mv -f "$out/.$n.tmp" "$out/$n"
  if [ "$n" = kwok ]; then copy_crds; fi
  secs=$(( $(date +%s) - start ))
  version_ok "$n" || { log "$n: built, but its version is not the expected one: $("$out/$n" --version 2>&1 | head -c 200)"; exit 1; }
  log "$n: built in ${secs}s, $(du -h "$out/$n" | cut -f1)"
}

log "go $(go env GOVERSION); building ${missing[*]} into $out"
step=0
for n in "${missing[@]}"; do
  step=$((step + 1)); build_one "$n" "$step of ${#missing[@]}"
done
log "done: kwok $KWOK_VERSION / metrics-server $METRICS_SERVER_VERSION in $out"
