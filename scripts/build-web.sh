#!/usr/bin/env bash
# Builds the web console (web/ → web/dist/). Installs its packages with
# `npm ci` only when node_modules is missing or older than package-lock.json,
# so a second run only rebuilds. Prints one line saying what it did.
#
#   scripts/build-web.sh [--prefix DIR]
#
# With --prefix (an installation by scripts/install.sh) it then swaps the
# served pages, DIR/share/punktfunk/web, for the new build in one rename
# (scripts/lib/swap-pages.sh) and checks that the console answers. The
# console reads its pages from disk on every request, so it needs no
# restart: browsers get the new pages on their next load.
set -euo pipefail

prefix=""
if [ "${1:-}" = --prefix ]; then
  prefix="$2"
fi

scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
web="$scripts/../web"
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

if [ -n "$prefix" ]; then
  share="$prefix/share/punktfunk"
  if [ ! -d "$share" ]; then
    echo "build-web: nothing installed under $prefix (run scripts/install.sh)" >&2
    exit 1
  fi
  # shellcheck source=lib/swap-pages.sh
  . "$scripts/lib/swap-pages.sh"
  swap_pages "$web/dist" "$share"
  port="$("$prefix/bin/punktfunk-host" config show | awk '$1 == "PUNKTFUNK_WEB_PORT" { print $2 }')"
  code="$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:${port:-47992}/" || true)"
  case "$code" in
    200) echo "build-web: swapped the pages under $share/web; the console answers" ;;
    503) echo "build-web: swapped the pages under $share/web; the console answers (locked: run web setup)" ;;
    *) echo "build-web: swapped the pages under $share/web; the console does not answer on :${port:-47992} (HTTP $code)" >&2
       exit 1 ;;
  esac
fi
