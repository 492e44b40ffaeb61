#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Trust requests and contacts through peerbookd: three daemons (alice, bob,
# carol) on a private session bus (dbus-run-session) with real OpenDHT nodes
# on 127.0.0.1, driven by the peerbook CLI, gdbus calls and gdbus monitor;
# then a fourth, standalone daemon is killed (SIGKILL) in the middle of a
# burst of contact changes. No mocks. Every wait has a deadline.
#
# usage: test-daemon-trust.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "1..0 # SKIP no jq"; exit 77; }

gd() { local who=$1 method=$2; shift 2
       gdbus call --session --dest "net.peerbook.Test$who" \
               --object-path /cx/ring/Ring/ConfigurationManager \
               --method "cx.ring.Ring.ConfigurationManager.$method" "$@"; }
export -f gd

# check_file DESC SECONDS FILE PATTERN: FILE comes to match PATTERN in time
check_file() {
        if wait_for "$2" grep -q -- "$4" "$3"; then ok "$1"
        else not_ok "$1"; sed 's/^/#   /' "$3" | tail -n 5; fi
}

# monitor WHO: gdbus monitor of WHO's ConfigurationManager into $T/WHO.monitor
monitor() {
        gdbus monitor --session --dest "net.peerbook.Test$1" \
                --object-path /cx/ring/Ring/ConfigurationManager >"$T/$1.monitor" 2>&1 &
        BACKGROUND+=($!)
}

# watch_bg WHO NAME ARGS...: a live `peerbook --json watch` into $T/NAME; it
# is ready once it printed the registration state (read after subscribing).
watch_bg() {
        local who=$1 name=$2; shift 2
        "$CLI" --bus-name "net.peerbook.Test$who" --json watch --timeout 200 "$@" \
                >"$T/$name" 2>"$T/$name.err" &
        BACKGROUND+=($!)
        wait_for 10 grep -q '"event":"registration"' "$T/$name" || not_ok "watch $name starts"
}

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/out"; }
port_of() { run pb "$1" --json account show >"$T/out" 2>"$T/err"; json_field Account.dhtPort; }
dropped_requests() { run pb "$1" --json account show >"$T/out" 2>"$T/err"; json_field Account.droppedRequests; }
# contact_state WHO URI: confirmed, unconfirmed, banned or none (from `contacts --json`,
# one object per line: jq -s makes them an array)
contact_state() {
        pb "$1" --json contacts | jq -rs --arg u "$2" \
                '[.[] | select(.uri == $u)] | if length == 0 then "none"
                 elif .[0].banned then "banned" elif .[0].confirmed then "confirmed"
                 else "unconfirmed" end'
}
is_state() { [ "$(contact_state "$1" "$2")" = "$3" ]; }
export -f contact_state is_state

# ---- three daemons, three accounts ----------------------------------------------
start_daemon A
start_daemon B
start_daemon C
monitor A
monitor B

check "create alice (standalone)" pb A account create --alias alice
ID_A=$(cat "$T/out")
PORT_A=$(port_of A)
check "create bob bootstrapping to alice" pb B account create --alias bob --bootstrap "127.0.0.1:$PORT_A"
ID_B=$(cat "$T/out")
check "create carol bootstrapping to alice" pb C account create --alias carol --bootstrap "127.0.0.1:$PORT_A"
ID_C=$(cat "$T/out")
check "alice registers" pb A wait-registered --timeout 30
check "bob registers" pb B wait-registered --timeout 30
check "carol registers" pb C wait-registered --timeout 30
# the monitors saw the registration: they were listening before anything below
check_file "gdbus monitor of alice is live" 10 "$T/A.monitor" "registrationStateChanged"
check_file "gdbus monitor of bob is live" 10 "$T/B.monitor" "registrationStateChanged"
check "account show has the request counters" pb B --json account show
check_output "Account.pendingRequests is 0" '"Account.pendingRequests":"0"'
check_output "Account.droppedRequests is there" '"Account.droppedRequests":"[0-9]*"'

# ---- alice asks bob ----------------------------------------------------------------
watch_bg A alice.watch
check "alice: contact add bob --message hi" pb A contact add "$ID_B" --message hi
check "alice's contacts" pb A contacts
check_output "bob is an unconfirmed contact of alice" "^$ID_B unconfirmed\$"
check_file "alice's watch: contactAdded unconfirmed" 10 "$T/alice.watch" \
        "{\"event\":\"contactAdded\",\"account\":\"$ID_A\",\"uri\":\"$ID_B\",\"confirmed\":false}"
check "bob: watch --event trustRequest sees alice's request" \
        pb B --json watch --event trustRequest --count 1 --timeout 45
check_output "trustRequest JSON: from, conversationId, received, payload" \
        "^{\"event\":\"trustRequest\",\"account\":\"$ID_B\",\"from\":\"$ID_A\",\"conversationId\":\"[0-9a-f]*\",\"received\":[0-9]*,\"payload\":\"hi\"}\$"
check_file "incomingTrustRequest(account, conversationId, from, ay payload, t received) on the bus" 10 \
        "$T/B.monitor" "incomingTrustRequest ('$ID_B', '[0-9a-f]*', '$ID_A', \\[byte 0x68, 0x69\\], uint64 [0-9]*)"
check "bob: requests" pb B requests
check_output "requests lists alice with the payload" "^$ID_A [0-9]* hi\$"
check "bob: requests --json" pb B --json requests
check_output "requests --json: one object per line" "^{\"from\":\"$ID_A\",\"conversationId\":\"[0-9a-f]*\",\"received\":[0-9]*,\"payload\":\"hi\"}\$"
check "gdbus getTrustRequests returns aa{ss}" gd B getTrustRequests "$ID_B"
check_output "getTrustRequests has from and payload" "^(\\[{.*'from': '$ID_A'.*'payload': 'hi'.*}\\],)"
check "bob: account show" pb B --json account show
check_output "Account.pendingRequests is 1" '"Account.pendingRequests":"1"'

# ---- bob accepts: both confirmed ------------------------------------------------------
check "bob: accept alice" pb B accept "jami:$ID_A"
check "bob's contacts" pb B contacts
check_output "alice is a confirmed contact of bob" "^$ID_A confirmed\$"
check_file "alice's watch: contactAdded confirmed" 45 "$T/alice.watch" \
        "{\"event\":\"contactAdded\",\"account\":\"$ID_A\",\"uri\":\"$ID_B\",\"confirmed\":true}"
check_file "contactAdded(s, s, b true) on alice's bus" 10 "$T/A.monitor" \
        "contactAdded ('$ID_A', '$ID_B', true)"
check "alice's contacts --json" pb A --json contacts
check_output "bob is confirmed on alice's side" "\"uri\":\"$ID_B\",\"added\":[0-9]*,\"removed\":0,\"confirmed\":true,\"banned\":false"
check "bob: contact show alice" pb B contact show "$ID_A"
check_output "contact show: confirmed: true" "^confirmed: true\$"
check_output "contact show: removed: 0" "^removed: 0\$"
check "gdbus getContactDetails" gd B getContactDetails "$ID_B" "$ID_A"
check_output "getContactDetails keys" "'id': '$ID_A'.*'banned': 'false'"
check "gdbus getContacts returns aa{ss}" gd B getContacts "$ID_B"
check_output "getContacts lists alice" "^(\\[{'id': '$ID_A'"
check_fails "accepting twice: no request" "^peerbook: no trust request from '$ID_A'" pb B accept "$ID_A"
check "gdbus acceptTrustRequest without a request is false" gd B acceptTrustRequest "$ID_B" "$ID_A"
check_output "acceptTrustRequest returns (false,)" "^(false,)\$"
for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null; done; BACKGROUND=()

# ---- both restart: still confirmed ------------------------------------------------------
stop_daemon A
stop_daemon B
start_daemon A
start_daemon B
check "alice's contacts after a restart" pb A contacts
check_output "bob still confirmed on alice's side" "^$ID_B confirmed\$"
check "bob's contacts after a restart" pb B contacts
check_output "alice still confirmed on bob's side" "^$ID_A confirmed\$"
check "alice registers again" pb A wait-registered --timeout 30
PORT_A=$(port_of A)
check "bob follows alice's new port" pb B account set "$ID_B" --bootstrap "127.0.0.1:$PORT_A"
check "carol follows alice's new port" pb C account set "$ID_C" --bootstrap "127.0.0.1:$PORT_A"
check "bob registers again" pb B wait-registered --timeout 30
check "carol registers again" pb C wait-registered --timeout 30
monitor B

# ---- carol asks, bob discards ---------------------------------------------------------------
check "carol: contact add bob --message" pb C contact add "$ID_B" --message $'hello\nfrom carol'
check "bob sees carol's request" pb B --json watch --event trustRequest --buddy "$ID_C" --count 1 --timeout 45
check_output "multi-line payload in JSON" '"payload":"hello\\nfrom carol"'
check "watch (text) reports the pending request at once" \
        pb B watch --event trustRequest --buddy "$ID_C" --count 1 --timeout 10
check_output "one text line" "^trustRequest $ID_C [0-9]* hello\\\\nfrom carol\$"
check "bob: requests (text)" pb B requests
check_output "payload on one line" "^$ID_C [0-9]* hello\\\\nfrom carol\$"
check "bob: discard carol" pb B discard "$ID_C"
check "bob: requests after discard" pb B --json requests
[ ! -s "$T/out" ] && ok "no request left" || not_ok "no request left"
check_fails "discarding twice: no request" "^peerbook: no trust request from '$ID_C'" pb B discard "$ID_C"
check_fails "carol is not bob's contact" "^peerbook: no contact '$ID_C' in account '$ID_B'" \
        pb B contact show "$ID_C"

# a binary payload, straight from gdbus: an ay in, base64 out
check "gdbus sendTrustRequest with an ay payload" gd C sendTrustRequest "$ID_C" "$ID_B" "[byte 0x00, 0xff, 0x41]"
check "bob sees carol's binary request" pb B --json watch --event trustRequest --buddy "$ID_C" --count 1 --timeout 45
check_output "binary payload as base64" '"payload":"AP9B","payloadEncoding":"base64"'
check_file "the signal carries the bytes" 10 "$T/B.monitor" "\\[byte 0x00, 0xff, 0x41\\]"
check "gdbus getTrustRequests: base64" gd B getTrustRequests "$ID_B"
check_output "payloadEncoding base64 in the a{ss}" "'payloadEncoding': 'base64'"
check "bob: discard carol again" pb B discard "$ID_C"

# ---- bob blocks alice: her next request is dropped, silently ------------------------------------
check "bob: block alice" pb B block "$ID_A"
check_file "contactRemoved(s, s, b true) on bob's bus" 10 "$T/B.monitor" "contactRemoved ('$ID_B', '$ID_A', true)"
check "bob's contacts" pb B contacts
check_output "alice is banned" "^$ID_A banned\$"
DROPPED=$(dropped_requests B)
# a live watcher; nothing is pending, so any trustRequest line would be new
watch_bg B bob.watch
check "alice asks bob again" pb A contact add "$ID_B" --message "let me in"
if wait_for 45 bash -c "[ \"\$(pb B --json account show | sed -n 's/.*\"Account.droppedRequests\":\"\\([0-9]*\\)\".*/\\1/p')\" -gt $DROPPED ]"; then
        ok "bob drops the request of a banned account (droppedRequests $DROPPED -> $(dropped_requests B))"
else
        not_ok "bob drops the request of a banned account (droppedRequests stays $DROPPED)"
fi
if grep -q trustRequest "$T/bob.watch" || grep -q incomingTrustRequest.*"'$ID_A'" "$T/B.monitor"; then
        not_ok "no incomingTrustRequest from a banned account"
else
        ok "no incomingTrustRequest from a banned account"
fi
check "bob: requests" pb B --json requests
[ ! -s "$T/out" ] && ok "nothing pending from alice" || not_ok "nothing pending from alice"
check "bob: contact add alice lifts the ban" pb B contact add "$ID_A"
check "bob: contact show alice" pb B --json contact show "$ID_A"
check_output "no longer banned" '"banned":false'
if wait_for 45 is_state B "$ID_A" confirmed; then ok "alice (a contact) confirms bob's new request"
else not_ok "alice (a contact) confirms bob's new request (state $(contact_state B "$ID_A"))"; fi
for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null; done; BACKGROUND=()

# ---- D-Bus signatures, as Jami's ---------------------------------------------------------------
check "introspect ConfigurationManager" gdbus introspect --session --dest net.peerbook.TestB \
        --object-path /cx/ring/Ring/ConfigurationManager
# one line, without the Qt type annotations
tr -s ' \n' ' ' <"$T/out" | sed 's/@[A-Za-z0-9.]*("[^"]*") //g' >"$T/flat" && mv "$T/flat" "$T/out"
check_output "sendTrustRequest(s, s, ay)" "sendTrustRequest(in s accountID, in s to, in ay payload)"
check_output "getTrustRequests(s) -> aa{ss}" "getTrustRequests(in s accountID, out aa{ss} requests)"
check_output "acceptTrustRequest(s, s) -> b" "acceptTrustRequest(in s accountID, in s from, out b success)"
check_output "discardTrustRequest(s, s) -> b" "discardTrustRequest(in s accountID, in s from, out b success)"
check_output "addContact(s, s)" "addContact(in s accountID, in s uri)"
check_output "removeContact(s, s, b)" "removeContact(in s accountID, in s uri, in b ban)"
check_output "getContacts(s) -> aa{ss}" "getContacts(in s accountID, out aa{ss} contacts)"
check_output "getContactDetails(s, s) -> a{ss}" "getContactDetails(in s accountID, in s uri, out a{ss} details)"
check_output "incomingTrustRequest(s, s conversationId, s from, ay, t)" \
        "incomingTrustRequest(s accountID, s conversationId, s from, ay payload, t received)"
check_output "contactAdded(s, s, b)" "contactAdded(s accountID, s uri, b confirmed)"
check_output "contactRemoved(s, s, b)" "contactRemoved(s accountID, s uri, b banned)"
check "getContactDetails of a stranger" gd B getContactDetails "$ID_B" 2222222222222222222222222222222222222222
check_output "is an empty dict" "^(@a{ss} {},)\$"

# ---- bad input: non-zero exit, one clear line ------------------------------------------------------
NOBODY=0000000000000000000000000000000000000000
check_fails "unknown account" "^peerbook: no such account '$NOBODY'" pb B contacts --account "$NOBODY"
check_fails "unknown account (requests)" "^peerbook: no such account '$NOBODY'" pb B requests --account "$NOBODY"
check_fails "unknown account (gdbus)" "net.peerbook.Error.NoSuchAccount" gd B getContacts "$NOBODY"
check_fails "malformed URI" "^peerbook: invalid URI 'bob@example'" pb A contact add bob@example
check_fails "malformed URI with a message" "^peerbook: invalid URI 'bob@example'" \
        pb A contact add bob@example --message hi
check_fails "malformed URI (accept)" "^peerbook: invalid URI 'xyz'" pb B accept xyz
check_fails "malformed account ID" "^peerbook: invalid account ID 'abc'" pb B contacts --account abc
BIG=$(head -c 64001 /dev/zero | tr '\0' a)
check_fails "oversized payload" "^peerbook: payload too large (64001 bytes, at most 64000)" \
        pb A contact add "$ID_C" --message "$BIG"
check_fails "oversized payload is InvalidArgument" "net.peerbook.Error.InvalidArgument" \
        gd A sendTrustRequest "$ID_A" "$ID_C" "b'$BIG'"
check_fails "asking oneself" "^peerbook: cannot send a trust request to '$ID_A': it is account" \
        pb A contact add "$ID_A" --message hi
check "removing a stranger succeeds (no contact, as asked)" pb A contact remove "$NOBODY"
check_fails "showing a stranger fails" "^peerbook: no contact '$NOBODY' in account '$ID_A'" \
        pb A contact show "$NOBODY"
check_fails "unknown watch event" "^peerbook: invalid event 'nope'" pb A watch --event nope
check_fails "contact needs a command" "^peerbook: contact: missing command" pb A contact
check_fails "accept needs a URI" "^peerbook: accept: missing argument" pb A accept
check "help texts" bash -c "'$CLI' --help | grep -q requests && '$CLI' contact --help && \
        '$CLI' contact add --help | grep -q -- --message && '$CLI' watch --help | grep -q -- --event && \
        '$CLI' block --help && '$CLI' requests --help && '$CLI' contacts --help"

stop_daemon C
stop_daemon B
stop_daemon A

# ---- SIGKILL in the middle of a burst: every acknowledged change survives ----------------------------
start_daemon D
check "create a standalone account on D" pb D account create --alias dave
ID_D=$(cat "$T/out")
random_id() { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KILL_AT=$((60 + RANDOM % 80))
added=() acked=0 inflight=""
: >"$T/acked"
for i in $(seq 0 199); do
        if [ "$i" -eq "$KILL_AT" ]; then kill -KILL "${PID[D]}" & fi
        if [ $((i % 4)) -eq 3 ] && [ "${#added[@]}" -gt 0 ]; then
                id=${added[$((RANDOM % ${#added[@]}))]}
                ban=$([ $((i % 8)) -eq 7 ] && echo true || echo false)
                op="remove $id $ban"
                call=(gd D removeContact "$ID_D" "$id" "$ban")
        else
                id=$(random_id)
                op="add $id"
                call=(gd D addContact "$ID_D" "$id")
                added+=("$id")
        fi
        if timeout 10 bash -c '"$@"' bash "${call[@]}" >/dev/null 2>&1; then
                echo "$op" >>"$T/acked"; acked=$((acked + 1))
        else
                inflight=$id; break
        fi
done
if [ -n "$inflight" ] && [ "$acked" -ge "$KILL_AT" ]; then
        ok "the daemon died mid-burst (killed at change $KILL_AT of 200, $acked acknowledged)"
else
        not_ok "the daemon died mid-burst at change $KILL_AT ($acked acknowledged)"
fi
kill -KILL "${PID[D]}" 2>/dev/null; wait "${PID[D]}" 2>/dev/null
unset "PID[D]"
start_daemon D
check "D's contacts after SIGKILL" pb D --json contacts
jq -r '"\(.uri) \(if .banned then "banned" elif .added > .removed then "active" else "removed" end)"' \
        "$T/out" | sort >"$T/have"
# expected: the last acknowledged change of each ID, except the one in flight
awk -v skip="$inflight" '$2 != skip { s[$2] = ($1 == "add") ? "active" : ($3 == "true" ? "banned" : "removed") }
     END { for (k in s) print k, s[k] }' "$T/acked" | sort >"$T/want"
missing=0
while read -r id state; do
        got=$(awk -v id="$id" '$1 == id { print $2 }' "$T/have")
        [ -z "$got" ] && got=removed # inactive and not banned: not in getContacts
        if [ "$got" != "$state" ]; then
                missing=$((missing + 1))
                echo "#   $id: acknowledged $state, found $got"
        fi
done <"$T/want"
[ "$missing" -eq 0 ] && ok "every acknowledged change survived SIGKILL ($(wc -l <"$T/want") contacts)" \
        || not_ok "every acknowledged change survived SIGKILL ($missing lost)"
stop_daemon D

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
