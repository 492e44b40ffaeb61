#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Zero configuration on a LAN (issue 10, items 1 and 2): two daemons in two
# network namespaces made for this run (a veth pair, 10.234.0.1 and .2,
# addresses that exist only inside them), each with an account created with
# no option at all: no bootstrap. Their DHT nodes find each other on the LAN
# (the "dht" service), so a trust request goes through and each sees the
# other's presence. Alice publishes her account (Account.accountPublish),
# then Bob his (the CLI's --lan-publish): each hears the other
# (nearbyPeerNotification, getNearbyPeers, peerbook nearby), and Bob hears
# Alice gone 60 s after she stops. Malformed discovery packets are dropped and counted;
# a forged notice for an account alice watches is a nearby hint, never
# presence. Needs root and iproute2: skipped (77) elsewhere.
#
# usage: test-lan.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"
netns_pair 10.234.0

# call WHO METHOD ARGS...: a ConfigurationManager method of WHO's daemon
call() {
        local who=$1 method=$2; shift 2
        gdbus call --session --dest "net.peerbook.Test$who" --object-path /cx/ring/Ring/ConfigurationManager \
                --method "cx.ring.Ring.ConfigurationManager.$method" "$@"
}
detail() { call "$1" getAccountDetails "$2" | grep -o "'$3': '[^']*'" | cut -d"'" -f4; }
export -f call detail

start_in "$NS_A" A
start_in "$NS_B" B
for who in A B; do
        gdbus monitor --session --dest "net.peerbook.Test$who" >"$T/$who.monitor" 2>&1 &
        BACKGROUND+=($!)
done
check "alice: an account with no option" pb A account create --alias alice
ID_A=$(cat "$T/out")
check "bob: an account with no option" pb B account create --alias bob
ID_B=$(cat "$T/out")
export ID_A ID_B
check "alice registers" pb A wait-registered --timeout 30
check "bob registers" pb B wait-registered --timeout 30
call A getAccountDetails "$ID_A" >"$T/out" 2>&1
check_output "new accounts look for the LAN's nodes (Account.peerDiscovery)" "'Account.peerDiscovery': 'true'"
check_output "and listen for nearby accounts (Account.accountDiscovery)" "'Account.accountDiscovery': 'true'"
check_output "but do not publish themselves (Account.accountPublish)" "'Account.accountPublish': 'false'"

# ---- the DHT assembles itself: a request and presence, with no bootstrap ----------------
t0=$(date +%s%3N)
check "alice asks bob" pb A contact add "$ID_B"
check "bob gets the request through the LAN's DHT" pb B watch --event trustRequest --count 1 --timeout 45
echo "# contact add -> bob's trustRequest: $(( $(date +%s%3N) - t0 )) ms"
check "bob accepts" pb B accept "$ID_A"
sees() { pb "$1" presence 2>/dev/null | grep -q "^$2 \(online\|connected\)"; }
export -f sees
expect "bob sees alice's presence" 30 sees B "$ID_A"
expect "alice sees bob's presence" 30 sees A "$ID_B"

# ---- nearby: alice publishes her account --------------------------------------------------
nearby_has() { call "$1" getNearbyPeers "$2" | grep -q "'$3': '$4'"; }
export -f nearby_has
check "nothing published yet: bob's getNearbyPeers is empty" bash -c "call B getNearbyPeers $ID_B | grep -q '{}'"
t0=$(date +%s%3N)
check "alice: Account.accountPublish=true" call A setAccountDetails "$ID_A" "{'Account.accountPublish': 'true'}"
expect "bob's getNearbyPeers has alice within 5 s" 5 nearby_has B "$ID_B" "$ID_A" alice
echo "# accountPublish -> bob's getNearbyPeers: $(( $(date +%s%3N) - t0 )) ms"
grep_monitor() { grep -q "$2" "$T/$1.monitor"; }
export -f grep_monitor
export T
expect "bob: nearbyPeerNotification(bob, alice, 0, 'alice')" 5 \
        grep_monitor B "nearbyPeerNotification ('$ID_B', '$ID_A', 0, 'alice')"
check "bob publishes too, with the CLI" pb B account set "$ID_B" --lan-publish on
cli_nearby() { pb A nearby 2>/dev/null | grep -q "^$ID_B bob$"; }
export -f cli_nearby
expect "alice's 'peerbook nearby' lists bob within 5 s" 5 cli_nearby
expect "alice: nearbyPeerNotification(alice, bob, 0, 'bob')" 5 \
        grep_monitor A "nearbyPeerNotification ('$ID_A', '$ID_B', 0, 'bob')"

# ---- what anyone on the LAN can send ------------------------------------------------------
# Sent from bob's namespace to the group: garbage, a 19-byte account ID, a
# name with an escape sequence; then a well-formed notice for an account
# alice watches, which must not make it online.
before=$(detail A "$ID_A" Account.peerbookDroppedLan)
send() { ip netns exec "$NS_B" bash -c "printf '$1' >/dev/udp/239.192.0.1/8888"; }
send 'hello, peerbook'
send '\x81\xa4jami\x92\xc4\x13AAAAAAAAAAAAAAAAAAA\xa1x'
send '\x81\xa4jami\x92\xc4\x14BBBBBBBBBBBBBBBBBBBB\xa5a\x1b[2J'
dropped() { [ "$(detail A "$ID_A" Account.peerbookDroppedLan)" -ge $((before + 3)) ]; }
export -f dropped
export before
expect "alice drops and counts the 3 malformed packets" 5 dropped
MALLORY=4343434343434343434343434343434343434343
check "alice watches an account that is not on the LAN" pb A subscribe "$MALLORY"
send '\x81\xa4jami\x92\xc4\x14CCCCCCCCCCCCCCCCCCCC\xa7mallory'
expect "a forged notice is a nearby hint" 5 nearby_has A "$ID_A" "$MALLORY" mallory
sleep 3
pb A presence >"$T/out" 2>&1
check_output "and never presence: alice still sees it offline" "^$MALLORY offline"
check "alice's daemon still answers" pb A account show "$ID_A"

# ---- gone ---------------------------------------------------------------------------
t0=$SECONDS
stop_daemon A
expect "bob sees alice offline" 15 bash -c "! sees B $ID_A"
expect "bob: nearbyPeerNotification(bob, alice, 1, 'alice') about 60 s later" 75 \
        grep_monitor B "nearbyPeerNotification ('$ID_B', '$ID_A', 1, 'alice')"
echo "# alice stopped -> bob's gone notification: $((SECONDS - t0)) s"
check "alice is no longer in bob's getNearbyPeers" bash -c "! nearby_has B $ID_B $ID_A alice"

stop_daemon B
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
