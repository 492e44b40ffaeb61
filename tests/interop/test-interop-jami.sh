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
JAMID=${JAMID:-/usr/libexec/jamid}

if [ -z "${INTEROP_T:-}" ]; then
        [ -x "$JAMID" ] || { echo "1..0 # SKIP jamid not installed (apt-get install jami-daemon)"; exit 77; }
        for tool in dbus-run-session gdbus jq; do
                command -v "$tool" >/dev/null || { echo "1..0 # SKIP no $tool"; exit 77; }
        done
        T=$(mktemp -d "${TMPDIR:-/tmp}/peerbook-interop.XXXXXX")
        cat >"$T/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
        # Interrupted: stop the script inside (its traps clean up), which
        # ends dbus-run-session and its bus; then remove the folder.
        trap 'pkill -TERM -P "$drs" 2>/dev/null; wait "$drs"; rm -rf "$T"; exit 1' INT TERM
        # Where we may (root, iproute2), a network namespace with only the
        # loopback interface: jamid's ICE gathers host candidates on every
        # interface, and here it has none but lo to find.
        NETNS=()
        if [ "${INTEROP_NETNS:-1}" = 1 ] && command -v ip >/dev/null &&
           unshare --net -- ip link set lo up 2>/dev/null; then
                NETNS=(unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh)
        fi
        INTEROP_T=$T "${NETNS[@]}" dbus-run-session --config-file="$T/bus.conf" -- "$0" "$@" \
                2> >(grep -v 'fd limit' >&2) &
        drs=$!
        wait "$drs"
        rc=$?
        if [ "${INTEROP_KEEP:-}" = 1 ]; then echo "# logs kept in $T"; else rm -rf "$T"; fi
        exit $rc
fi

T=$INTEROP_T
declare -A PID=()
BACKGROUND=()
passed=0 failed=0 n=0
START=$SECONDS

cleanup() {
        for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null; done
        for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null; done
        local deadline=$((SECONDS + 5))
        for name in "${!PID[@]}"; do
                while kill -0 "${PID[$name]}" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
                kill -KILL "${PID[$name]}" 2>/dev/null
        done
        wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok()     { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
        [ -s "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -n 5
        [ -s "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -n 5
        return 0
}
run() { timeout 60 bash -c '"$@"' bash "$@"; }
check() { local d=$1; shift; if run "$@" >"$T/out" 2>"$T/err"; then ok "$d"; else not_ok "$d"; fi; }
check_output() { if grep -q -- "$2" "$T/out"; then ok "$1"; else not_ok "$1"; fi; }
wait_for() {
        local deadline=$((SECONDS + $1)); shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -ge "$deadline" ] && return 1
                sleep 0.1
        done
}
# check_file DESC SECONDS FILE PATTERN: FILE comes to match PATTERN in time
check_file() {
        if wait_for "$2" grep -a -q -- "$4" "$3"; then ok "$1"
        else not_ok "$1"; grep -a -v '^$' "$3" | tail -n 5 | sed 's/^/#   /'; fi
}

export CLI
pb() { "$CLI" --bus-name net.peerbook.Interop "$@"; }
# jami INTERFACE METHOD ARGS...: a call to jamid (cx.ring.Ring)
jami() { local itf=$1 method=$2; shift 2
         gdbus call --session --dest cx.ring.Ring --object-path "/cx/ring/Ring/$itf" \
                 --method "cx.ring.Ring.$itf.$method" "$@"; }
has_name() { gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
                 --method org.freedesktop.DBus.NameHasOwner "$1" | grep -q true; }
jami_registered() {
        jami ConfigurationManager getVolatileAccountDetails "$1" | grep -q "'Account.registrationStatus': 'REGISTERED'" &&
        jami ConfigurationManager getVolatileAccountDetails "$1" | grep -q "'Account.deviceAnnounced': 'true'"
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/out"; }
# contact_json WHO_ACCOUNT URI: the contact's record in `contacts --json` (a line each), or null
contact_json() { pb --json contacts --account "$1" | jq -sc --arg u "$2" '[.[] | select(.uri == $u)][0]'; }
pb_confirmed() { [ "$(contact_json "$1" "$2" | jq -r .confirmed)" = true ]; }
export -f pb jami has_name jami_registered contact_json pb_confirmed

bytes_of() { # "hello" -> "[byte 0x68, 0x65, ...]" as gdbus prints and parses it
        local s=$1 out="" i
        for ((i = 0; i < ${#s}; i++)); do out+="${out:+, }0x$(printf %02x "'${s:i:1}")"; done
        echo "[byte $out]"
}

# ---- peerbookd, a bootstrap node, two peerbook accounts --------------------------------
"$PEERBOOKD" --bus-name net.peerbook.Interop --data-dir "$T/peerbook" --key-bits 2048 \
        2>"$T/peerbookd.log" &
PID[peerbookd]=$!
if wait_for 20 grep -q "acquired the name" "$T/peerbookd.log"; then ok "peerbookd owns net.peerbook.Interop"
else not_ok "peerbookd owns net.peerbook.Interop"; sed 's/^/#   /' "$T/peerbookd.log"; exit 1; fi

# The bootstrap is a standalone peerbook account (an OpenDHT node like any
# other; `dhtnode -s -p PORT` would do as well).
check "bootstrap: a standalone peerbook account" pb account create --alias boot
BOOT=$(cat "$T/out")
run pb --json account show "$BOOT" >"$T/out" 2>"$T/err"
PORT=$(json_field Account.dhtPort)
[ -n "$PORT" ] || { not_ok "bootstrap has a DHT port"; exit 1; }
echo "# bootstrap node: 127.0.0.1:$PORT"
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
mkdir -p "$T/jami/home" "$T/jami/config" "$T/jami/data" "$T/jami/cache" "$T/jami/runtime"
chmod 700 "$T/jami/runtime"
env HOME="$T/jami/home" XDG_CONFIG_HOME="$T/jami/config" XDG_DATA_HOME="$T/jami/data" \
    XDG_CACHE_HOME="$T/jami/cache" XDG_RUNTIME_DIR="$T/jami/runtime" LD_PRELOAD="$SHIM" NETLINK_FIX_LOG=1 \
    "$JAMID" -c -d -p >"$T/jamid.log" 2>&1 &
PID[jamid]=$!
if wait_for 30 has_name cx.ring.Ring; then ok "jamid owns cx.ring.Ring"
else not_ok "jamid owns cx.ring.Ring"; tail -n 20 "$T/jamid.log" | sed 's/^/#   /'; exit 1; fi
if grep -q netlink_fix "/proc/${PID[jamid]}/maps" 2>/dev/null; then ok "jamid runs with the netlink shim"
else not_ok "jamid runs with the netlink shim"; fi
echo "# $(head -c 200 "$T/jamid.log" | grep -a -o 'Jami Daemon [0-9.]*' | head -n 1); interfaces: $(ip -o link 2>/dev/null | awk -F': ' '{printf "%s ", $2}')"

gdbus monitor --session --dest cx.ring.Ring >"$T/jami.monitor" 2>&1 &
BACKGROUND+=($!)
wait_for 10 grep -q "Monitoring signals" "$T/jami.monitor"

# RingNS.uri: a closed loopback port, so no name server outside is asked.
check "Jami: addAccount (RING, bootstrap 127.0.0.1:$PORT)" jami ConfigurationManager addAccount \
        "{'Account.type': 'RING', 'Account.alias': 'jami', 'Account.archivePassword': '',
          'Account.hostname': '127.0.0.1:$PORT', 'Account.upnpEnabled': 'false',
          'TURN.enable': 'false', 'STUN.enable': 'false', 'Account.peerDiscovery': 'false',
          'Account.accountDiscovery': 'false', 'Account.accountPublish': 'false',
          'RingNS.uri': 'http://127.0.0.1:9'}"
JA=$(sed -n "s/^('\\([0-9a-f]*\\)',)\$/\\1/p" "$T/out")
[ -n "$JA" ] || { not_ok "addAccount returned an account"; exit 1; }
if wait_for 60 jami_registered "$JA"; then ok "Jami account $JA registered, device announced"
else not_ok "Jami account registers"; tail -n 20 "$T/jamid.log" | sed 's/^/#   /'; exit 1; fi
check "Jami: getAccountDetails" jami ConfigurationManager getAccountDetails "$JA"
JID=$(sed -n "s/.*'Account.username': '\\(ring:\\)\\{0,1\\}\\([0-9a-f]\\{40\\}\\)'.*/\\2/p" "$T/out")
[ -n "$JID" ] || { not_ok "Jami's Account.username is a 40-hex id"; exit 1; }
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

if [ "$failed" -gt 0 ]; then
        echo "# jamid log (trust, contacts, presence):"
        grep -a -iE "trust|contact|buddy|presence|error" "$T/jamid.log" | tail -n 30 | sed 's/^/#   /'
fi
echo "# took $((SECONDS - START)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
