#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One account on two devices (issue 9, item 1), as a user does it with the
# CLI: export on the laptop (daemon A), import on the desktop (daemon B, a
# second device of the same account), and each lists the other within
# seconds, found by its account-signed announcement on the account's hash;
# knownDevicesChanged tells A. The list survives a restart.
#
# usage: test-own-devices.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

# listed PATTERN WHO: `device list` of WHO has a line matching PATTERN
listed() { pb "$2" device list >"$T/list.$2" 2>&1 && grep -q -- "$1" "$T/list.$2"; }
count() { pb "$1" device list 2>/dev/null | grep -c .; }
export -f listed count
export T
expect() { # DESC SECONDS CMD...
        local d=$1 s=$2; shift 2
        if wait_for "$s" "$@"; then ok "$d"; else not_ok "$d"; fi
}

start_daemon A
check "create the account on A" pb A account create --alias alice
ID=$(cat "$T/out")
check "A registers" pb A wait-registered --timeout 30
PORT_A=$(pb A --json account show | sed -n 's/.*"Account.dhtPort":"\([0-9]*\)".*/\1/p')
check "A is named laptop" pb A device rename laptop
gdbus monitor --session --dest net.peerbook.TestA >"$T/mon" 2>&1 &
BACKGROUND+=($!)
wait_for 5 grep -q "Monitoring signals" "$T/mon" || not_ok "gdbus monitor starts"
check "export it" pb A account export "$ID" "$T/alice.pbk"

start_daemon B
check "import it on B: a second device" \
        pb B account import "$T/alice.pbk" --bootstrap "127.0.0.1:$PORT_A"
[ "$(cat "$T/out")" = "$ID" ] && ok "B has the same account ID" || not_ok "B has the same account ID"
check "B registers" pb B wait-registered --timeout 30
check "B is named desktop" pb B device rename desktop
LONG_B=$(pb B --json account show | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
LONG_A=$(pb A --json account show | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
[ ${#LONG_A} = 64 ] && [ ${#LONG_B} = 64 ] && [ "$LONG_A" != "$LONG_B" ] &&
        ok "two devices, two long IDs" || not_ok "two devices, two long IDs"

# Names travel by DeviceSync (not yet): until then Jami's label, the long
# ID's first 8 characters.
expect "A lists B's device within 10 s" 10 listed "^$LONG_B ${LONG_B:0:8}\$" A
expect "B lists A's device within 10 s" 10 listed "^$LONG_A ${LONG_A:0:8}\$" B
grep -q "^$LONG_B desktop (this device)\$" "$T/list.B" && ok "B lists itself" || not_ok "B lists itself"
[ "$(count A)" = 2 ] && ok "A lists two devices" || not_ok "A lists two devices"
expect "knownDevicesChanged on A names B's device" 5 grep -q "knownDevicesChanged ('$ID', {.*'$LONG_B'" "$T/mon"

stop_daemon A
start_daemon A
expect "after a restart A still lists B's device" 10 listed "^$LONG_B " A
[ "$(count A)" = 2 ] && ok "and only the two" || not_ok "and only the two"
stop_daemon A
stop_daemon B

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
