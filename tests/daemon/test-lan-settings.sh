#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# LAN discovery's settings and calls through peerbookd, without any network
# (issue 10, item 1): Jami's keys Account.peerDiscovery, accountDiscovery
# and accountPublish through addAccount, getAccountDetails and
# setAccountDetails, the CLI's --lan-* switches, their defaults, bad values,
# a restart; getNearbyPeers and `peerbook nearby` with nothing heard;
# --no-lan and PEERBOOKD_NO_LAN. Daemons that really hear each other are in
# the namespace tests.
#
# usage: test-lan-settings.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

gd() { dbus_call A ConfigurationManager "$@"; }
export -f gd
export T
# field ID KEY: KEY of `account show --json ID`
field() { pb A --json account show "$1" >"$T/show" 2>/dev/null &&
          sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" "$T/show"; }
# is ID KEY VALUE: account ID has KEY = VALUE
is() { [ "$(field "$1" "$2")" = "$3" ]; }
export -f field is
# lan ID DHT NEARBY PUBLISH: the three keys of account ID are as said
lan() { is "$1" Account.peerDiscovery "$2" && is "$1" Account.accountDiscovery "$3" &&
        is "$1" Account.accountPublish "$4"; }
export -f lan
seen() { grep -q -- "$1" "$T/mon"; }
export -f seen

STRANGER=3333333333333333333333333333333333333333

# ---- the daemon's switch ----------------------------------------------------------
check "peerbookd --help" "$PEERBOOKD" --help
check_output "--help gives --no-lan" "^  --no-lan "
check_output "--help names PEERBOOKD_NO_LAN" "PEERBOOKD_NO_LAN=1"
check_fails "PEERBOOKD_NO_LAN=yes is refused" "invalid PEERBOOKD_NO_LAN 'yes' (expected 1 or 0)" \
        env PEERBOOKD_NO_LAN=yes "$PEERBOOKD" --bus-name net.peerbook.TestX --data-dir "$T/X"
[ "${PEERBOOKD_NO_LAN:-}" = 1 ] && ok "the test runs with PEERBOOKD_NO_LAN=1 (peerbook_test)" \
        || not_ok "the test runs with PEERBOOKD_NO_LAN=1 (peerbook_test)"
start_daemon A --no-lan
gdbus monitor --session --dest net.peerbook.TestA >"$T/mon" 2>&1 &
BACKGROUND+=($!)
wait_for 5 seen "Monitoring signals" || not_ok "gdbus monitor starts"

# ---- defaults ------------------------------------------------------------------
check "create an account with no LAN option" pb A account create --alias plain
ID=$(cat "$T/out")
expect "defaults: peerDiscovery true, accountDiscovery true, accountPublish false" 5 \
        lan "$ID" true true false
expect "Account.peerbookNearby is 0" 5 is "$ID" Account.peerbookNearby 0
expect "Account.peerbookDroppedLan is 0" 5 is "$ID" Account.peerbookDroppedLan 0
check "account show (text)" pb A account show "$ID"
check_output "account show prints Account.accountPublish" "^Account.accountPublish: false$"

# ---- addAccount and the CLI's switches ---------------------------------------------
check "addAccount with the three keys" gd addAccount "{'Account.type': 'RING', \
'Account.alias': 'g', 'Account.peerDiscovery': 'false', 'Account.accountDiscovery': 'false', \
'Account.accountPublish': 'true'}"
ID_G=$(sed -n "s/^('\([0-9a-f]*\)',)$/\1/p" "$T/out")
expect "they are as given" 5 lan "$ID_G" false false true
check "account create --lan-dht off --lan-publish on" \
        pb A account create --alias c --lan-dht off --lan-publish on
ID_C=$(cat "$T/out")
expect "absent switches keep their default (nearby on)" 5 lan "$ID_C" false true true
for key in peerDiscovery accountDiscovery accountPublish; do
        for bad in TRUE yes 1 ""; do
                check_fails "addAccount Account.$key '$bad' is InvalidArgument" \
                        "InvalidArgument.*invalid Account.$key '$bad' (expected 'true' or 'false')" \
                        gd addAccount "{'Account.type': 'RING', 'Account.$key': '$bad'}"
        done
done
check "no account was added by them" pb A account list
[ "$(wc -l <"$T/out")" -eq 3 ] && ok "3 accounts" || not_ok "3 accounts"
check_fails "--lan-publish maybe: usage error" "invalid --lan-publish 'maybe' (expected on or off)" \
        pb A account create --lan-publish maybe
pb A account create --lan-dht true >/dev/null 2>&1
[ $? -eq 2 ] && ok "a bad switch exits 2" || not_ok "a bad switch exits 2"
check_fails "it is refused before the bus is reached" "invalid --lan-nearby 'ON'" \
        "$CLI" --bus-name net.peerbook.Nobody account set "$ID" --lan-nearby ON
check "account create --help gives the switches" pb A account create --help
check_output "--lan-publish in create's help" "--lan-publish on|off"

# ---- setAccountDetails and account set ------------------------------------------------
check "setAccountDetails {Account.accountPublish: true}" \
        gd setAccountDetails "$ID" "{'Account.accountPublish': 'true'}"
expect "only accountPublish changed" 5 lan "$ID" true true true
expect "accountDetailsChanged carries the map as passed" 5 \
        seen "accountDetailsChanged ('$ID', {'Account.accountPublish': 'true'})"
check "account set --lan-dht off --lan-nearby off" \
        pb A account set "$ID" --lan-dht off --lan-nearby off
expect "they changed, accountPublish kept" 5 lan "$ID" false false true
check "account set --lan-publish off --lan-dht on" pb A account set "$ID" --lan-publish off --lan-dht on
expect "back: true false false" 5 lan "$ID" true false false
expect "the node did not restart for it (still REGISTERED)" 5 \
        is "$ID" Account.registrationStatus REGISTERED
check_fails "setAccountDetails Account.peerDiscovery 'on' is InvalidArgument" \
        "InvalidArgument.*invalid Account.peerDiscovery 'on'" \
        gd setAccountDetails "$ID" "{'Account.alias': 'changed', 'Account.peerDiscovery': 'on'}"
expect "a refused map changes nothing (alias kept)" 5 is "$ID" Account.alias plain
expect "a refused map changes nothing (LAN kept)" 5 lan "$ID" true false false
check_fails "setAccountDetails on an unknown account" "NoSuchAccount" \
        gd setAccountDetails "$STRANGER" "{'Account.accountPublish': 'true'}"

# ---- getNearbyPeers and peerbook nearby, with nothing heard ---------------------------
check "getNearbyPeers, nothing heard" gd getNearbyPeers "$ID"
check_output "an empty map" "^(@a{ss} {},)$"
check "getNearbyPeers on an account that does not listen" gd getNearbyPeers "$ID_G"
check_output "an empty map" "^(@a{ss} {},)$"
check_fails "getNearbyPeers on an unknown account: NoSuchAccount" \
        "NoSuchAccount.*no such account '$STRANGER'" gd getNearbyPeers "$STRANGER"
check "peerbook nearby --account ID" pb A nearby --account "$ID"
[ ! -s "$T/out" ] && ok "prints nothing" || not_ok "prints nothing"
check "peerbook --json nearby --account ID" pb A --json nearby --account "$ID"
[ ! -s "$T/out" ] && ok "prints nothing" || not_ok "prints nothing"
check_fails "peerbook nearby without --account, three accounts" "which account?" pb A nearby
check_fails "peerbook nearby on an unknown account" "no such account '$STRANGER'" \
        pb A nearby --account "$STRANGER"
check_fails "watch --event nearby: accepted, nothing comes" "timed out after 1 s: saw 0 of 1" \
        pb A watch --account "$ID" --event nearby --count 1 --timeout 1
check_fails "watch --event bogus lists nearby" "contactRemoved or nearby" \
        pb A watch --account "$ID" --event bogus
check "introspection" gdbus introspect --session --dest net.peerbook.TestA \
        --object-path /cx/ring/Ring/ConfigurationManager
tr -s ' \n' ' ' <"$T/out" | sed 's/@[^ ]*("[^"]*") //g' >"$T/flat" && mv "$T/flat" "$T/out"
check_output "getNearbyPeers(s) -> a{ss}, as Jami" "getNearbyPeers(in s accountID, out a{ss} result)"
check "introspection of PresenceManager" gdbus introspect --session --dest net.peerbook.TestA \
        --object-path /cx/ring/Ring/PresenceManager
tr -s ' \n' ' ' <"$T/out" | sed 's/@[^ ]*("[^"]*") //g' >"$T/flat" && mv "$T/flat" "$T/out"
check_output "nearbyPeerNotification(s, s, i, s), as Jami" \
        "nearbyPeerNotification(s accountID, s buddyUri, i status, s displayname)"

# ---- a restart keeps them ---------------------------------------------------------------
stop_daemon A
start_daemon A
expect "after a restart: $ID true false false" 10 lan "$ID" true false false
expect "after a restart: $ID_G false false true" 5 lan "$ID_G" false false true
expect "after a restart: $ID_C false true true" 5 lan "$ID_C" false true true
stop_daemon A

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
