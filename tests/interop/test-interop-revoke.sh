#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Revocation between peerbook and Debian's Jami daemon (jami-daemon 2023): a
# peerbook account on two devices (two peerbookd) revokes one; Jami, which
# looks up the account's list on its hash whenever it writes to the account
# (forEachDevice: get<RevocationList>, then pinRevocationList, which checks
# it against the account certificate), pins peerbook's list in its
# certificate store (<data>/jami/<account>/crls/<peerbook account>/).
# Set-up as test-interop-jami.sh (lib.sh); skipped (77) without jamid.
#
# Then the revoked device sends Jami a trust request anyway (send-request
# plays it with its keys, as a thief could): Jami, which had asked the
# account first, must not take it as the account's confirmation; the same
# request from the account's other device is taken.
#
# usage: test-interop-revoke.sh PEERBOOKD PEERBOOK NETLINK_FIX_SO SEND_REQUEST
set -u

PEERBOOKD=$1 CLI=$2 SHIM=$3 SENDER=$4
. "$(dirname "$0")/lib.sh"

printf 'pb-secret\n' >"$T/pw"
pb2() { "$CLI" --bus-name net.peerbook.Interop2 "$@"; }
jami_pinned() { find "$T/jami" -path "*/crls/$P/*" -type f | grep -q .; }
export -f pb2 jami_pinned
export T

start_peerbookd
start_bootstrap
start_jamid

check "peerbook: an account with a password" \
        pb account create --alias pb --password-file "$T/pw" --bootstrap "127.0.0.1:$PORT"
P=$(cat "$T/out")
export P
check "peerbook: export it" pb account export "$P" "$T/p.gz" --password-file "$T/pw"
"$PEERBOOKD" --bus-name net.peerbook.Interop2 --data-dir "$T/peerbook2" --key-bits 2048 \
        2>"$T/peerbookd2.log" &
PID[peerbookd2]=$!
wait_for 20 grep -q "acquired the name" "$T/peerbookd2.log" || not_ok "a second peerbookd starts"
check "peerbook: import it on a second daemon (a second device)" \
        pb2 account import "$T/p.gz" --password-file "$T/pw" --bootstrap "127.0.0.1:$PORT"
check "peerbook: the second device registers" pb2 wait-registered --timeout 30
LONG2=$(pb2 --json account show | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
listed() { pb device list --account "$P" | grep -q "^$1 "; }
export -f listed
if wait_for 30 listed "$LONG2"; then ok "peerbook: the first device lists the second"
else not_ok "peerbook: the first device lists the second"; fi

jami_add_account "Jami: addAccount (RING, bootstrap 127.0.0.1:$PORT)" \
        "{'Account.alias': 'jami', 'Account.archivePassword': '', $(jami_local_details "$PORT")}" ||
        exit 1
check "Jami: sendTrustRequest to the peerbook account" \
        jami ConfigurationManager sendTrustRequest "$JA" "$P" "$(bytes_of hi)"
jami_pinned && not_ok "Jami has no list for the account before" || ok "Jami has no list for the account before"
check "peerbook: revoke the second device" \
        pb device revoke "$LONG2" --account "$P" --password-file "$T/pw"
# Jami looks the list up when it writes to the account again.
for i in 1 2 3 4 5 6; do
        jami_pinned && break
        run jami ConfigurationManager sendTrustRequest "$JA" "$P" "$(bytes_of "again $i")" >/dev/null
        wait_for 10 jami_pinned
done
if jami_pinned; then ok "Jami pins peerbook's revocation list"
        find "$T/jami" -path "*/crls/$P/*" -type f | sed "s|^$T/|# |"
else not_ok "Jami pins peerbook's revocation list"; find "$T/jami" -path '*crls*' | sed 's/^/#   /'; fi

kill -TERM "${PID[peerbookd2]}" 2>/dev/null
confirmed_on_jami() { grep -q "contactAdded ('$JA', '$P', true)" "$T/jami.monitor"; }
export -f confirmed_on_jami
confirmed_on_jami && not_ok "Jami: the account is not confirmed yet" ||
        ok "Jami: the account is not confirmed yet"
check "the revoked device sends Jami a request anyway" \
        "$SENDER" "127.0.0.1:$PORT" "$T/peerbook2/$P" "$JID" "from the revoked device"
if wait_for 15 confirmed_on_jami; then not_ok "Jami drops the revoked device's request"
else ok "Jami drops the revoked device's request (no confirmation within 15 s)"; fi
check "the account's first device sends the same request" \
        "$SENDER" "127.0.0.1:$PORT" "$T/peerbook/$P" "$JID" "from the first device"
if wait_for 30 confirmed_on_jami; then ok "Jami takes it: contactAdded (JA, account, true)"
else not_ok "Jami takes it: contactAdded (JA, account, true)"; fi
finish "revocation" "crl|revoc|certificate"
