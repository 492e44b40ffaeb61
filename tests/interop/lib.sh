#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# lib.sh — sourced by the interop scripts (test-interop-*.sh) after they set
# PEERBOOKD, CLI and SHIM: the re-run inside a private session bus (and a
# network namespace of its own where it can), the checks, the calls to each
# daemon, and starting peerbookd and jamid. See test-interop-jami.sh for the
# environment it reads (JAMID, INTEROP_KEEP, INTEROP_NETNS).

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
source "$(dirname "${BASH_SOURCE[0]}")/../netns.sh"

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

# start_peerbookd: peerbookd on net.peerbook.Interop (2048-bit keys), data in
# $T/peerbook; IN_NS_PEERBOOKD, an array, may hold a command to run it in
# (ip netns exec NS), as IN_NS_JAMID for start_jamid.
start_peerbookd() {
        ${IN_NS_PEERBOOKD[@]+"${IN_NS_PEERBOOKD[@]}"} "$PEERBOOKD" --bus-name net.peerbook.Interop \
                --data-dir "$T/peerbook" --key-bits 2048 2>"$T/peerbookd.log" &
        PID[peerbookd]=$!
        if wait_for 20 grep -q "acquired the name" "$T/peerbookd.log"; then ok "peerbookd owns net.peerbook.Interop"
        else not_ok "peerbookd owns net.peerbook.Interop"; sed 's/^/#   /' "$T/peerbookd.log"; exit 1; fi
}

# start_bootstrap: the bootstrap is a standalone peerbook account (an OpenDHT
# node like any other; `dhtnode -s -p PORT` would do as well): sets BOOT and PORT.
start_bootstrap() {
        check "bootstrap: a standalone peerbook account" pb account create --alias boot
        BOOT=$(cat "$T/out")
        run pb --json account show "$BOOT" >"$T/out" 2>"$T/err"
        PORT=$(json_field Account.dhtPort)
        [ -n "$PORT" ] || { not_ok "bootstrap has a DHT port"; exit 1; }
        echo "# bootstrap node: 127.0.0.1:$PORT"
}

# start_jamid: jamid with its own HOME and XDG folders and the netlink shim,
# and a monitor of its signals in $T/jami.monitor.
start_jamid() {
        mkdir -p "$T/jami/home" "$T/jami/config" "$T/jami/data" "$T/jami/cache" "$T/jami/runtime"
        chmod 700 "$T/jami/runtime"
        ${IN_NS_JAMID[@]+"${IN_NS_JAMID[@]}"} env HOME="$T/jami/home" XDG_CONFIG_HOME="$T/jami/config" XDG_DATA_HOME="$T/jami/data" \
            XDG_CACHE_HOME="$T/jami/cache" XDG_RUNTIME_DIR="$T/jami/runtime" LD_PRELOAD="$SHIM" NETLINK_FIX_LOG=1 \
            "$JAMID" -c -d -p >"$T/jamid.log" 2>&1 &
        PID[jamid]=$!
        if wait_for 30 has_name cx.ring.Ring; then ok "jamid owns cx.ring.Ring"
        else not_ok "jamid owns cx.ring.Ring"; tail -n 20 "$T/jamid.log" | sed 's/^/#   /'; exit 1; fi
        if grep -q netlink_fix "/proc/${PID[jamid]}/maps" 2>/dev/null; then ok "jamid runs with the netlink shim"
        else not_ok "jamid runs with the netlink shim"; fi
        echo "# $(head -c 200 "$T/jamid.log" | grep -a -o 'Jami Daemon [0-9.]*' | head -n 1); interfaces: $(${IN_NS_JAMID[@]+"${IN_NS_JAMID[@]}"} ip -o link 2>/dev/null | awk -F': ' '{printf "%s ", $2}')"

        gdbus monitor --session --dest cx.ring.Ring >"$T/jami.monitor" 2>&1 &
        BACKGROUND+=($!)
        wait_for 10 grep -q "Monitoring signals" "$T/jami.monitor"
}

# The details that keep a Jami account on loopback (bootstrap 127.0.0.1:$1);
# RingNS.uri: a closed loopback port, so no name server outside is asked.
jami_local_details() {
        echo "'Account.type': 'RING', 'Account.hostname': '127.0.0.1:$1', 'Account.upnpEnabled': 'false',
              'TURN.enable': 'false', 'STUN.enable': 'false', 'Account.peerDiscovery': 'false',
              'Account.accountDiscovery': 'false', 'Account.accountPublish': 'false',
              'RingNS.uri': 'http://127.0.0.1:9'"
}

# jami_add_account DESC DETAILS: addAccount, then waits until it is registered
# with its device announced; sets JA (jamid's account) and JID (its username).
jami_add_account() {
        JA="" JID=""
        check "$1" jami ConfigurationManager addAccount "$2"
        JA=$(sed -n "s/^('\\([0-9a-f]*\\)',)\$/\\1/p" "$T/out")
        [ -n "$JA" ] || { not_ok "addAccount returned an account"; return 1; }
        if wait_for 60 jami_registered "$JA"; then ok "Jami account $JA registered, device announced"
        else not_ok "Jami account registers"; tail -n 20 "$T/jamid.log" | sed 's/^/#   /'; return 1; fi
        check "Jami: getAccountDetails" jami ConfigurationManager getAccountDetails "$JA"
        JID=$(sed -n "s/.*'Account.username': '\\(ring:\\)\\{0,1\\}\\([0-9a-f]\\{40\\}\\)'.*/\\2/p" "$T/out")
        [ -n "$JID" ] || { not_ok "Jami's Account.username is a 40-hex id"; return 1; }
}

# finish WHAT PATTERN: on failures, jamid's log lines about WHAT (matching
# PATTERN); then the summary line and the exit status.
finish() {
        if [ "$failed" -gt 0 ]; then
                echo "# jamid log ($1):"
                grep -a -iE "$2" "$T/jamid.log" | tail -n 30 | sed 's/^/#   /'
        fi
        echo "# took $((SECONDS - START)) s"
        echo "$passed passed, $failed failed"
        [ "$failed" -eq 0 ]
}
