#!/usr/bin/env bash
# Runs Node.js >= 22.19 (the floor of @kubernetes/client-node 2.x), preferring Node 24.
# The machine's own Node may be older: then Node 24 is fetched once from the npm registry
# package `node` into a cache outside the repo and reused afterwards.
# Usage: scripts/node.sh [node args...]     or     scripts/node.sh --print-bin-dir
set -euo pipefail
NODE_VERSION=24.21.0
cache="${KSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kscale}/node-v$NODE_VERSION"

new_enough() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

bin_dir=""
if system_node=$(command -v node 2>/dev/null) && new_enough "$system_node"; then
  bin_dir=$(dirname "$system_node")
elif [ -x "$cache/node_modules/node/bin/node" ] && new_enough "$cache/node_modules/node/bin/node"; then
  bin_dir="$cache/node_modules/node/bin"
else
  command -v npm >/dev/null || { echo "kscale: need npm (any version) to fetch Node $NODE_VERSION" >&2; exit 1; }
  echo "kscale: system Node is older than 22.19; fetching Node $NODE_VERSION from the npm registry into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --loglevel=error "node@$NODE_VERSION" >&2
  bin_dir="$cache/node_modules/node/bin"
  new_enough "$bin_dir/node" || { echo "kscale: Node install in $cache failed" >&2; exit 1; }
fi

if [ "${1:-}" = "--print-bin-dir" ]; then echo "$bin_dir"; exit 0; fi
exec "$bin_dir/node" "$@"
