#!/usr/bin/env bash
# `npm run helm -- ARGS`: the helm this repo tests its chart with (v3.22.0, built from its Go module
# by tools/helm/build.sh on first use, about 1.5 minutes; instant afterwards), run with ARGS.
# e.g. npm run --silent helm -- template kscale deploy/chart/kscale -n kscale-system
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/build.sh"
exec "$(bash "$here/build.sh" --print-path)" "$@"
