#!/usr/bin/env bash
# Installs punktfunk: a release build (unless --no-build), the binaries, the
# web console's pages, host.env.example and the systemd units; creates the
# config dir (0700) and the console password (printed once); then starts
# the host and the console — through systemd when it is PID 1 and the
# units went to its directory, else through `punktfunk-host service`.
#
#   scripts/install.sh [--user|--system] [--prefix DIR] [--config-dir DIR]
#                      [--unit-dir DIR] [--from DIR] [--no-build] [--no-start]
#
#   --user       (default) ~/.local, ~/.config/punktfunk, systemd user units
#   --system     /usr/local, /etc/punktfunk, system units (root)
#   --from DIR   take the binaries from DIR instead of build/release/bin
# Everything installed is listed in <prefix>/share/punktfunk/install-manifest,
# which scripts/uninstall.sh reads.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

mode=user prefix="" config_dir="" unit_dir="" from="" build=1 start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --user) mode=user ;;
    --system) mode=system ;;
    --prefix) prefix="$2"; shift ;;
    --config-dir) config_dir="$2"; shift ;;
    --unit-dir) unit_dir="$2"; shift ;;
    --from) from="$2"; shift ;;
    --no-build) build=0 ;;
    --no-start) start=0 ;;
    *) echo "install: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$mode" = system ]; then
  prefix="${prefix:-/usr/local}"
  config_dir="${config_dir:-/etc/punktfunk}"
  unit_dir="${unit_dir:-/etc/systemd/system}"
  mode_flag=(--system)
else
  prefix="${prefix:-$HOME/.local}"
  config_dir="${config_dir:-${XDG_CONFIG_HOME:-$HOME/.config}/punktfunk}"
  unit_dir="${unit_dir:-${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user}"
  mode_flag=()
fi
share="$prefix/share/punktfunk"
manifest="$share/install-manifest"

if [ $build -eq 1 ]; then
  "$repo/scripts/setup.sh"
  echo "install: building (release)"
  cmake --preset release -S "$repo" >/dev/null
  cmake --build "$repo/build/release" --target punktfunk-host pf-vdisplay punktfunk-client -- --quiet
  "$repo/scripts/build-web.sh"
fi
from="${from:-$repo/build/release/bin}"

mkdir -p "$prefix/bin" "$share" "$unit_dir"
: >"$manifest.new"
# Copies atomically (a temporary name, then rename) and records the file.
put() {
  local source="$1" target="$2" mode="$3"
  install -m "$mode" "$source" "$target.tmp.$$"
  mv -f "$target.tmp.$$" "$target"
  echo "$target" >>"$manifest.new"
}
for b in punktfunk-host pf-vdisplay punktfunk-client; do
  put "$from/$b" "$prefix/bin/$b" 0755
done
put "$repo/host.env.example" "$share/host.env.example" 0644
if [ -f "$repo/web/dist/index.html" ]; then
  # shellcheck source=lib/swap-pages.sh
  . "$repo/scripts/lib/swap-pages.sh"
  swap_pages "$repo/web/dist" "$share"
  echo "$share/web" >>"$manifest.new"  # the link; uninstall.sh removes the web-* it points at
else
  echo "install: web/dist is missing (scripts/build-web.sh): the console will say its pages are missing" >&2
fi

host="$prefix/bin/punktfunk-host"
install -d -m 0700 "$config_dir"
for which in host web; do
  unit="$unit_dir/punktfunk-$which.service"
  "$host" "${mode_flag[@]}" --config-dir "$config_dir" service unit "$which" >"$unit.tmp.$$"
  mv -f "$unit.tmp.$$" "$unit"
  echo "$unit" >>"$manifest.new"
done
mv -f "$manifest.new" "$manifest"
echo "install: $(wc -l <"$manifest") files and directories under $prefix and $unit_dir (listed in $manifest)"

"$host" "${mode_flag[@]}" --config-dir "$config_dir" web setup --no-service

systemd_owns_units=0
# shellcheck source=lib/service-manager.sh
. "$(dirname "$0")/lib/service-manager.sh"
if uses_systemd "$host" "${mode_flag[@]}" --config-dir "$config_dir" && { [ "$unit_dir" = /etc/systemd/system ] ||
  [ "$unit_dir" = "${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user" ]; }; then
  systemd_owns_units=1
fi
if [ $start -eq 1 ]; then
  if [ $systemd_owns_units -eq 1 ]; then
    scope=(); [ "$mode" = user ] && scope=(--user)
    systemctl "${scope[@]}" daemon-reload
    systemctl "${scope[@]}" enable --now punktfunk-host.service punktfunk-web.service
    echo "install: started with systemd (systemctl ${scope[*]} status punktfunk-host)"
  else
    "$host" "${mode_flag[@]}" --config-dir "$config_dir" service start --with-console
  fi
fi
web_port="$("$host" "${mode_flag[@]}" --config-dir "$config_dir" config show | awk '$1 == "PUNKTFUNK_WEB_PORT" { print $2 }')"
echo "install: console: https://$(hostname):${web_port:-47992}/ (password: see above, or its hash in $config_dir/web-password)"
echo "install: settings: $config_dir/host.env (documented in $share/host.env.example)"
