#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's run command as a new user meets it on a fresh server: no
# session bus, no account. scripts/run.sh --once must bring up a bus, start
# the daemon, create a registered account and stop cleanly; a second run
# finds the same account again.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d /tmp/peerbook-quickstart-XXXXXX)
trap 'rm -rf "$data"' EXIT
run() { env -u DBUS_SESSION_BUS_ADDRESS timeout 120 "$top/scripts/run.sh" --once --no-build \
          --build-dir "$build" --data-dir "$data" --bus-name net.peerbook.Quickstart; }
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
