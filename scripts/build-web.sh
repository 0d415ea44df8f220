#!/usr/bin/env bash
# Builds the web console (web/ → web/dist/). Installs its packages with
# `npm ci` only when node_modules is missing or older than package-lock.json,
# so a second run only rebuilds. Prints one line saying what it did.
set -euo pipefail

web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)"
cd "$web"

if ! command -v npm >/dev/null 2>&1; then
  echo "build-web: npm is missing: run scripts/setup.sh" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs a step quietly; on failure shows its output and stops.
quiet() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "build-web: '$*' failed in $web" >&2
    exit 1
  fi
}

installed="packages up to date"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  quiet npm ci --no-audit --no-fund
  touch node_modules
  installed="installed packages (npm ci)"
fi

quiet npm run build
echo "build-web: $installed, built $(find dist -type f | wc -l) files into web/dist"
