# Sourced by install.sh, deploy-host.sh and uninstall.sh: whether systemd
# runs the installed services, as PUNKTFUNK_SERVICE_MANAGER (environment,
# or host.env through `config show`) says: systemd, supervisor, or auto
# (systemd where it is PID 1).
#   uses_systemd HOST_BINARY [global options…]   exit 0: systemd
uses_systemd() {
  local host="$1"; shift
  local manager="${PUNKTFUNK_SERVICE_MANAGER:-}"
  if [ -z "$manager" ] && [ -x "$host" ]; then
    manager="$("$host" "$@" config show 2>/dev/null | awk '$1 == "PUNKTFUNK_SERVICE_MANAGER" { print $2 }')"
  fi
  case "${manager:-auto}" in
    systemd) return 0 ;;
    supervisor) return 1 ;;
    *) [ -d /run/systemd/system ] ;;
  esac
}
