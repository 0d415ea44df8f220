#!/usr/bin/env bash
# Reverses scripts/install.sh: stops the host and the console, removes
# every file its manifest lists (binaries, pages, units) and the manifest.
# The config dir (keys, tokens, password, paired clients) and the
# operator's recordings in the state dir stay unless --purge, which removes
# both; the services' log and pidfiles go.
#
#   scripts/uninstall.sh [--user|--system] [--prefix DIR] [--config-dir DIR]
#                        [--state-dir DIR] [--purge]
set -euo pipefail

mode=user prefix="" config_dir="" state_dir="" purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --user) mode=user ;;
    --system) mode=system ;;
    --prefix) prefix="$2"; shift ;;
    --config-dir) config_dir="$2"; shift ;;
    --state-dir) state_dir="$2"; shift ;;
    --purge) purge=1 ;;
    *) echo "uninstall: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$mode" = system ]; then
  prefix="${prefix:-/usr/local}" config_dir="${config_dir:-/etc/punktfunk}"
  state_dir="${state_dir:-${PUNKTFUNK_STATE_DIR:-/var/lib/punktfunk}}" mode_flag=(--system) scope=()
else
  prefix="${prefix:-$HOME/.local}" config_dir="${config_dir:-${XDG_CONFIG_HOME:-$HOME/.config}/punktfunk}"
  state_dir="${state_dir:-${PUNKTFUNK_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/punktfunk}}" mode_flag=() scope=(--user)
fi
manifest="$prefix/share/punktfunk/install-manifest"
if [ ! -f "$manifest" ]; then
  echo "uninstall: nothing installed under $prefix (no $manifest)" >&2
  exit 1
fi

host="$prefix/bin/punktfunk-host"
units_in_systemd=0
# shellcheck source=lib/service-manager.sh
. "$(dirname "$0")/lib/service-manager.sh"
if uses_systemd "$host" "${mode_flag[@]}" --config-dir "$config_dir" && grep -q "^/etc/systemd/system/\|/systemd/user/" "$manifest"; then
  units_in_systemd=1
  systemctl "${scope[@]}" disable --now punktfunk-host.service punktfunk-web.service 2>/dev/null || true
fi
if [ -x "$host" ]; then
  PUNKTFUNK_STATE_DIR="$state_dir" "$host" "${mode_flag[@]}" --config-dir "$config_dir" service stop || true
fi

removed=0
while IFS= read -r path; do
  case "$path" in
    "$prefix"/* | */systemd/*) ;;
    *) echo "uninstall: skipping $path (outside $prefix and the unit dirs)" >&2; continue ;;
  esac
  if [ -e "$path" ]; then
    rm -rf -- "$path"
    removed=$((removed + 1))
  fi
done <"$manifest"
rm -f -- "$manifest" "$prefix/share/punktfunk/.deploy.lock"
rm -rf -- "$prefix"/share/punktfunk/web-*  # the pages the web link pointed at (build-web.sh renames them)
for b in punktfunk-host pf-vdisplay punktfunk-client; do
  rm -f -- "$prefix/bin/$b.bak"
done
rmdir "$prefix/share/punktfunk" 2>/dev/null || true
[ $units_in_systemd -eq 1 ] && systemctl "${scope[@]}" daemon-reload || true
echo "uninstall: removed $removed files and directories"
if [ $purge -eq 1 ]; then
  rm -rf -- "$config_dir" "$state_dir"
  echo "uninstall: purged $config_dir and $state_dir"
else
  # What the services left behind goes; what the operator made (recordings) stays with the config.
  rm -rf -- "$state_dir/host.log" "$state_dir/host.log.1" "$state_dir/host.pid" "$state_dir/host.children" \
    "$state_dir/pulse"
  rmdir "$state_dir" 2>/dev/null || true
  echo "uninstall: kept $config_dir (keys, tokens, the console password, paired clients); --purge removes it"
  [ -d "$state_dir" ] && echo "uninstall: kept $state_dir (performance recordings); --purge removes it"
fi
