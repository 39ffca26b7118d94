#!/usr/bin/env bash
# Builds (or reuses) the embedded control plane's binaries from published Go modules:
#   kube-apiserver, kube-controller-manager, kubectl,
#   kube-scheduler (used by the kwok mode only)        <- k8s.io/kubernetes v1.36.3   (./kube)
#   etcd                                               <- go.etcd.io/etcd/server/v3 v3.6.8 (./etcd)
# into ${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}/k8s/v1.36.3/bin/, never into the repo.
# A binary is reused when it is present and its --version matches, so a warm run exits in well
# under a second. Usage: tools/control-plane/build.sh [--print-bin-dir]
# A cold build prints its step, the elapsed time and what go is doing at least every 10 s (tools/progress.sh).
# Env: KSCALE_CACHE_DIR (cache root), KSCALE_CONTROL_PLANE_FORCE=1 (rebuild everything).
set -euo pipefail

K8S_VERSION=v1.36.3
ETCD_VERSION=3.6.8
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}"
out="$cache/k8s/$K8S_VERSION/bin"

if [ "${1:-}" = "--print-bin-dir" ]; then echo "$out"; exit 0; fi

log() { echo "kscale control-plane: $*" >&2; }

# version_ok NAME: does the cached binary exist and report the expected version?
version_ok() {
  local bin="$out/$1" got
  [ -x "$bin" ] || return 1
  # The whole output first, then its first line: piping into `head -n1` can kill the binary with
  # SIGPIPE, which pipefail turns into a failed check at random.
  case "$1" in
    etcd)    got=$("$bin" --version 2>/dev/null) || return 1
             [ "${got%%$'\n'*}" = "etcd Version: $ETCD_VERSION" ] ;;
    kubectl) got=$("$bin" version --client 2>/dev/null) || return 1
             [ "${got%%$'\n'*}" = "Client Version: $K8S_VERSION" ] ;;
    *)       got=$("$bin" --version 2>/dev/null) || return 1
             [ "${got%%$'\n'*}" = "Kubernetes $K8S_VERSION" ] ;;
  esac
}

names=(etcd kube-apiserver kube-controller-manager kubectl kube-scheduler)

# Check all of them at once: each --version is a Go process start (~0.1-0.3 s on a busy 2-core box).
missing=()
if [ "${KSCALE_CONTROL_PLANE_FORCE:-}" != "1" ]; then
  declare -A pid=()
  for n in "${names[@]}"; do version_ok "$n" & pid[$n]=$!; done
  for n in "${names[@]}"; do wait "${pid[$n]}" || missing+=("$n"); done
else
  missing=("${names[@]}")
fi
if [ "${#missing[@]}" -eq 0 ]; then
  log "cached binaries for Kubernetes $K8S_VERSION / etcd $ETCD_VERSION are up to date in $out"
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
kube_ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=36 \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/component-base/version.buildDate=$build_date \
 -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 \
 -X k8s.io/client-go/pkg/version.gitMinor=36 \
 -X k8s.io/client-go/pkg/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.buildDate=$build_date"
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v$ETCD_VERSION"

build_one() { # NAME STEP
  local n="$1" step="$2" dir pkg ldflags start secs
  case "$n" in
    etcd) dir="$here/etcd"; pkg=go.etcd.io/etcd/server/v3; ldflags="$etcd_ldflags" ;;
    *)    dir="$here/kube"; pkg="k8s.io/kubernetes/cmd/$n"; ldflags="$kube_ldflags" ;;
  esac
  if version_ok "$n"; then log "$n: built meanwhile by another run, reusing"; return 0; fi
  log "$n ($step): building $pkg (cold: minutes on 2 cores)"
  start=$(date +%s)
  # Build to a temporary name, then rename: a cut-off build never leaves a half-written binary
  # that the version check might pick up.
  go_build_progress "$n ($step)" "$dir" -trimpath -ldflags "$ldflags" -o "$out/.$n.tmp" "$pkg"
  mv -f "$out/.$n.tmp" "$out/$n"
  secs=$(( $(date +%s) - start ))
  version_ok "$n" || { log "$n: built, but its version is not the expected one"; exit 1; }
  log "$n: built in ${secs}s, $(du -h "$out/$n" | cut -f1)"
}

log "go $(go env GOVERSION); building ${missing[*]} into $out"
# Build in this order: kube-apiserver first (the largest; most packages then cached for KCM/kubectl).
step=0
for n in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd; do
  for m in "${missing[@]}"; do
    if [ "$m" = "$n" ]; then step=$((step + 1)); build_one "$n" "$step of ${#missing[@]}"; fi
  done
done
log "done: binaries for Kubernetes $K8S_VERSION / etcd $ETCD_VERSION in $out"
