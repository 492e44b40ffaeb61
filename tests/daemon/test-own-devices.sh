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

# Found by its announcement; its name then comes with its DeviceSync.
expect "A lists B's device, named desktop, within 10 s" 10 listed "^$LONG_B desktop\$" A
expect "B lists A's device, named laptop, within 10 s" 10 listed "^$LONG_A laptop\$" B
grep -q "^$LONG_B desktop (this device)\$" "$T/list.B" && ok "B lists itself" || not_ok "B lists itself"
[ "$(count A)" = 2 ] && ok "A lists two devices" || not_ok "A lists two devices"
expect "knownDevicesChanged on A names B's device" 5 grep -q "knownDevicesChanged ('$ID', {.*'$LONG_B'" "$T/mon"
# The two devices hold a direct channel, which carries their syncs.
channels() { pb "$1" --json account show 2>/dev/null | grep -q "\"Account.peerbookChannels\":\"$2\""; }
export -f channels
expect "A holds a channel to B" 10 channels A 1
expect "B holds a channel to A" 10 channels B 1

stop_daemon A
start_daemon A
expect "after a restart A still lists B's device" 10 listed "^$LONG_B desktop\$" A
[ "$(count A)" = 2 ] && ok "and only the two" || not_ok "and only the two"
check "A registers again" pb A wait-registered --timeout 30

# ---- sync: contacts, bans, removals, accepted requests (item 2) ----------------
X=1111111111111111111111111111111111111111
Y=2222222222222222222222222222222222222222
Z=3333333333333333333333333333333333333333
# in_contacts WHO URI STATE / gone WHO URI / pending WHO URI
in_contacts() { pb "$1" contacts 2>/dev/null | grep -q "^$2 $3\$"; }
gone() { ! pb "$1" contacts 2>/dev/null | grep -q "^$2 "; }
pending() { pb "$1" requests 2>/dev/null | grep -q "^$2 "; }
export -f in_contacts gone pending
# ms: milliseconds since the epoch
ms() { date +%s%3N; }

check "A adds a contact" pb A contact add "$X"
t0=$(ms)
expect "it is on B within 5 s" 5 in_contacts B "$X" unconfirmed
echo "# contact added on A -> listed on B: $(( $(ms) - t0 )) ms (CLI polls included)"
check "B adds and bans another" bash -c "pb B contact add $Y && pb B contact remove $Y --ban"
expect "the ban is on A within 5 s" 5 in_contacts A "$Y" banned
check "A removes the first" pb A contact remove "$X"
expect "the removal is on B within 5 s" 5 gone B "$X"

start_daemon C
check "a third account, C" pb C account create --alias carol --bootstrap "127.0.0.1:$PORT_A"
ID_C=$(cat "$T/out")
check "C registers" pb C wait-registered --timeout 30
check "C asks the account (both devices) to be a contact" pb C contact add "$ID"
expect "A has C's request" 30 pending A "$ID_C"
expect "B has C's request" 30 pending B "$ID_C"
check "A accepts it" pb A accept "$ID_C"
expect "on B, C is a confirmed contact within 5 s" 5 in_contacts B "$ID_C" confirmed
expect "and B's request is settled" 5 bash -c "! pending B $ID_C"

# B is off while A changes something: B catches up after its start.
stop_daemon B
check "A adds a contact while B is off" pb A contact add "$Z"
start_daemon B
t0=$(ms)
expect "B has it within 5 s of its start" 5 in_contacts B "$Z" unconfirmed
echo "# B started -> the contact added meanwhile listed on B: $(( $(ms) - t0 )) ms"
# A sync put on the DHT before the channel was up arrives after a newer one
# that took the channel: older than the last taken, it is dropped, counted.
for who in A B; do
        pb "$who" --json account show >"$T/out" 2>&1
        check_output "Account.peerbookDroppedSyncs on $who" '"Account.peerbookDroppedSyncs":"[0-9]*"'
done
stop_daemon C
stop_daemon A
stop_daemon B

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
