# Sourced by the build scripts under tools/: what every build of a Go module needs here.
# Expects a `log` function from the sourcing script.

# require_go WHAT HINT: puts Go on PATH (the official tarball's location, for shells without a login
# profile, as CI runs) or exits with a one-line reason.
require_go() {
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null 2>&1; then
    log "cannot build $1: 'go' (>= 1.26) is not on PATH; $2"
    exit 1
  fi
  # Never fetch another toolchain (fail loudly instead); static binaries like upstream's own;
  # go.sum is committed, so the module graph must not change during a build.
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly${GOFLAGS:+ $GOFLAGS}"
}

# take_build_lock FILE: two builds at once (parallel test files, CI plus a developer) would only
# waste the two cores, so serialise; the caller then re-checks what the other run built meanwhile.
take_build_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  if command -v flock >/dev/null 2>&1; then
    flock -n 9 || { log "another build holds $1; waiting"; flock 9; }
  fi
}
