#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Interoperability between peerbook and Debian's Jami daemon (jami-daemon
# 2023, `/usr/libexec/jamid`): presence both ways, a trust request each way,
# accepting on each side. One private session bus (dbus-run-session with a
# config of our own: no service activation, so a dead jamid is never started
# again with the real HOME) carries peerbookd and jamid; every DHT node is on
# 127.0.0.1. jamid runs with its own HOME and XDG folders and the netlink shim
# (netlink_fix.c) preloaded. Every wait has a deadline; the traps kill what
# was started and remove the temporary folder. Exits 77 (skipped) when jamid,
# gdbus, dbus-run-session or jq is missing.
#
# usage: test-interop-jami.sh PEERBOOKD PEERBOOK NETLINK_FIX_SO DHT_DUMP
# env:   JAMID (default /usr/libexec/jamid), INTEROP_KEEP=1 keeps the logs,
#        INTEROP_NETNS=0 runs without a network namespace of its own
set -u

PEERBOOKD=$1 CLI=$2 SHIM=$3 DUMP=$4
. "$(dirname "$0")/lib.sh"

# ---- peerbookd, a bootstrap node, two peerbook accounts --------------------------------
start_peerbookd

start_bootstrap
check "peerbook account A bootstrapping to 127.0.0.1:$PORT" \
        pb account create --alias pb-a --bootstrap "127.0.0.1:$PORT"
PB_A=$(cat "$T/out")
check "peerbook account B bootstrapping to 127.0.0.1:$PORT" \
        pb account create --alias pb-b --bootstrap "127.0.0.1:$PORT"
PB_B=$(cat "$T/out")
for acc in "$BOOT" "$PB_A" "$PB_B"; do
        check "peerbook account $acc registers" pb wait-registered --account "$acc" --timeout 30
done

# ---- jamid with its own HOME and XDG folders --------------------------------------------
start_jamid

jami_add_account "Jami: addAccount (RING, bootstrap 127.0.0.1:$PORT)" \
        "{'Account.alias': 'jami', 'Account.archivePassword': '', $(jami_local_details "$PORT")}" || exit 1
echo "# peerbook A $PB_A, peerbook B $PB_B, Jami $JID (daemon's account $JA)"

# ---- what each side puts on its account hash (dht-dump: a third node listening) --------
# Jami 2023: one DeviceAnnouncement {dev: bin 20, pk: bin (DER)}, type 0,
# signed by the account; peerbook: the same plus its device state (0x7062).
check "dht-dump of Jami's account hash" timeout 30 "$DUMP" "127.0.0.1:$PORT" "$JID" 3
grep '^value' "$T/out" | sed 's/ data=.*//; s/^/#   /'
check_output "Jami: a type-0 announcement signed by its account, {dev: bin20, pk: bin}" \
        "^value id=[0-9a-f]* type=0 seq=[0-9]* signed=1 owner=$JID encrypted=0 len=[0-9]* keys=dev:bin20,pk:bin[0-9]* "
if [ "$(grep -c '^value' "$T/out")" -eq 1 ]; then ok "Jami puts nothing else on its account hash"
else not_ok "Jami puts nothing else on its account hash"; fi
check "dht-dump of peerbook A's account hash" timeout 30 "$DUMP" "127.0.0.1:$PORT" "$PB_A" 3
grep '^value' "$T/out" | sed 's/ data=.*//; s/^/#   /'
check_output "peerbook A: the same announcement as Jami's (type 0, {dev, pk})" \
        "^value id=[0-9a-f]* type=0 seq=[0-9]* signed=1 owner=$PB_A encrypted=0 len=[0-9]* keys=dev:bin20,pk:bin[0-9]* "
check_output "peerbook A: its device state (type 0x7062 = 28770, an array)" \
        "^value id=[0-9a-f]* type=28770 .* keys=(array) "

# ---- presence: Jami watches peerbook ------------------------------------------------------
check "Jami: subscribeBuddy(peerbook A)" jami PresenceManager subscribeBuddy "$JA" "$PB_A" true
# Jami 2023: newBuddyNotification(s account, s uri, b status, s lineStatus)
check_file "Jami: newBuddyNotification(A, true)" 30 "$T/jami.monitor" \
        "newBuddyNotification ('$JA', '$PB_A', true, "

# ---- presence: peerbook watches Jami ------------------------------------------------------
check "peerbook A: subscribe Jami" pb subscribe --account "$PB_A" "$JID"
check "peerbook A: watch --json shows Jami with status 1" \
        pb --json watch --account "$PB_A" --event buddy --buddy "$JID" --status 1 --count 1 --timeout 30
check_output "buddy event JSON" \
        "^{\"event\":\"buddy\",\"account\":\"$PB_A\",\"uri\":\"$JID\",\"status\":1,"
check "peerbook A: presence" pb presence --account "$PB_A"
check_output "presence lists Jami online" "^$JID online"
# Everything Jami put on its account hash was read as a valid announcement.
run pb --json account show "$PB_A" >"$T/out" 2>"$T/err"
if [ "$(json_field Account.droppedValues)" = 0 ]; then ok "peerbook A dropped no value of Jami's"
else not_ok "peerbook A dropped no value of Jami's (droppedValues $(json_field Account.droppedValues))"; fi

# ---- trust request: peerbook A -> Jami ----------------------------------------------------
# The watch prints the current registration once it listens for signals: from
# then on no contactAdded can be missed.
"$CLI" --bus-name net.peerbook.Interop --json watch --account "$PB_A" \
        --timeout 200 >"$T/a.watch" 2>"$T/a.watch.err" &
BACKGROUND+=($!)
wait_for 10 grep -q '"event":"registration"' "$T/a.watch" || not_ok "peerbook A's watch starts"
check "peerbook A: contact add Jami --message hello" pb contact add --account "$PB_A" "$JID" --message hello
# Jami looks up the signing device's certificate on the DHT (findCertificate)
# and maps it to peerbook's account through the certificate's issuer.
check_file "Jami: incomingTrustRequest(account, conversationId, from A, ay 'hello', t)" 30 \
        "$T/jami.monitor" \
        "incomingTrustRequest ('$JA', '[0-9a-f]*', '$PB_A', \\[byte 0x68, 0x65, 0x6c, 0x6c, 0x6f\\], uint64 [0-9]*)"
CONV_A=$(grep -a -o "incomingTrustRequest ('$JA', '[0-9a-f]*'" "$T/jami.monitor" | head -n 1 | sed "s/.*, '\\([0-9a-f]*\\)'/\\1/")
if [ -n "$CONV_A" ] && [ "$(contact_json "$PB_A" "$JID" | jq -r .conversationId)" = "$CONV_A" ]; then
        ok "Jami got the conversationId peerbook A saved with the contact"
else not_ok "Jami got the conversationId peerbook A saved with the contact ($CONV_A)"; fi
# peerbook re-sends to an unconfirmed contact whose device is in sight (first
# after ~5 s): Jami 2023 takes a re-send for the same pending request
# ("Ignoring outdated trust request") and tells its client nothing new.
if wait_for 20 grep -a -q "Ignoring outdated trust request from $PB_A" "$T/jamid.log"; then
        ok "Jami got peerbook A's re-send and ignored it as a duplicate"
else not_ok "Jami got peerbook A's re-send and ignored it as a duplicate"; fi
check "Jami: getTrustRequests" jami ConfigurationManager getTrustRequests "$JA"
check_output "Jami's pending request is from peerbook A" "'from': '$PB_A'"
check "Jami: acceptTrustRequest(A)" jami ConfigurationManager acceptTrustRequest "$JA" "$PB_A"
check_output "acceptTrustRequest returns true" "^(true,)\$"
check_file "Jami: contactAdded(A, true)" 10 "$T/jami.monitor" "contactAdded ('$JA', '$PB_A', true)"
# jamid's signals reach the monitor in order: every incomingTrustRequest sent
# before this contactAdded (the re-sends' included) is in the file by now.
if [ "$(grep -a -c "incomingTrustRequest ('$JA', '[0-9a-f]*', '$PB_A'" "$T/jami.monitor")" -eq 1 ]; then
        ok "one incomingTrustRequest from peerbook A in all"
else not_ok "one incomingTrustRequest from peerbook A in all"; fi
check_file "peerbook A: contactAdded Jami confirmed (Jami's confirmation arrived)" 30 "$T/a.watch" \
        "{\"event\":\"contactAdded\",\"account\":\"$PB_A\",\"uri\":\"$JID\",\"confirmed\":true}"
check "Jami: getContactDetails(A)" jami ConfigurationManager getContactDetails "$JA" "$PB_A"
check_output "Jami: A is confirmed" "'confirmed': 'true'"

# ---- trust request: Jami -> peerbook B ----------------------------------------------------
: >"$T/out"
check "Jami: sendTrustRequest(B, 'hi')" jami ConfigurationManager sendTrustRequest "$JA" "$PB_B" "$(bytes_of hi)"
check_file "Jami: contactAdded(B, false)" 10 "$T/jami.monitor" "contactAdded ('$JA', '$PB_B', false)"
check "peerbook B: watch --event trustRequest shows Jami's request" \
        pb --json watch --account "$PB_B" --event trustRequest --count 1 --timeout 30
check_output "trustRequest JSON: from Jami, conversationId, payload hi" \
        "^{\"event\":\"trustRequest\",\"account\":\"$PB_B\",\"from\":\"$JID\",\"conversationId\":\"[0-9a-f]*\",\"received\":[0-9]*,\"payload\":\"hi\"}\$"
CONV_B=$(sed -n 's/.*"conversationId":"\([0-9a-f]*\)".*/\1/p' "$T/out")
check "peerbook B: requests" pb requests --account "$PB_B"
check_output "requests lists Jami with the payload" "^$JID [0-9]* hi\$"
check "peerbook B: accept Jami" pb accept --account "$PB_B" "jami:$JID"
check_file "Jami: contactAdded(B, true) (peerbook's confirmation arrived)" 30 "$T/jami.monitor" \
        "contactAdded ('$JA', '$PB_B', true)"
check "Jami: getContactDetails(B)" jami ConfigurationManager getContactDetails "$JA" "$PB_B"
check_output "Jami: B is confirmed" "'confirmed': 'true'"
check_output "Jami: B's conversationId is the one peerbook received" "'conversationId': '$CONV_B'"
if pb_confirmed "$PB_B" "$JID"; then ok "peerbook B: Jami is a confirmed contact"
else not_ok "peerbook B: Jami is a confirmed contact"; fi

# ---- Jami sees peerbook B come and stay, peerbook sees Jami go ----------------------------
# Jami tracks active contacts' presence by itself; peerbook B is online.
check "Jami: subscribeBuddy(B)" jami PresenceManager subscribeBuddy "$JA" "$PB_B" true
check_file "Jami: newBuddyNotification(B, true)" 30 "$T/jami.monitor" \
        "newBuddyNotification ('$JA', '$PB_B', true, "
# jamid stopping: Jami publishes no goodbye, so peerbook keeps Jami online
# until its announcement expires (up to 10 minutes) -- as Jami itself does.
kill -TERM "${PID[jamid]}"
if wait_for 15 bash -c "! kill -0 ${PID[jamid]} 2>/dev/null"; then ok "jamid stops on SIGTERM"
else not_ok "jamid stops within 15 s of SIGTERM"; kill -KILL "${PID[jamid]}"; fi
unset "PID[jamid]"
check "peerbook A: presence after jamid stopped" pb presence --account "$PB_A"
check_output "Jami still online for peerbook A (no goodbye from Jami 2023)" "^$JID online"

# ---- peerbookd stops cleanly ---------------------------------------------------------------
kill -TERM "${PID[peerbookd]}"
if wait_for 10 bash -c "! kill -0 ${PID[peerbookd]} 2>/dev/null"; then
        wait "${PID[peerbookd]}"; rc=$?
        if [ "$rc" -eq 0 ]; then ok "peerbookd stops cleanly"; else not_ok "peerbookd stops cleanly (exit $rc)"; fi
else not_ok "peerbookd stops within 10 s"; fi
unset "PID[peerbookd]"

finish "trust, contacts, presence" "trust|contact|buddy|presence|error"
