#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what building and running peerbook needs on Debian 12, and with
# --test what its tests need too (a sanitizer runtime, and Jami's daemon for
# the interoperability test); nothing when it is all there already, so that
# it is cheap to call every time.
set -eu
PKGS="build-essential cmake ninja-build pkg-config \
libopendht-dev libopendht-c-dev dhtnode libmsgpack-dev libgnutls28-dev \
libsqlite3-dev sqlite3 libexpat1-dev libglib2.0-dev libglib2.0-bin dbus dbus-bin \
libjansson-dev libargon2-dev zlib1g-dev"
if [ "${1:-}" = "--test" ]; then
  PKGS="$PKGS clang libclang-rt-14-dev clang-format-14 jami-daemon jq iproute2"
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
