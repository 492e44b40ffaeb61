#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Direct channels through peerbookd (issue 8): two contacts on two daemons
# (alice, bob) with real OpenDHT nodes, real TLS, on 127.0.0.1, driven by the
# peerbook CLI and gdbus. Both reach status 2 after the accept; a note with
# XML metacharacters and non-ASCII arrives exact and clears; alice killed
# (SIGKILL), frozen (SIGSTOP), resumed, stopped cleanly and restarted: bob
# follows within the issue's bounds. Skipped (77) while the library has no
# channels: publish is then NotSupported (-ENOSYS). Every wait has a deadline.
#
# usage: test-channels.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

gd() { local who=$1 obj=$2 method=$3; shift 3
       gdbus call --session --dest "net.peerbook.Test$who" --object-path "/cx/ring/Ring/$obj" \
               --method "cx.ring.Ring.$obj.$method" "$@"; }
export -f gd
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/out"; }
port_of() { run pb "$1" --json account show >"$T/out" 2>"$T/err"; json_field Account.dhtPort; }

# watch_bg WHO: a live `peerbook --json watch` of WHO into $T/WHO.watch, ready
# once it printed the registration state (its signal match is in place then).
watch_bg() {
        local who=$1
        "$CLI" --bus-name "net.peerbook.Test$who" --json watch --timeout 280 \
                >"$T/$who.watch" 2>"$T/$who.watch.err" &
        BACKGROUND+=($!)
        wait_for 10 grep -q '"event":"registration"' "$T/$who.watch" || not_ok "watch $who starts"
}
# mark WHO: what WHO's watch prints from now on is what saw() reads, timed from now
now_ms() { echo $(($(date +%s%N) / 1000000)); }
mark() { MARK=$(wc -l <"$T/$1.watch"); MARK_MS=$(now_ms); }
# saw DESC WHO SECONDS LINE: WHO's watch prints LINE (exactly) within SECONDS of the mark
saw() {
        local desc=$1 who=$2 limit=$(($3 * 1000)) line=$4
        until tail -n "+$((MARK + 1))" "$T/$who.watch" | grep -qxF -- "$line"; do
                if [ $(($(now_ms) - MARK_MS)) -ge "$limit" ]; then
                        : >"$T/out"; : >"$T/err"
                        not_ok "$desc (not within $3 s)"
                        tail -n "+$((MARK + 1))" "$T/$who.watch" | sed 's/^/#   /' | tail -n 5
                        return
                fi
                sleep 0.05
        done
        ok "$desc ($(($(now_ms) - MARK_MS)) ms)"
}
# buddy_line WHO_ID PEER_ID STATUS NOTE: a --json watch's buddy event (NOTE as JSON text)
buddy_line() {
        printf '{"event":"buddy","account":"%s","uri":"%s","status":%s,"lineStatus":"%s"}' \
                "$1" "$2" "$3" "$4"
}

# ---- two daemons, two accounts; are there channels at all? -----------------------------
start_daemon A
check "create alice (standalone)" pb A account create --alias alice
ID_A=$(cat "$T/out")
gd A PresenceManager publish "$ID_A" true "" >"$T/out" 2>"$T/err"
if grep -q "net.peerbook.Error.NotSupported" "$T/err"; then
        echo "1..0 # SKIP the library has no direct channels yet (publish is NotSupported)"
        exit 77
fi
PORT_A=$(port_of A)
start_daemon B
check "create bob bootstrapping to alice" pb B account create --alias bob --bootstrap "127.0.0.1:$PORT_A"
ID_B=$(cat "$T/out")
check "alice registers" pb A wait-registered --timeout 30
check "bob registers" pb B wait-registered --timeout 30
for who in A B; do
        check "$who: account show" pb "$who" --json account show
        BOUND=$(json_field Account.peerbookChannelBoundPort)
        [ -n "$BOUND" ] && [ "$BOUND" -gt 0 ] && ok "$who listens for channels (port $BOUND)" \
                || not_ok "$who listens for channels: '$BOUND'"
        check_output "$who: Account.peerbookChannelPort shows the bound port" \
                "\"Account.peerbookChannelPort\":\"$BOUND\""
        check_output "$who: no channel yet" '"Account.peerbookChannels":"0"'
done

# ---- contacts: both at status 2 --------------------------------------------------------
watch_bg A
watch_bg B
check "alice: contact add bob" pb A contact add "$ID_B" --message hi
check "bob: sees alice's request" pb B watch --event trustRequest --count 1 --timeout 45
check "bob: accept alice" pb B accept "$ID_A"
check "bob sees alice connected (2) within 30 s" \
        pb B watch --buddy "$ID_A" --status 2 --count 1 --timeout 30
check "alice sees bob connected (2) within 30 s" \
        pb A watch --buddy "$ID_B" --status 2 --count 1 --timeout 30
check "bob: presence" pb B presence
check_output "presence: 'URI connected'" "^$ID_A connected\$"
check "bob: presence --json" pb B --json presence
check_output "presence --json: status 2" "^{\"uri\":\"$ID_A\",\"status\":2,\"lineStatus\":\"\"}\$"
check "bob: getSubscriptions" gd B PresenceManager getSubscriptions "$ID_B"
check_output "getSubscriptions: Status '2'" "'Status': '2'"
for who in A B; do
        check "$who: account show" pb "$who" --json account show
        check_output "$who: one channel open" '"Account.peerbookChannels":"1"'
done

# ---- notes ------------------------------------------------------------------------------
NOTE='Déjeuner 🍽 <back at 2>'
mark B
check "alice: publish '$NOTE'" pb A publish "$NOTE"
saw "bob's watch gets the note, exact, with status 2" B 5 "$(buddy_line "$ID_B" "$ID_A" 2 "$NOTE")"
check "bob: presence" pb B presence
if grep -qxF -- "$ID_A connected $NOTE" "$T/out"; then ok "presence: 'URI connected NOTE'"
else not_ok "presence: 'URI connected NOTE'"; fi
check "bob: getSubscriptions" gd B PresenceManager getSubscriptions "$ID_B"
if grep -qF -- "'LineStatus': '$NOTE'" "$T/out"; then ok "getSubscriptions: LineStatus is the note"
else not_ok "getSubscriptions: LineStatus is the note"; fi
check "alice: account show" pb A --json account show
if grep -qF -- "\"Account.presenceNote\":\"$NOTE\"" "$T/out"; then ok "alice's Account.presenceNote"
else not_ok "alice's Account.presenceNote"; fi
# what an XML builder or parser could get wrong, and a newline
META=$'Tom & Jerry\'s "</note>" ]]> &amp; <![CDATA[x]]>\ttab'
META_JSON='Tom & Jerry'"'"'s \"</note>\" ]]> &amp; <![CDATA[x]]>\ttab'
mark B
check "alice: publish a note full of XML metacharacters" pb A publish "$META"
saw "bob gets it exact" B 5 "$(buddy_line "$ID_B" "$ID_A" 2 "$META_JSON")"
mark B
check "alice: publish --clear" pb A publish --clear
saw "bob sees the note cleared (\"\")" B 5 "$(buddy_line "$ID_B" "$ID_A" 2 "")"
check "alice: publish the note again" pb A publish "$NOTE"

# ---- alice killed, frozen, resumed, stopped, restarted ------------------------------------
restart_a() {
        start_daemon A
        check "alice registers again" pb A wait-registered --timeout 30
        local port
        port=$(port_of A)
        if [ "$port" != "$PORT_A" ]; then
                check "bob follows alice's new DHT port ($PORT_A -> $port)" \
                        pb B account set "$ID_B" --bootstrap "127.0.0.1:$port"
                PORT_A=$port
        fi
}

mark B
kill -KILL "${PID[A]}"; wait "${PID[A]}" 2>/dev/null; unset "PID[A]"
saw "SIGKILL: bob sees alice offline (0) within 20 s" B 20 "$(buddy_line "$ID_B" "$ID_A" 0 "")"
mark B
restart_a
saw "restart: bob sees alice connected (2) again, with her note" B 30 \
        "$(buddy_line "$ID_B" "$ID_A" 2 "$NOTE")"
check "restart: alice sees bob connected (2)" \
        pb A watch --buddy "$ID_B" --status 2 --count 1 --timeout 30

mark B
kill -STOP "${PID[A]}"
saw "SIGSTOP: bob sees alice offline (0) within 20 s" B 20 "$(buddy_line "$ID_B" "$ID_A" 0 "")"
mark B
kill -CONT "${PID[A]}"
saw "SIGCONT: bob sees alice connected (2) within 10 s" B 10 "$(buddy_line "$ID_B" "$ID_A" 2 "$NOTE")"
check "bob: account show" pb B --json account show
check_output "bob counted the channel that died of silence" '"Account.peerbookChannelsDropped":"[1-9][0-9]*"'

mark B
stop_daemon A
saw "clean stop: bob sees alice offline (0) within 3 s" B 3 "$(buddy_line "$ID_B" "$ID_A" 0 "")"
mark B
restart_a
saw "restart after a clean stop: bob sees alice connected (2)" B 30 \
        "$(buddy_line "$ID_B" "$ID_A" 2 "$NOTE")"

# ---- no listener: alice only dials out -----------------------------------------------------
mark B
check "alice: account set --channel-port -1" pb A account set "$ID_A" --channel-port -1
check "alice: account show" pb A --json account show
check_output "Account.peerbookChannelPort is -1" '"Account.peerbookChannelPort":"-1"'
check_output "Account.peerbookChannelBoundPort is 0" '"Account.peerbookChannelBoundPort":"0"'
check "without a listener alice still reaches bob (2) within 30 s" \
        pb B watch --buddy "$ID_A" --status 2 --count 1 --timeout 30

stop_daemon B
stop_daemon A
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
