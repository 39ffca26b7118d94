# Sourced by the build scripts under tools/: a long, silent step (a cold `go build`, waiting for
# another run's build) prints what it is doing and for how long at least every 10 s, so a first
# `npm start` or `npm test` never looks hung. Expects a `log` function from the sourcing script.
# Env: KSCALE_PROGRESS_SECONDS (interval, default 10).

# The step in progress, for a run waiting on our lock to show (see wait_for_build_lock).
progress_status_file=""

_elapsed() { # START_EPOCH -> m:ss
  local s=$(( $(date +%s) - $1 ))
  printf '%d:%02d' $((s / 60)) $((s % 60))
}

# _ticker START PHASE [GO_LOG]: every interval, one line "PHASE: m:ss elapsed, <detail>". With a
# `go build -v` log the detail is what go is doing: downloading modules ("go: downloading ..."
# lines) until the first package compiles (a bare import path a line), then the count of packages
# compiled and the latest. Stops when the calling shell exits.
_ticker() {
  local start="$1" phase="$2" golog="${3:-}" detail pkgs downloads
  # sleep holds no pipe of ours: killed, this loop leaves it behind, and a reader of our stderr
  # (execFile, a `| sed`) would otherwise wait for it to end before seeing EOF.
  while sleep "${KSCALE_PROGRESS_SECONDS:-10}" </dev/null >/dev/null 2>&1 && kill -0 "$$" 2>/dev/null; do
    detail=""
    if [ -n "$golog" ]; then
      pkgs=$(grep -E '^[A-Za-z0-9._~/-]+$' "$golog" 2>/dev/null || true)
      downloads=$(grep -c '^go: downloading ' "$golog" 2>/dev/null || true)
      if [ -n "$pkgs" ]; then
        detail=", compiling: $(wc -l <<<"$pkgs") packages so far, latest $(tail -n1 <<<"$pkgs")"
      elif [ "${downloads:-0}" -gt 0 ]; then
        detail=", downloading modules: ${downloads} so far, latest $(grep '^go: downloading ' "$golog" | tail -n1 | cut -d' ' -f3-)"
      else
        detail=", go is loading packages"
      fi
    fi
    log "$phase: $(_elapsed "$start") elapsed$detail"
    if [ -n "$progress_status_file" ]; then echo "$phase$detail" >"$progress_status_file" 2>/dev/null || true; fi
  done
}

# with_progress PHASE CMD...: runs CMD in the foreground, with progress lines while it runs.
with_progress() {
  local phase="$1"; shift
  local start rc=0 ticker
  start=$(date +%s)
  if [ -n "$progress_status_file" ]; then echo "$phase" >"$progress_status_file" 2>/dev/null || true; fi
  _ticker "$start" "$phase" &
  ticker=$!
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$rc"
}

# go_build_progress PHASE DIR GO_BUILD_ARGS...: `go build -v` in DIR, reporting modules downloaded
# and packages compiled. go's own output (the package list) is kept out of the terminal unless the
# build fails, when all of it is shown.
go_build_progress() {
  local phase="$1" dir="$2"; shift 2
  local golog start rc=0 ticker
  golog=$(mktemp)
  start=$(date +%s)
  if [ -n "$progress_status_file" ]; then echo "$phase" >"$progress_status_file" 2>/dev/null || true; fi
  _ticker "$start" "$phase" "$golog" &
  ticker=$!
  (cd "$dir" && go build -v "$@") 2>"$golog" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    log "$phase: go build failed (exit $rc) after $(_elapsed "$start"):"
    cat "$golog" >&2
  fi
  rm -f "$golog"
  return "$rc"
}

# wait_for_build_lock FILE: takes an exclusive lock on FILE (fd 9), for the rest of the script. Two
# builds at once (parallel test files, CI plus a developer) would only share the two cores, so the
# second waits, saying so and showing the first one's progress; it then re-checks what the first
# built. The holder writes its current step next to the lock (FILE.status).
wait_for_build_lock() {
  local lock="$1" start status
  mkdir -p "$(dirname "$lock")"
  exec 9>"$lock"
  progress_status_file="$lock.status"
  command -v flock >/dev/null 2>&1 || return 0
  flock -n 9 && return 0
  log "another build holds $lock; waiting for it (its result will be reused)"
  start=$(date +%s)
  until flock -w "${KSCALE_PROGRESS_SECONDS:-10}" 9; do
    status=$(cat "$progress_status_file" 2>/dev/null || true)
    log "still waiting for the other build: $(_elapsed "$start") elapsed${status:+; it is at: $status}"
  done
}
