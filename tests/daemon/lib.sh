# SPDX-License-Identifier: GPL-3.0-or-later
#
# lib.sh — what the daemon test scripts share: a private session bus (the
# script re-runs itself under dbus-run-session), a temporary folder, TAP
# output with "N passed, N failed", bounded runs and waits, and starting and
# stopping real peerbookd daemons. Sourced by test-*.sh with PEERBOOKD and
# CLI as $1 and $2.

if [ -z "${PEERBOOK_TEST_PRIVATE_BUS:-}" ]; then
        command -v dbus-run-session >/dev/null || { echo "1..0 # SKIP no dbus-run-session"; exit 77; }
        PEERBOOK_TEST_PRIVATE_BUS=1 exec dbus-run-session -- "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi

PEERBOOKD=$1
CLI=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/peerbook-$(basename "$0" .sh).XXXXXX")
declare -A PID=()
BACKGROUND=()
passed=0 failed=0 n=0

cleanup() {
        for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null; done
        for name in "${!PID[@]}"; do kill -KILL "${PID[$name]}" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$T"
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
# run CMD... with a deadline; CMD may be one of the functions exported below
run() { timeout 60 bash -c '"$@"' bash "$@"; }
# check DESC CMD...: CMD succeeds (its output in $T/out, $T/err)
check() { local d=$1; shift; if run "$@" >"$T/out" 2>"$T/err"; then ok "$d"; else not_ok "$d"; fi; }
# check_fails DESC PATTERN CMD...: CMD fails with one line on stderr matching PATTERN
check_fails() {
        local d=$1 pat=$2; shift 2
        if run "$@" >"$T/out" 2>"$T/err"; then not_ok "$d (it succeeded)"; return; fi
        if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$pat" "$T/err"; then ok "$d"
        else not_ok "$d (expected one line matching '$pat')"; fi
}
# check_output DESC PATTERN: the last command's stdout matches PATTERN
check_output() { if grep -q -- "$2" "$T/out"; then ok "$1"; else not_ok "$1"; fi; }

export CLI
pb() { local who=$1; shift; "$CLI" --bus-name "net.peerbook.Test$who" "$@"; }
export -f pb
# dbus_call WHO OBJECT METHOD ARG...: gdbus call of cx.ring.Ring.OBJECT.METHOD
# on daemon WHO's /cx/ring/Ring/OBJECT
dbus_call() {
        local who=$1 obj=$2 method=$3; shift 3
        gdbus call --session --dest "net.peerbook.Test$who" --object-path "/cx/ring/Ring/$obj" \
                --method "cx.ring.Ring.$obj.$method" "$@"
}
export -f dbus_call

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds
wait_for() {
        local deadline=$((SECONDS + $1)); shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -ge "$deadline" ] && return 1
                sleep 0.1
        done
}

# expect DESC SECONDS CMD...: one check, passed once CMD succeeds within SECONDS
expect() {
        local d=$1 s=$2; shift 2
        if wait_for "$s" "$@"; then ok "$d"; else not_ok "$d"; fi
}

# start_daemon WHO [OPTION...]: the options come after the defaults, so win
start_daemon() {
        local who=$1; shift
        : >"$T/$who.log"
        "$PEERBOOKD" --bus-name "net.peerbook.Test$who" --data-dir "$T/$who" --key-bits 2048 \
                "$@" 2>>"$T/$who.log" &
        PID[$who]=$!
        if wait_for 20 grep -q "acquired the name" "$T/$who.log"; then ok "daemon $who owns its bus name"
        else not_ok "daemon $who owns its bus name"; sed 's/^/#   /' "$T/$who.log"; fi
}

# stop_daemon WHO: SIGTERM, then a clean exit (status 0) within 10 s
stop_daemon() {
        local who=$1 pid=${PID[$1]}
        kill -TERM "$pid"
        if wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"; then
                wait "$pid"; local rc=$?
                if [ "$rc" -eq 0 ]; then ok "daemon $who stops cleanly on SIGTERM"
                else not_ok "daemon $who stops cleanly on SIGTERM (exit $rc)"; fi
        else
                kill -KILL "$pid"; not_ok "daemon $who stops within 10 s of SIGTERM"
        fi
        unset "PID[$who]"
}

source "$(dirname "${BASH_SOURCE[0]}")/../netns.sh"

# start_in NS WHO [OPTION...]: peerbookd inside NS, on the test's session bus
# (a path socket, reachable from every namespace), allowed on the LAN: the
# namespace is the test's own.
start_in() {
        local ns=$1 who=$2; shift 2
        : >"$T/$who.log"
        ip netns exec "$ns" env -u PEERBOOKD_NO_LAN "$PEERBOOKD" --bus-name "net.peerbook.Test$who" \
                --data-dir "$T/$who" --key-bits 2048 "$@" 2>>"$T/$who.log" &
        PID[$who]=$!
        if wait_for 20 grep -q "acquired the name" "$T/$who.log"; then ok "daemon $who in $ns"
        else not_ok "daemon $who in $ns"; sed 's/^/#   /' "$T/$who.log"; fi
}
