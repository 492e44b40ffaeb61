#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Revoking a lost device (issue 9, item 3), as a user does it with the CLI:
# one account on three daemons (A, then B and D imported from A's export), a wrong
# password that revokes nothing, this device refused, then B revoked from A:
# A drops it from its list and keeps the list across a restart, D drops it
# on seeing the list on the account hash, B learns it there and stops with a
# registration error, also after a restart; A's export carries the list (ringAccountCRL). A
# third account (C, subscribed to the account) pins the list and no longer
# counts B's presence: with A stopped (goodbye) the account is offline for C
# although B, stopped without one, still has its announcement on the DHT.
#
# usage: test-revoke.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

listed() { pb "$2" device list >"$T/list.$2" 2>&1 && grep -q -- "$1" "$T/list.$2"; }
not_listed() { pb "$2" device list >"$T/list.$2" 2>&1 && ! grep -q -- "$1" "$T/list.$2"; }
revoked_here() {
        pb "$1" --json account show >"$T/show.$1" 2>&1 &&
                grep -q '"Account.registrationStatus":"ERROR_GENERIC"' "$T/show.$1" &&
                grep -q 'this device was revoked' "$T/show.$1"
}
export -f listed not_listed revoked_here
export T

printf 'correct horse\n' >"$T/pw"
printf 'wrong horse\n' >"$T/bad"

start_daemon A
check "create a password-protected account on A" \
        pb A account create --alias alice --password-file "$T/pw"
ID=$(cat "$T/out")
check "A registers" pb A wait-registered --timeout 30
PORT_A=$(pb A --json account show | sed -n 's/.*"Account.dhtPort":"\([0-9]*\)".*/\1/p')
check "export it" pb A account export "$ID" "$T/alice.gz" --password-file "$T/pw"

start_daemon B
check "import it on B: a second device" \
        pb B account import "$T/alice.gz" --password-file "$T/pw" --bootstrap "127.0.0.1:$PORT_A"
check "B registers" pb B wait-registered --timeout 30
LONG_A=$(pb A --json account show | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
LONG_B=$(pb B --json account show | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
expect "A lists B's device" 15 listed "^$LONG_B " A
start_daemon D
check "import it on D: a third device" \
        pb D account import "$T/alice.gz" --password-file "$T/pw" --bootstrap "127.0.0.1:$PORT_A"
check "D registers" pb D wait-registered --timeout 30
expect "D lists B's device" 15 listed "^$LONG_B " D

start_daemon C
check "C: another account" pb C account create --alias carol --bootstrap "127.0.0.1:$PORT_A"
C_ID=$(cat "$T/out")
check "C registers" pb C wait-registered --timeout 30
check "C subscribes to the account" pb C subscribe "$ID"
online_for_c() { pb C presence | grep -q "^$1 online"; }
offline_for_c() { pb C presence | grep -q "^$1 offline"; }
export -f online_for_c offline_for_c
expect "C sees the account online" 20 online_for_c "$ID"

gdbus monitor --session --dest net.peerbook.TestA >"$T/mon" 2>&1 &
BACKGROUND+=($!)
wait_for 5 grep -q "Monitoring signals" "$T/mon" || not_ok "gdbus monitor starts"

check_fails "a wrong password is a clear error" "wrong password" \
        pb A device revoke "$LONG_B" --password-file "$T/bad"
expect "deviceRevocationEnded says 1 (wrong password)" 5 \
        grep -q "deviceRevocationEnded ('$ID', '$LONG_B', 1)" "$T/mon"
[ ! -e "$T/A/$ID/account.crl" ] && ok "and revokes nothing: no list" || not_ok "and revokes nothing: no list"
listed "^$LONG_B " A && ok "B is still listed" || not_ok "B is still listed"
check_fails "this device cannot be revoked" "this device" \
        pb A device revoke "$LONG_A" --password-file "$T/pw"
check_fails "an unknown device is a clear error" "unknown device" \
        pb A device revoke "$(printf '%064d' 7)" --password-file "$T/pw"

check "revoke B from A with the account password" \
        pb A device revoke "$LONG_B" --password-file "$T/pw"
expect "deviceRevocationEnded says 0" 5 grep -q "deviceRevocationEnded ('$ID', '$LONG_B', 0)" "$T/mon"
not_listed "^$LONG_B " A && ok "A no longer lists B" || not_ok "A no longer lists B"
[ -s "$T/A/$ID/account.crl" ] && ok "A keeps the list in the account folder" ||
        not_ok "A keeps the list in the account folder"
expect "B learns it: registration error 'this device was revoked'" 30 revoked_here B
expect "D, the account's third device, drops B from its list" 30 not_listed "^$LONG_B " D
stop_daemon D

expect "C pins the account's list" 30 test -s "$T/C/$C_ID/crls/$ID.crl"
expect "and remembers B's device as revoked" 30 test -s "$T/C/$C_ID/crls/revoked.bin"
check "A's export carries the list" pb A account export "$ID" "$T/again.gz" --password-file "$T/pw"
stop_daemon A
start_daemon A
expect "after a restart A still does not list B" 10 not_listed "^$LONG_B " A
stop_daemon B
start_daemon B
expect "after a restart B is still revoked" 10 revoked_here B
stop_daemon C
start_daemon C
expect "after a restart C sees the account online (A)" 30 online_for_c "$ID"
stop_daemon A
expect "A gone, C sees the account offline: B's announcement no longer counts" 30 \
        offline_for_c "$ID"
stop_daemon B
stop_daemon C

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
