#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Account state and this device's name through peerbookd (issue 9, items 1
# and 6): Account.enable (setAccountDetails, sendRegister), setAccountActive,
# accountDetailsChanged, volatileAccountDetailsChanged, Account.deviceName,
# getKnownRingDevices and knownDevicesChanged. Two real daemons on a private
# session bus (B watches A's presence, to see its goodbye), A's signals read
# by `gdbus monitor`; restarts in between.
#
# usage: test-account-state.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

gd() { dbus_call A ConfigurationManager "$@"; }
export -f gd
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/out"; }
# field KEY: KEY of `account show --json` (details and volatile details)
field() { pb A --json account show >"$T/out" 2>"$T/err" && json_field "$1"; }
# is KEY VALUE: polls until account show has KEY = VALUE
is() { [ "$(field "$1")" = "$2" ]; }
export -f is field json_field
export T
# signal PATTERN: the monitor saw a line matching PATTERN
seen() { grep -q -- "$1" "$T/mon"; }
export -f seen
monitor() {
        gdbus monitor --session --dest net.peerbook.TestA >"$T/mon" 2>&1 &
        BACKGROUND+=($!)
        wait_for 5 seen "Monitoring signals" || not_ok "gdbus monitor starts"
}

STRANGER=3333333333333333333333333333333333333333
HOST=$(hostname)

# B watches A's presence, to see A's goodbye; A bootstraps from B.
start_daemon B
check "create B (standalone)" pb B account create --alias bob
check "B registers" pb B wait-registered --timeout 30
PORT_B=$(pb B --json account show | sed -n 's/.*"Account.dhtPort":"\([0-9]*\)".*/\1/p')
start_daemon A
monitor
check "create an account" pb A account create --alias alice --bootstrap "127.0.0.1:$PORT_B"
ID=$(cat "$T/out")
check "it registers" pb A wait-registered --timeout 30
check "B subscribes to A" pb B subscribe "$ID"
check "B sees A online" pb B watch --buddy "$ID" --status 1 --count 1 --timeout 30
check "a contact to keep" pb A contact add "$STRANGER"

# ---- the device's name ---------------------------------------------------------
expect "Account.deviceName is the host name ($HOST)" 5 is Account.deviceName "$HOST"
expect "Account.enable is true" 5 is Account.enable true
expect "Account.active is true" 5 is Account.active true
LONG=$(field Account.peerbookDeviceLongId)
[[ "$LONG" =~ ^[0-9a-f]{64}$ ]] && ok "this device's long ID is 64 hex" \
        || not_ok "this device's long ID is 64 hex: '$LONG'"
SPKI=$(openssl x509 -in "$T/A/$ID/device.crt" -pubkey -noout 2>/dev/null |
       openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -c1-64)
[ "$LONG" = "$SPKI" ] && ok "it is the SHA-256 of the device key's DER SubjectPublicKeyInfo" \
        || not_ok "it is the SHA-256 of the device key's DER SubjectPublicKeyInfo ($SPKI)"
check "getKnownRingDevices" gd getKnownRingDevices "$ID"
check_output "lists this device by its long ID and name" "({'$LONG': '$HOST'},)"
check "device list" pb A device list
check_output "device list shows this device" "^$LONG $HOST (this device)\$"
check "device rename" pb A device rename "Laptop ü 1"
expect "accountDetailsChanged carries the map as passed" 5 \
        seen "accountDetailsChanged ('$ID', {'Account.deviceName': 'Laptop ü 1'})"
expect "knownDevicesChanged follows with the new name" 5 \
        seen "knownDevicesChanged ('$ID', {'$LONG': 'Laptop ü 1'})"
check "getKnownRingDevices after the rename" gd getKnownRingDevices "$ID"
check_output "has the new name" "({'$LONG': 'Laptop ü 1'},)"
check "device list --json" pb A --json device list
check_output "device list --json" \
        "^{\"deviceId\":\"$LONG\",\"name\":\"Laptop ü 1\",\"thisDevice\":true}\$"
expect "the rename needs no restart (still REGISTERED)" 5 is Account.registrationStatus REGISTERED
check_fails "a name of 65 bytes is InvalidArgument" \
        "invalid Account.deviceName: longer than 64 bytes" \
        pb A device rename "$(printf 'x%.0s' {1..65})"
check_fails "an empty name is InvalidArgument" "invalid Account.deviceName: empty" \
        pb A device rename ""
check_fails "a name with a newline is InvalidArgument" \
        "InvalidArgument.*invalid Account.deviceName: control characters" \
        gd setAccountDetails "$ID" "{'Account.deviceName': 'a\nb'}"
check "a name of 64 bytes (2-byte characters) is fine" pb A device rename "$(printf 'é%.0s' {1..32})"

# ---- disable: no node, no channels, data kept -----------------------------------
check "account disable" pb A account disable
expect "registrationStateChanged UNREGISTERED" 5 \
        seen "registrationStateChanged ('$ID', 'UNREGISTERED'"
expect "volatileAccountDetailsChanged says UNREGISTERED" 5 \
        seen "volatileAccountDetailsChanged ('$ID', {.*'Account.registrationStatus': 'UNREGISTERED'"
expect "Account.enable is false" 5 is Account.enable false
expect "dhtBoundPort is 0 (no node)" 5 is Account.dhtBoundPort 0
expect "no channel listener" 5 is Account.peerbookChannelBoundPort 0
check "A said goodbye: B sees it offline" pb B watch --buddy "$ID" --status 0 --count 1 --timeout 15
check "contacts still listed" pb A --json contacts
check_output "the contact is there" "$STRANGER"
check "device list still works" pb A device list
stop_daemon A
start_daemon A
monitor
expect "after a restart: still UNREGISTERED" 10 is Account.registrationStatus UNREGISTERED
expect "after a restart: Account.enable false" 5 is Account.enable false
expect "after a restart: no node" 5 is Account.dhtBoundPort 0
expect "the name survived the restart" 5 is Account.deviceName "$(printf 'é%.0s' {1..32})"
check "account enable" pb A account enable
check "it registers again" pb A wait-registered --timeout 30
check "B sees A online again" pb B watch --buddy "$ID" --status 1 --count 1 --timeout 30
expect "volatileAccountDetailsChanged on the way (TRYING, REGISTERED)" 5 \
        seen "volatileAccountDetailsChanged ('$ID', {.*'Account.registrationStatus': 'REGISTERED'"
expect "a node again" 5 bash -c '[ "$(field Account.dhtBoundPort)" -gt 0 ]'

# ---- sendRegister, setAccountDetails, setAccountActive ---------------------------
check "sendRegister false" gd sendRegister "$ID" false
expect "UNREGISTERED" 5 is Account.registrationStatus UNREGISTERED
expect "Account.enable false (saved)" 5 is Account.enable false
check "sendRegister true" gd sendRegister "$ID" true
check "REGISTERED" pb A wait-registered --timeout 30
check "setAccountDetails Account.enable false" gd setAccountDetails "$ID" "{'Account.enable': 'false'}"
expect "accountDetailsChanged carries {Account.enable: false}" 5 \
        seen "accountDetailsChanged ('$ID', {'Account.enable': 'false'})"
expect "UNREGISTERED" 5 is Account.registrationStatus UNREGISTERED
check_fails "Account.enable 'maybe' is InvalidArgument" "InvalidArgument.*Account.enable 'maybe'" \
        gd setAccountDetails "$ID" "{'Account.enable': 'maybe'}"
check "setAccountDetails Account.enable true" gd setAccountDetails "$ID" "{'Account.enable': 'true'}"
check "REGISTERED" pb A wait-registered --timeout 30
check "setAccountActive false" gd setAccountActive "$ID" false
expect "Account.active false" 5 is Account.active false
expect "UNREGISTERED while inactive" 5 is Account.registrationStatus UNREGISTERED
expect "Account.enable stays true" 5 is Account.enable true
expect "volatileAccountDetailsChanged with Account.active false" 5 \
        seen "volatileAccountDetailsChanged ('$ID', {.*'Account.active': 'false'"
check "setAccountActive true" gd setAccountActive "$ID" true
check "REGISTERED" pb A wait-registered --timeout 30
check "introspection" gdbus introspect --session --dest net.peerbook.TestA \
        --object-path /cx/ring/Ring/ConfigurationManager
# one line, without the Qt type annotations
tr -s ' \n' ' ' <"$T/out" | sed 's/@[^ ]*("[^"]*") //g' >"$T/flat" && mv "$T/flat" "$T/out"
check_output "sendRegister(s, b)" "sendRegister(in s accountID, in b enable)"
check_output "setAccountActive(s, b)" "setAccountActive(in s accountID, in b enable)"
check_output "getKnownRingDevices(s) -> a{ss}" \
        "getKnownRingDevices(in s accountID, out a{ss} devices)"
check_output "accountDetailsChanged(s, a{ss})" "accountDetailsChanged(s accountID, a{ss} details)"
check_output "volatileAccountDetailsChanged(s, a{ss})" \
        "volatileAccountDetailsChanged(s accountID, a{ss} details)"
check_output "knownDevicesChanged(s, a{ss})" "knownDevicesChanged(s accountID, a{ss} devices)"
stop_daemon A
stop_daemon B

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
