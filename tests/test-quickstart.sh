#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's run command as a new user meets it on a fresh server: no
# session bus, no account. scripts/run.sh --once must bring up a bus, start
# the daemon, create a registered account and stop cleanly; a second run
# finds the same account again.
# The daemon runs with LAN discovery as the user gets it (the defaults: it
# listens to the LAN), inside a network namespace of its own with only the
# loopback interface where we may (root): nothing reaches the machine's LAN,
# and a daemon without any multicast interface must start as well. Elsewhere
# it runs with PEERBOOKD_NO_LAN=1.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d /tmp/peerbook-quickstart-XXXXXX)
trap 'rm -rf "$data"' EXIT
if [ "$(id -u)" = 0 ] && unshare --net -- ip link set lo up 2>/dev/null; then
        wrap=(env -u PEERBOOKD_NO_LAN unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh)
        echo "# in a network namespace with only lo, LAN discovery on"
else
        wrap=(env PEERBOOKD_NO_LAN=1)
        echo "# no network namespace (needs root): PEERBOOKD_NO_LAN=1"
fi
run() { "${wrap[@]}" env -u DBUS_SESSION_BUS_ADDRESS timeout 120 "$top/scripts/run.sh" --once \
          --no-build --build-dir "$build" --data-dir "$data" --bus-name net.peerbook.Quickstart; }
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "not ok: $*"; fi; }

out1=$(run 2>&1) || { echo "$out1"; echo "0 passed, 1 failed"; exit 1; }
id1=$(echo "$out1" | sed -n 's/^  account   \([0-9a-f]\{40\}\)$/\1/p')
check test -n "$id1"
check grep -q "no session bus was running" <<<"$out1"
check grep -q "standalone" <<<"$out1"
check test -d "$data/$id1"
out2=$(run 2>&1) || { echo "$out2"; fail=$((fail + 1)); }
id2=$(echo "$out2" | sed -n 's/^  account   \([0-9a-f]\{40\}\)$/\1/p')
check test "$id1" = "$id2"
check test ! -e "$data/session-bus.env"   # the private bus is gone with the run
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
