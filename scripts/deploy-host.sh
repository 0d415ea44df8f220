#!/usr/bin/env bash
# Deploys the current source to an installed host with automatic rollback.
# The build comes first, while the old host keeps serving; the service is
# down only for the swap and the restart:
#
#   1. take the deploy lock (a second deploy refuses at once, exit 2)
#   2. build (release); if that fails: stop here, nothing touched, exit 1
#   3. stop the service (≤ 30 s); keep each binary as <name>.bak
#   4. install the new binaries; start; poll /api/v1/health ≤ 20 s
#   5. not healthy: restore the .bak binaries, start, confirm healthy, exit 1
#
#   scripts/deploy-host.sh [--user|--system] [--prefix DIR] [--config-dir DIR]
#                          [--build-command CMD --artifacts DIR]
#
# --build-command replaces the release build (it must leave punktfunk-host,
# pf-vdisplay and punktfunk-client in --artifacts). Prints each step and the
# downtime.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

mode=user prefix="" config_dir="" build_command="" artifacts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --user) mode=user ;;
    --system) mode=system ;;
    --prefix) prefix="$2"; shift ;;
    --config-dir) config_dir="$2"; shift ;;
    --build-command) build_command="$2"; shift ;;
    --artifacts) artifacts="$2"; shift ;;
    *) echo "deploy: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$mode" = system ]; then
  prefix="${prefix:-/usr/local}" config_dir="${config_dir:-/etc/punktfunk}" mode_flag=(--system) scope=()
  unit_dir=/etc/systemd/system
else
  prefix="${prefix:-$HOME/.local}" config_dir="${config_dir:-${XDG_CONFIG_HOME:-$HOME/.config}/punktfunk}"
  mode_flag=() scope=(--user) unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
fi
share="$prefix/share/punktfunk"
host="$prefix/bin/punktfunk-host"
binaries=(punktfunk-host pf-vdisplay punktfunk-client)
if [ ! -f "$share/install-manifest" ]; then
  echo "deploy: nothing installed under $prefix: run scripts/install.sh first" >&2
  exit 1
fi
step() { echo "deploy: $*"; }
now_ms() { date +%s%3N; }

# 1. One deploy at a time.
exec 9>"$share/.deploy.lock"
if ! flock -n 9; then
  echo "deploy: another deploy is running (it holds $share/.deploy.lock); not starting a second" >&2
  exit 2
fi

# 2. Build first: the running host is untouched until this succeeded.
if [ -z "$build_command" ]; then
  build_command="cmake --preset release -S '$repo' >/dev/null && cmake --build '$repo/build/release' --target ${binaries[*]} -- --quiet"
  artifacts="$repo/build/release/bin"
fi
step "building"
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
if ! (cd "$repo" && bash -c "$build_command") >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  echo "deploy: the build failed; the running host was not touched" >&2
  exit 1
fi
for b in "${binaries[@]}"; do
  if [ ! -x "$artifacts/$b" ]; then
    echo "deploy: the build left no $artifacts/$b; the running host was not touched" >&2
    exit 1
  fi
done

use_systemd=0
# shellcheck source=lib/service-manager.sh
. "$repo/scripts/lib/service-manager.sh"
if uses_systemd "$host" "${mode_flag[@]}" --config-dir "$config_dir" && [ -f "$unit_dir/punktfunk-host.service" ] &&
  grep -qx "$unit_dir/punktfunk-host.service" "$share/install-manifest"; then
  use_systemd=1
fi
service() {  # start | stop, through systemd or the supervisor; never hands on the lock
  if [ $use_systemd -eq 1 ]; then
    systemctl "${scope[@]}" "$1" punktfunk-host.service punktfunk-web.service 9>&-
  else
    local extra=(); [ "$1" = start ] && extra=(--with-console)
    "$host" "${mode_flag[@]}" --config-dir "$config_dir" service "$1" "${extra[@]}" 9>&-
  fi
}
healthy_within() {  # seconds; /api/v1/health answers, whoever runs the host
  local deadline=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt $deadline ]; do
    if "$host" "${mode_flag[@]}" --config-dir "$config_dir" service health >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# Where the supervisor logs, asked of the binary that runs now (the new one may not run at all).
state_dir="$("$host" "${mode_flag[@]}" --config-dir "$config_dir" config show 2>/dev/null |
  awk '$1 == "PUNKTFUNK_STATE_DIR" { print $2 }')" || true

# 3. Stop, keep the old binaries.
step "stopping the host"
down_at=$(now_ms)
service stop >/dev/null || true
for b in "${binaries[@]}"; do
  cp -p "$prefix/bin/$b" "$prefix/bin/$b.bak"
done

# 4. Swap in the new ones and start.
step "installing the new binaries"
for b in "${binaries[@]}"; do
  install -m 0755 "$artifacts/$b" "$prefix/bin/$b.tmp.$$"
  mv -f "$prefix/bin/$b.tmp.$$" "$prefix/bin/$b"
done
step "starting"
start_log="$(mktemp)"
trap 'rm -f "$build_log" "$start_log"' EXIT
failure="starting the new host failed"
if service start >"$start_log" 2>&1; then
  failure="the new host did not answer /api/v1/health within 20 s"
  if healthy_within 20; then
    up_at=$(now_ms)
    step "healthy again; downtime $((up_at - down_at)) ms"
    exit 0
  fi
fi

# 5. Roll back, saying why the new host did not come up: what starting it
# printed, and the end of its log.
echo "deploy: $failure; rolling back. What it said:" >&2
sed 's/^/  | /' "$start_log" | tail -n 20 >&2
if [ $use_systemd -eq 1 ]; then
  journalctl "${scope[@]}" -u punktfunk-host.service -n 20 --no-pager 2>/dev/null | sed 's/^/  | /' >&2 || true
elif [ -f "$state_dir/host.log" ]; then
  tail -n 20 "$state_dir/host.log" | sed 's/^/  | /' >&2
fi
service stop >/dev/null 2>&1 || true
for b in "${binaries[@]}"; do
  mv -f "$prefix/bin/$b.bak" "$prefix/bin/$b"
done
if service start >/dev/null 2>&1 && healthy_within 20; then
  up_at=$(now_ms)
  echo "deploy: rolled back; the previous host is healthy again (downtime $((up_at - down_at)) ms)" >&2
else
  echo "deploy: rolled back, but the previous host is not healthy either: see the host's log" >&2
fi
exit 1
