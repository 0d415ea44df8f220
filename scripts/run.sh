#!/usr/bin/env bash
# Sets up if needed, builds the release preset, and runs the host in the
# foreground on its built-in defaults. Ctrl-C stops it (exit 0).
#   ./scripts/run.sh              punktfunk-host serve
#   ./scripts/run.sh demo         host + reference client on loopback for 10 s
# Further arguments go to the command, e.g. ./scripts/run.sh --set LOG=debug
# or ./scripts/run.sh demo --mode 1280x720@60.
set -euo pipefail
cd "$(dirname "$0")/.."

command=serve
if [[ "${1:-}" == demo ]]; then
  command=demo
  shift
fi

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target punktfunk-host -- --quiet
# The web console's pages (for `punktfunk-host web serve`); the host runs without them.
./scripts/build-web.sh || echo "run: the web console's pages were not built; the host runs regardless" >&2

host=build/release/bin/punktfunk-host
if [[ "$command" == serve ]]; then
  echo "run: starting $host serve (Ctrl-C stops it)"
  echo "run: effective configuration: $host config show"
  echo "run: web console: $host web setup (password, once), then $host web serve (https://<host>:47992/)"
fi
exec "$host" "$command" "$@"
