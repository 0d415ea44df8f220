#!/usr/bin/env bash
# Sets up if needed, builds the release preset, and runs the host in the
# foreground on its built-in defaults. Ctrl-C stops it (exit 0).
# Extra arguments go to 'punktfunk-host serve', e.g. --set LOG=debug.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target punktfunk-host -- --quiet

host=build/release/bin/punktfunk-host
echo "run: starting $host serve (Ctrl-C stops it)"
echo "run: effective configuration: $host config show"
exec "$host" serve "$@"
