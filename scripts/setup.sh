#!/usr/bin/env bash
# Installs what punktfunk needs to build, test and run, from Debian 12
# packages. Idempotent and non-interactive: it installs only what is missing
# and says what it changed. Later components add their packages here.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # clang presets: tsan (with -Wthread-safety) and fuzz (libFuzzer runtimes)
  clang libclang-rt-14-dev
  # libraries
  libfmt-dev libspdlog-dev libexpected-dev libcli11-dev nlohmann-json3-dev libssl-dev
  libxcb1-dev libxcb-shm0-dev libxcb-damage0-dev libxcb-xtest0-dev
  libwayland-dev wayland-protocols libxkbcommon-dev
  # media: colour conversion, encoders (NVENC: headers only; the driver's
  # libraries are loaded at run time where they exist)
  libyuv-dev libx264-dev libx265-dev libffmpeg-nvenc-dev
  # transport: Reed–Solomon multiply-accumulate (ISA-L)
  libisal-dev
  # pairing (SPAKE2 over ristretto255) and mDNS discovery (the Avahi daemon
  # and the system D-Bus it talks through; the tests start both privately)
  libsodium-dev libavahi-client-dev avahi-daemon dbus libcpp-httplib-dev
  # the reference client: decoding (libavcodec) and PNG snapshots (zlib)
  libavcodec-dev zlib1g-dev
  # display backends pf-vdisplay starts (sway brings swaybg, the Wayland
  # client the tests draw with), and the X client the tests draw with
  xvfb x11-xserver-utils sway
  # the management API tests: a real HTTPS client from another network
  # namespace (curl, iproute2)
  curl iproute2
  # sound: the session's sink (libpulse; the host starts Debian's pulseaudio
  # when no server is reachable; pulseaudio-utils' pacat plays the tests'
  # tones), Opus, and the client's playback (SDL2)
  libpulse-dev pulseaudio pulseaudio-utils libopus-dev libsdl2-dev
  # GameStream (Moonlight) compatibility: its control channel is ENet
  libenet-dev
  # an X application the end-to-end tests stream; a Wayland one that prints
  # the input it receives
  xterm wev
  # tests and benchmarks; the web console's browser tests drive chromium;
  # the ops tests check the generated units with systemd-analyze
  libgtest-dev libgmock-dev libbenchmark-dev chromium systemd
)
# The web console's front end is built with Node and npm (scripts/build-web.sh);
# Debian's own unless a newer Node is installed already.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

# The account display servers run as when the host runs as root (sway
# refuses to run as root): a system user without a home or a login shell.
display_user=punktfunk-display

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
    missing+=("$p")
  fi
done
need_user=0
if ! getent passwd "$display_user" >/dev/null; then
  need_user=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $need_user -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages and user $display_user present; nothing to do"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: need root to install: ${missing[*]} (and to create user $display_user when missing)" >&2
  exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${#missing[@]} packages"
fi
if [ $need_user -eq 1 ]; then
  "${as_root[@]}" useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "punktfunk display servers" "$display_user"
  echo "setup: created system user $display_user"
fi
