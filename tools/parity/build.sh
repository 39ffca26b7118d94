#!/usr/bin/env bash
# Builds (or reuses) kscale-parity, the differential-testing harness that runs upstream's HPA
# controller code (k8s.io/kubernetes v1.36.3, pkg/controller/podautoscaler) on test cases (see
# main.go; test/parity/ drives it). The binary goes to
#   ${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}/parity/kscale-parity-<hash>
# never into the repo, where <hash> covers this directory's sources, so a warm run exits at once and
# an edited harness is rebuilt. It reuses the module cache and the Go build cache of the
# kube-controller-manager build (same module pins, same flags): a cold build after that one compiles
# little more than the harness itself.
#
# Upstream's controller reads the wall clock and its reconcile is unexported. So the build compiles
# upstream's pkg/controller/podautoscaler package (its non-test files, taken from the module cache at
# build time, never committed) as the harness's package kscale/tools/parity/upstream, through a Go
# build overlay (go build -overlay; the directory exists only in the overlay): horizontal.go and
# replica_calculator.go with every `time.Now()` call rewritten to `parityNow()` (the expected number
# of rewrites is checked), plus overlay.go.txt (a settable clock, an exported reconcileKey and an
# event-recorder setter). Nothing else of upstream's code changes; it still imports upstream's
# metrics client, monitor, feature gates and helpers from k8s.io/kubernetes v1.36.3.
# Usage: tools/parity/build.sh [--print-path]
# Env: KSCALE_CACHE_DIR (cache root), KSCALE_PARITY_FORCE=1 (rebuild).
set -euo pipefail

K8S_VERSION=v1.36.3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}"
out="$cache/parity"
hash=$(cd "$here" && cat build.sh go.mod go.sum overlay.go.txt ./*.go | sha256sum | cut -c1-16)
bin="$out/kscale-parity-$hash"

if [ "${1:-}" = "--print-path" ]; then echo "$bin"; exit 0; fi

log() { echo "kscale parity: $*" >&2; }

if [ "${KSCALE_PARITY_FORCE:-}" != "1" ] && [ -x "$bin" ]; then
  log "harness is up to date at $bin"
  exit 0
fi

# shellcheck source=../go-build-env.sh
. "$here/../go-build-env.sh"
require_go kscale-parity "install Go (>= 1.26) to run the differential tests"
mkdir -p "$out"
take_build_lock "$out/.build.lock"
if [ "${KSCALE_PARITY_FORCE:-}" != "1" ] && [ -x "$bin" ]; then
  log "harness built meanwhile by another run, reusing $bin"
  exit 0
fi

start=$(date +%s)
(cd "$here" && go mod download k8s.io/kubernetes)
src="$(cd "$here" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/pkg/controller/podautoscaler"
[ -f "$src/horizontal.go" ] || { log "k8s.io/kubernetes $K8S_VERSION is not in the module cache ($src)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The package is compiled as kscale/tools/parity/upstream: its files exist only in the overlay (Go
# refuses overlays of files in the module cache), copied from the module cache at build time.
overlay="{\"Replace\": {"
add() { # NAME: the overlay serves $work/NAME as upstream/NAME
  overlay+="$([ "$overlay" = "{\"Replace\": {" ] || echo ,)\"$here/upstream/$1\": \"$work/$1\""
}
# rewrite FILE EXPECTED: every time.Now() call of upstream's FILE reads the harness clock instead.
rewrite() {
  local n
  n=$(grep -o 'time\.Now()' "$src/$1" | wc -l)
  if [ "$n" != "$2" ]; then
    log "$1 has $n time.Now() calls, expected $2 (upstream changed? review the overlay)"; exit 1
  fi
  sed 's/time\.Now()/parityNow()/g' "$src/$1" > "$work/$1"
  add "$1"
}
rewrite horizontal.go 14
rewrite replica_calculator.go 1
for f in "$src"/*.go; do
  case "$f" in *_test.go|*/horizontal.go|*/replica_calculator.go) continue ;; esac
  grep -q 'time\.Now()' "$f" && { log "$(basename "$f") reads the clock; add it to the rewrites"; exit 1; }
  cp "$f" "$work/" && add "$(basename "$f")"
done
cp "$here/overlay.go.txt" "$work/zz_kscale_parity.go" && add zz_kscale_parity.go
echo "$overlay}}" > "$work/overlay.json"

log "go $(go env GOVERSION); building the harness into $out (about 10 s on 2 cores once the control-plane build has filled the Go build cache; minutes without it)"
(cd "$here" && go build -trimpath -overlay "$work/overlay.json" -ldflags "-s -w" -o "$out/.kscale-parity.tmp" .)
mv -f "$out/.kscale-parity.tmp" "$bin"
# Older harness builds are dead weight (about 60 MB each).
find "$out" -maxdepth 1 -name 'kscale-parity-*' ! -name "kscale-parity-$hash" -delete
log "done: built in $(( $(date +%s) - start ))s, $(du -h "$bin" | cut -f1), at $bin"
