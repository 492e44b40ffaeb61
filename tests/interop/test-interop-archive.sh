#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Account archives between peerbook and Debian's Jami daemon (jami-daemon
# 2023), both ways, with and without a password: a Jami account exported by
# jamid imports into peerbook with the same account ID, its contacts and its
# chain [device, account, Jami CA]; a peerbook account exported by peerbook
# is taken by Jami's addAccount (Account.archivePath) with the same
# Account.username, its display name and its contacts; the Jami-made account
# holds a direct channel with a peerbook one (TLS, chains of three and two)
# and sends a trust request that Jami takes as from that account.
# Set-up as test-interop-jami.sh (lib.sh); skipped (77) without jamid.
#
# usage: test-interop-archive.sh PEERBOOKD PEERBOOK NETLINK_FIX_SO
set -u

PEERBOOKD=$1 CLI=$2 SHIM=$3
. "$(dirname "$0")/lib.sh"

X1=0123456789abcdef0123456789abcdef01234567   # contacts: no one runs them
X2=89abcdef0123456789abcdef0123456789abcdef
printf 'jami-secret\n' >"$T/jpass"
printf 'pb-secret\n' >"$T/ppass"
printf 'nope\n' >"$T/wrong"
chains_in() { grep -c 'BEGIN CERTIFICATE' "$T/peerbook/$1/device.crt"; }
jami_username() { jami ConfigurationManager getAccountDetails "$1" |
        sed -n "s/.*'Account.username': '\\(ring:\\)\\{0,1\\}\\([0-9a-f]\\{40\\}\\)'.*/\\2/p"; }
jami_has_contact() { jami ConfigurationManager getContacts "$1" | grep -q "'id': '$2'"; }
jami_gone() { ! jami ConfigurationManager getAccountList | grep -q "'$1'"; }
same_id() { # the account Jami made from peerbook's archive is peerbook's account $P
        if [ "$JID" = "$P" ]; then ok "Jami: Account.username is peerbook's account ID"
        else not_ok "Jami: Account.username is peerbook's account ID ($JID, not $P)"; fi
}
export -f jami_has_contact jami_gone

start_peerbookd
start_bootstrap
start_jamid

# ---- Jami → peerbook ----------------------------------------------------------------------
jami_add_account "Jami: addAccount (RING, bootstrap 127.0.0.1:$PORT)" \
        "{'Account.alias': 'jami', 'Account.displayName': 'Jami Alice', 'Account.archivePassword': '',
          $(jami_local_details "$PORT")}" || exit 1
J1=$JA JID1=$JID
check "Jami: addContact($X1)" jami ConfigurationManager addContact "$J1" "$X1"
check "Jami: exportToFile without a password" jami ConfigurationManager exportToFile "$J1" "$T/j.gz" ""
check_output "Jami: exportToFile says true" "(true,)"
if [ "$(head -c 3 "$T/j.gz" | od -An -tx1 | tr -d ' ')" = 1f8b08 ]; then ok "Jami's file is gzip"
else not_ok "Jami's file is gzip"; fi

check "peerbook: import Jami's archive (no password)" pb account import "$T/j.gz" --bootstrap "127.0.0.1:$PORT"
check_output "peerbook: the imported account's ID is Jami's ($JID1)" "^$JID1\$"
check "peerbook: the imported account's contacts" pb --json contacts --account "$JID1"
check_output "peerbook: Jami's contact $X1 came with the archive" "\"uri\":\"$X1\""
check "peerbook: the account's details" pb --json account show "$JID1"
check_output "peerbook: Account.displayName became the alias" '"Account.alias":"Jami Alice"'
if [ "$(chains_in "$JID1")" = 3 ]; then ok "peerbook: device chain [device, account, Jami CA]"
else not_ok "peerbook: device chain [device, account, Jami CA] ($(chains_in "$JID1") certificates)"; fi
[ -s "$T/peerbook/$JID1/archive-extra.json" ] &&
        jq -e 'has("ringCaKey") and has("ethKey") and (keys | map(select(startswith("TLS."))) | length == 0)' \
                "$T/peerbook/$JID1/archive-extra.json" >/dev/null &&
        ok "peerbook: keeps ringCaKey and ethKey, not TLS.*" || not_ok "peerbook: keeps ringCaKey and ethKey, not TLS.*"
check "peerbook: the imported account registers" pb wait-registered --account "$JID1" --timeout 30
check "peerbook: remove it (for the next import)" pb account remove "$JID1"

check "Jami: changeAccountPassword('', secret)" jami ConfigurationManager changeAccountPassword "$J1" "" "jami-secret"
check_output "Jami: changeAccountPassword says true" "(true,)"
check "Jami: exportToFile with the password" jami ConfigurationManager exportToFile "$J1" "$T/jpw.gz" "jami-secret"
check_output "Jami: exportToFile says true" "(true,)"
if ! pb account import "$T/jpw.gz" --password-file "$T/wrong" >"$T/out" 2>&1 &&
   grep -q "wrong password" "$T/out"; then ok "peerbook: a wrong password is refused as such"
else not_ok "peerbook: a wrong password is refused as such"; fi
t0=$(date +%s%N)
check "peerbook: import Jami's encrypted archive" pb account import "$T/jpw.gz" --password-file "$T/jpass" \
        --bootstrap "127.0.0.1:$PORT"
echo "# peerbook imported Jami's encrypted archive in $((($(date +%s%N) - t0) / 1000000)) ms (argon2 64 MiB, a 2048-bit device key, D-Bus)"
check_output "peerbook: same account ID ($JID1)" "^$JID1\$"
check "peerbook: contacts of the encrypted import" pb --json contacts --account "$JID1"
check_output "peerbook: $X1 is there" "\"uri\":\"$X1\""
# A direct channel (TLS, each side checking the other's chain) between the
# Jami-made account, chain of three, and a peerbook one, chain of two.
check "peerbook: an account Q" pb account create --alias q --bootstrap "127.0.0.1:$PORT"
Q=$(cat "$T/out")
check "peerbook: Jami's account registers" pb wait-registered --account "$JID1" --timeout 30
check "peerbook: Q registers" pb wait-registered --account "$Q" --timeout 30
check "Q: contact add Jami's account" pb contact add --account "$Q" "$JID1" --message hi
check "Jami's account: Q's request" pb watch --account "$JID1" --event trustRequest --count 1 --timeout 45
check "Jami's account: accept Q" pb accept --account "$JID1" "$Q"
check "Q sees Jami's account connected (2): TLS with the chain [device, account, Jami CA]" \
        pb watch --account "$Q" --buddy "$JID1" --status 2 --count 1 --timeout 30
check "Jami's account sees Q connected (2)" \
        pb watch --account "$JID1" --buddy "$Q" --status 2 --count 1 --timeout 30
# A request from the peerbook device of Jami's account to another Jami
# account: Jami finds that device's certificate on the DHT (the chain
# [device, account, Jami CA] that OpenDHT publishes) and takes it as from JID1.
jami_add_account "Jami: a second account J2" \
        "{'Account.alias': 'j2', 'Account.archivePassword': '', $(jami_local_details "$PORT")}" || exit 1
J2=$JA JID2=$JID
check "peerbook (Jami's account): contact add J2" pb contact add --account "$JID1" "$JID2" --message hello
check_file "J2: incomingTrustRequest from Jami's account, sent by its peerbook device" 45 "$T/jami.monitor" \
        "incomingTrustRequest ('$J2', '[0-9a-f]*', '$JID1'"

# ---- peerbook → Jami ------------------------------------------------------------------
check "peerbook: a new account to export" pb account create --alias "pb Bob" --bootstrap "127.0.0.1:$PORT"
P=$(cat "$T/out")
check "peerbook: add contact $X2" pb contact add --account "$P" "$X2"
check "peerbook: export without a password" pb account export "$P" "$T/p.gz"
jami_add_account "Jami: addAccount with peerbook's archive (no password)" \
        "{'Account.archivePath': '$T/p.gz', 'Account.archivePassword': '', $(jami_local_details "$PORT")}"
same_id
grep -q "'Account.displayName': 'pb Bob'" "$T/out" && ok "Jami: displayName from the archive" ||
        not_ok "Jami: displayName from the archive"
if wait_for 10 jami_has_contact "$JA" "$X2"; then ok "Jami: peerbook's contact $X2 came with the archive"
else not_ok "Jami: peerbook's contact $X2 came with the archive"; fi
check "Jami: remove that account (for the next import)" jami ConfigurationManager removeAccount "$JA"
wait_for 10 jami_gone "$JA"

check "peerbook: set a password" pb account password "$P" --new-password-file "$T/ppass"
check "peerbook: export with the password" pb account export "$P" "$T/ppw.gz" --password-file "$T/ppass"
jami_add_account "Jami: addAccount with peerbook's encrypted archive" \
        "{'Account.archivePath': '$T/ppw.gz', 'Account.archivePassword': 'pb-secret', $(jami_local_details "$PORT")}"
same_id
grep -q "'Account.archiveHasPassword': 'true'" "$T/out" && ok "Jami: archiveHasPassword true" ||
        not_ok "Jami: archiveHasPassword true"
# And back: Jami's re-export of peerbook's account imports into peerbook.
check "Jami: export peerbook's account again" jami ConfigurationManager exportToFile "$JA" "$T/back.gz" "pb-secret"
check "peerbook: remove the account" pb account remove "$P"
check "peerbook: import Jami's export of it" pb account import "$T/back.gz" --password-file "$T/ppass"
check_output "peerbook: same account ID ($P)" "^$P\$"
if [ "$(chains_in "$P")" = 2 ]; then ok "peerbook: device chain [device, account] (a peerbook account)"
else not_ok "peerbook: device chain [device, account] ($(chains_in "$P") certificates)"; fi

finish "archive, account" "archive|account.*(error|fail)|error"
