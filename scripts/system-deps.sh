#!/usr/bin/env bash
# Debian/Ubuntu packages Qt needs: the X11 (xcb) libraries a real window on a Linux workstation
# loads. `--tests` adds what the test suite needs beyond that: Xvfb and xdotool, for the tests that
# run the real window on a real X display (tests/e2e).
# Installs only what is missing, and only when it can (root or sudo, apt-get present).
set -euo pipefail
offscreen=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 fonts-dejavu-core)
xcb=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
     libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libxcb-xkb1 libx11-xcb1)
display=(xvfb xdotool)
want=("${offscreen[@]}" "${xcb[@]}")
[ "${1:-}" = "--tests" ] && want+=("${display[@]}")
command -v dpkg-query >/dev/null || { echo "system-deps: not a Debian-based system; install the Qt 6 runtime libraries yourself"; exit 0; }
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
