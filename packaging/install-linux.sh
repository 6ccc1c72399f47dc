#!/bin/sh
# Install a built ReviewDesk bundle on a Linux workstation: the program folder, the `reviewdesk`
# command, the menu entry and the icons. build.py copies this script into dist/reviewdesk/.
#
#   ./install.sh                  for you:       ~/.local/opt/reviewdesk, ~/.local/bin/reviewdesk
#   sudo PREFIX=/usr/local ./install.sh          for everyone on the machine
#   ./install.sh --uninstall      removes what it installed (never your data: see the README)
#
# The bundle needs Qt's X11 libraries on the machine (scripts/system-deps.sh lists them).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bundle=${BUNDLE:-$here}
prefix=${PREFIX:-$HOME/.local}
target=$prefix/opt/reviewdesk
bin=$prefix/bin
share=$prefix/share

refresh_caches() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$target"
    rm -f "$bin/reviewdesk" "$share/applications/reviewdesk.desktop"
    rm -f "$share/icons/hicolor/scalable/apps/reviewdesk.svg"
    for png in "$share"/icons/hicolor/*/apps/reviewdesk.png; do
        [ -e "$png" ] && rm -f "$png"
    done
    refresh_caches
    echo "ReviewDesk removed from $prefix (your data, settings and logs are kept)"
    exit 0
fi

resources=$bundle/_internal/reviewdesk/_resources
if [ ! -x "$bundle/reviewdesk" ] || [ ! -f "$resources/reviewdesk.desktop" ]; then
    echo "install: $bundle is not a ReviewDesk bundle (build it with packaging/build.py)" >&2
    exit 1
fi

if [ "$bundle" != "$target" ]; then
    rm -rf "$target.new"
    mkdir -p "$prefix/opt"
    cp -R "$bundle" "$target.new"
    rm -f "$target.new/install.sh"
    rm -rf "$target"
    mv "$target.new" "$target"
fi
mkdir -p "$bin" "$share/applications" "$share/icons/hicolor/scalable/apps"
ln -sf "$target/reviewdesk" "$bin/reviewdesk"
# The menu entry names the program by its full path: ~/.local/bin may not be on the menu's PATH.
sed -e "s|^Exec=reviewdesk|Exec=$target/reviewdesk|" -e "s|^TryExec=reviewdesk|TryExec=$target/reviewdesk|" \
    "$resources/reviewdesk.desktop" >"$share/applications/reviewdesk.desktop"
cp "$resources/icons/reviewdesk.svg" "$share/icons/hicolor/scalable/apps/reviewdesk.svg"
for png in "$resources"/icons/reviewdesk-*.png; do
    size=$(basename "$png" .png)
    size=${size#reviewdesk-}
    mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$share/icons/hicolor/${size}x${size}/apps/reviewdesk.png"
done
refresh_caches
echo "ReviewDesk installed in $target"
echo "run it from the applications menu, or as: $bin/reviewdesk"
