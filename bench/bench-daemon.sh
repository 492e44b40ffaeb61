#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench-daemon.sh — peerbookd's resource figures (a benchmark, not a test).
#
#   1. idle daemon with one standalone account: RSS (VmRSS, VmHWM) and CPU
#      (% of one core) over a window;
#   2. the same daemon tracking N buddies (default 1,000 random account IDs,
#      one setSubscriptions call): RSS, RSS per buddy, CPU; standalone, then
#      (unless --no-network) with a loopback dhtnode as bootstrap, so that the
#      listens go to a real node;
#   3. restart -> REGISTERED: exec of peerbookd to `wait-registered` returning
#      (SIGTERM, restart on the same data dir), best and median;
#   4. `account create` wall time through the daemon (median, max);
#   5. how long other callers wait while accounts are being made: N
#      addAccount calls at once (their keys are made off the daemon's loop),
#      and getAccountList timed meanwhile, every 200 ms (median, max).
#
# Everything runs on a private session bus and on 127.0.0.1. The script
# builds nothing: it uses the binaries of an existing build directory.
#
# Usage: bench/bench-daemon.sh [BUILD_DIR] [--window SEC] [--key-bits N]
#            [--buddies N] [--restarts N] [--accounts N] [--no-network]
#   BUILD_DIR defaults to $BUILD, else "build" (relative to the source tree).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
WINDOW=60
KEY_BITS=
BUDDIES=1000
RESTARTS=5
ACCOUNTS=5
NETWORK=1
BUS_NAME=net.peerbook.Bench

usage() { sed -n '/^# Usage:/,/^#   BUILD_DIR/s/^# \{0,1\}//p' "$0"; }
die() { echo "bench-daemon: $*" >&2; exit 1; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, not '$2'"; }

while (($#)); do
        case $1 in
        --window) posint "$1" "${2-}"; WINDOW=$2; shift 2 ;;
        --key-bits) posint "$1" "${2-}"; KEY_BITS=$2; shift 2 ;;
        --buddies) posint "$1" "${2-}"; BUDDIES=$2; shift 2 ;;
        --restarts) posint "$1" "${2-}"; RESTARTS=$2; shift 2 ;;
        --accounts) posint "$1" "${2-}"; ACCOUNTS=$2; shift 2 ;;
        --no-network) NETWORK=0; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) die "unknown option '$1' (try --help)" ;;
        *) BUILD=$1; shift ;;
        esac
done

[[ $BUILD = /* ]] || BUILD=$SRC/$BUILD
PEERBOOKD=$BUILD/daemon/peerbookd
PEERBOOK=$BUILD/cli/peerbook
[[ -x $PEERBOOKD && -x $PEERBOOK ]] ||
        die "no peerbookd/peerbook in $BUILD (build first, or pass the build dir / BUILD=...)"
for tool in dbus-daemon gdbus awk; do
        command -v "$tool" >/dev/null || die "'$tool' is missing"
done
if ((NETWORK)) && ! command -v dhtnode >/dev/null; then
        echo "bench-daemon: no dhtnode (Debian package dhtnode): skipping the networked case" >&2
        NETWORK=0
fi
HAVE_PERF=0
if command -v perf >/dev/null &&
        perf stat -x, -e task-clock -- true >/dev/null 2>&1; then
        HAVE_PERF=1
fi
TCK=$(getconf CLK_TCK)
DAEMON_ARGS=(--bus-name "$BUS_NAME")
[[ -n $KEY_BITS ]] && DAEMON_ARGS+=(--key-bits "$KEY_BITS")
KEY_LABEL=${KEY_BITS:-4096 (default)}

# ---- temp dir, private bus, clean-up -------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-daemon.XXXXXX")
DPID='' BUSPID='' DHTPID=''
cleanup() {
        local p
        for p in $DPID $DHTPID; do
                kill -TERM "$p" 2>/dev/null || true
        done
        for p in $DPID $DHTPID; do
                for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$p" 2>/dev/null || true
        done
        if [[ -n $BUSPID ]]; then kill -TERM "$BUSPID" 2>/dev/null || true; fi
        rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$TMP</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
DBUS_SESSION_BUS_ADDRESS=$(dbus-daemon --config-file="$TMP/bus.conf" --fork \
        --print-address=1 --print-pid=3 3>"$TMP/bus.pid")
BUSPID=$(cat "$TMP/bus.pid")
[[ -n $DBUS_SESSION_BUS_ADDRESS && -n $BUSPID ]] || die "cannot start a private D-Bus daemon"
export DBUS_SESSION_BUS_ADDRESS
unset DBUS_SYSTEM_BUS_ADDRESS
# No LAN discovery: the figures are the daemon's own, and nothing of this
# run is multicast on the machine's network.
export PEERBOOKD_NO_LAN=1

pb() { "$PEERBOOK" --bus-name "$BUS_NAME" "$@"; }
now() { echo "$EPOCHREALTIME"; }
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
log() { printf '  %s\n' "$*" >&2; }

# ---- the daemon -----------------------------------------------------------
# start_daemon DATA_DIR: exec peerbookd, wait (10 s at most) for its bus name.
start_daemon() {
        "$PEERBOOKD" --data-dir "$1" "${DAEMON_ARGS[@]}" >>"$TMP/peerbookd.log" 2>&1 &
        DPID=$!
        gdbus wait --session --timeout 10 "$BUS_NAME" ||
                die "peerbookd did not take $BUS_NAME within 10 s (see below)$(tail -n5 "$TMP/peerbookd.log")"
}
stop_daemon() {
        [[ -n $DPID ]] || return 0
        kill -TERM "$DPID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$DPID" 2>/dev/null; then
                echo "bench-daemon: peerbookd ignored SIGTERM for 5 s: killed" >&2
                kill -KILL "$DPID" 2>/dev/null || true
        fi
        wait "$DPID" 2>/dev/null || true
        DPID=
        # the name must be free before the next daemon asks for it
        for _ in $(seq 100); do
                gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
                        --method org.freedesktop.DBus.NameHasOwner "$BUS_NAME" 2>/dev/null |
                        grep -q false && return 0
                sleep 0.05
        done
        die "$BUS_NAME still owned 5 s after peerbookd exited"
}
wait_registered() {
        pb wait-registered --timeout 30 >/dev/null ||
                die "account not REGISTERED within 30 s"
}
alive() { kill -0 "$DPID" 2>/dev/null || die "peerbookd (pid $DPID) died$(tail -n5 "$TMP/peerbookd.log")"; }

# ---- /proc sampling -------------------------------------------------------
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
threads() { status_kb "$1" Threads; }

# sample LABEL PID: over $WINDOW s, RSS at the end (and its max over the
# window, read every second), VmHWM, CPU from /proc ticks and (if perf works)
# perf's task-clock, which has ns resolution where ticks have 10 ms.
# Sets S_RSS S_RSSMAX S_HWM (kB), S_CPU S_PERF (% of a core), S_CS (switches/s).
sample() {
        local pid=$2 t0 c0 c1 el rss
        local perf_out=$TMP/perf.$1
        S_RSSMAX=0 S_PERF='' S_CS=''
        log "sampling $1 over ${WINDOW} s"
        if ((HAVE_PERF)); then
                perf stat -x, -e task-clock,context-switches -p "$pid" -o "$perf_out" \
                        -- sleep "$WINDOW" &
                local perfpid=$!
        fi
        t0=$EPOCHREALTIME c0=$(ticks "$pid")
        for ((i = 0; i < WINDOW; i++)); do
                sleep 1
                kill -0 "$pid" 2>/dev/null || die "pid $pid died while sampling $1"
                rss=$(status_kb "$pid" VmRSS)
                ((rss > S_RSSMAX)) && S_RSSMAX=$rss
        done
        c1=$(ticks "$pid")
        el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
        S_RSS=$(status_kb "$pid" VmRSS) S_HWM=$(status_kb "$pid" VmHWM)
        S_CPU=$(awk -v d=$((c1 - c0)) -v t="$TCK" -v e="$el" 'BEGIN { printf "%.3f", d / t / e * 100 }')
        if ((HAVE_PERF)); then
                wait "$perfpid" 2>/dev/null || true
                S_PERF=$(awk -F, -v e="$WINDOW" '$3 == "task-clock" { printf "%.4f", $1 / 1000 / e * 100 }' "$perf_out")
                S_CS=$(awk -F, -v e="$WINDOW" '$3 == "context-switches" { printf "%.1f", $1 / e }' "$perf_out")
        fi
        log "  RSS ${S_RSS} kB (max ${S_RSSMAX}), HWM ${S_HWM} kB, CPU ${S_CPU} % (ticks)${S_PERF:+, ${S_PERF} % (perf)}${S_CS:+, ${S_CS} switches/s}, $(threads "$pid") threads"
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cpu_text() { # the precise figure first when there is one
        if [[ -n ${2-} ]]; then echo "$2 % of a core over $WINDOW s (perf task-clock; /proc ticks: $1 %)"
        else echo "$1 % of a core over $WINDOW s (/proc ticks, 1/$TCK s resolution)"; fi
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { sort -g | head -n1; }
worst() { sort -g | tail -n1; }

random_ids() { # N random 40-hex account IDs, one per line
        od -An -v -tx1 -N $(($1 * 20)) /dev/urandom | tr -d ' \n' | fold -w40
        echo
}
# subscribe N random buddies in one setSubscriptions call; prints ms
subscribe_many() {
        local acc=$1 n=$2 list t0
        list="[$(random_ids "$n" | sed "/^$/d; s/.*/'&'/" | paste -sd,)]"
        t0=$(now)
        gdbus call --session --timeout 300 --dest "$BUS_NAME" --object-path /cx/ring/Ring/PresenceManager \
                --method cx.ring.Ring.PresenceManager.setSubscriptions "'$acc'" "$list" >/dev/null ||
                die "setSubscriptions of $n IDs failed"
        ms_since "$t0"
}
count_subs() { pb presence | wc -l; }

declare -A R   # results

# ---- 1. idle, one standalone account --------------------------------------
echo "peerbookd: $PEERBOOKD; keys: $KEY_LABEL bits; window: $WINDOW s" >&2
echo "== 1. idle daemon, 1 standalone account" >&2
D1=$TMP/data1
start_daemon "$D1"
t0=$(now)
ACC=$(pb account create) || die "account create failed"
R[create_first]=$(ms_since "$t0")
wait_registered
log "account $ACC registered; settling 5 s"
sleep 5
alive
sample idle1 "$DPID"
R[idle1_rss]=$S_RSS R[idle1_hwm]=$S_HWM R[idle1_cpu]=$S_CPU R[idle1_perf]=$S_PERF R[idle1_cs]=$S_CS
R[idle1_thr]=$(threads "$DPID")

# ---- 3a. restart -> REGISTERED, one account, no buddies ---------------------
# restarts DATA_DIR N: sets RESTART_MS (one figure per line)
restarts() {
        local t0 i
        RESTART_MS=
        for ((i = 0; i < $2; i++)); do
                stop_daemon
                t0=$(now)
                start_daemon "$1"
                wait_registered
                RESTART_MS+="$(ms_since "$t0")"$'\n'
        done
        log "restart -> REGISTERED (ms): $(echo "$RESTART_MS" | paste -sd' ')"
}
echo "== 3a. restart -> REGISTERED, 1 account, 0 buddies ($RESTARTS times)" >&2
restarts "$D1" "$RESTARTS"
R[restart0_best]=$(echo "$RESTART_MS" | sed '/^$/d' | best)
R[restart0_med]=$(echo "$RESTART_MS" | sed '/^$/d' | median)

# ---- 2. tracking N buddies, standalone ------------------------------------
echo "== 2. the daemon tracking $BUDDIES buddies, standalone node" >&2
log "settling 5 s after the restart; baseline RSS"
sleep 5
alive
R[base_rss]=$(status_kb "$DPID" VmRSS)
R[sub_ms]=$(subscribe_many "$ACC" "$BUDDIES")
n=$(count_subs)
[[ $n -eq $BUDDIES ]] || die "the daemon reports $n subscriptions, not $BUDDIES"
log "setSubscriptions of $BUDDIES IDs: ${R[sub_ms]} ms; RSS right after: $(status_kb "$DPID" VmRSS) kB; settling 10 s"
sleep 10
sample buddies_solo "$DPID"
R[solo_rss]=$S_RSS R[solo_hwm]=$S_HWM R[solo_cpu]=$S_CPU R[solo_perf]=$S_PERF R[solo_cs]=$S_CS

# ---- 3b. restart -> REGISTERED with the N subscriptions ---------------------
echo "== 3b. restart -> REGISTERED, 1 account, $BUDDIES buddies ($RESTARTS times)" >&2
restarts "$D1" "$RESTARTS"
R[restartN_best]=$(echo "$RESTART_MS" | sed '/^$/d' | best)
R[restartN_med]=$(echo "$RESTART_MS" | sed '/^$/d' | median)
sleep 5
alive
R[restartN_rss]=$(status_kb "$DPID" VmRSS)
stop_daemon

# ---- 2b. the same with a loopback dhtnode as bootstrap ----------------------
if ((NETWORK)); then
        echo "== 2b. 1 account bootstrapped from a loopback dhtnode, then $BUDDIES buddies" >&2
        for _ in $(seq 10); do
                PORT=$((40000 + RANDOM % 20000))
                dhtnode -s -p "$PORT" </dev/null >"$TMP/dhtnode.log" 2>&1 &
                DHTPID=$!
                sleep 0.5
                kill -0 "$DHTPID" 2>/dev/null && break
                DHTPID=
        done
        [[ -n $DHTPID ]] || die "cannot start dhtnode (see $TMP/dhtnode.log)"
        log "dhtnode pid $DHTPID on 127.0.0.1:$PORT"
        D2=$TMP/data2
        start_daemon "$D2"
        ACC2=$(pb account create --bootstrap "127.0.0.1:$PORT") || die "account create --bootstrap failed"
        wait_registered
        log "account $ACC2 registered; settling 5 s"
        sleep 5
        sample idle_net "$DPID"
        R[net1_rss]=$S_RSS R[net1_cpu]=$S_CPU R[net1_perf]=$S_PERF R[net1_cs]=$S_CS
        R[net_sub_ms]=$(subscribe_many "$ACC2" "$BUDDIES")
        n=$(count_subs)
        [[ $n -eq $BUDDIES ]] || die "the daemon reports $n subscriptions, not $BUDDIES"
        log "setSubscriptions of $BUDDIES IDs: ${R[net_sub_ms]} ms; settling 10 s"
        sleep 10
        sample buddies_net "$DPID"
        R[netN_rss]=$S_RSS R[netN_hwm]=$S_HWM R[netN_cpu]=$S_CPU R[netN_perf]=$S_PERF R[netN_cs]=$S_CS
        R[dht_rss]=$(status_kb "$DHTPID" VmRSS)
        stop_daemon
        kill -TERM "$DHTPID" 2>/dev/null || true
        wait "$DHTPID" 2>/dev/null || true
        DHTPID=
fi

# ---- 4. account creation time -------------------------------------------------
echo "== 4. account create x $ACCOUNTS (keys: $KEY_LABEL bits)" >&2
D3=$TMP/data3
start_daemon "$D3"
CREATE_MS=
for ((i = 0; i < ACCOUNTS; i++)); do
        t0=$(now)
        pb account create >/dev/null || die "account create failed"
        CREATE_MS+="$(ms_since "$t0")"$'\n'
done
log "account create (ms): $(echo "$CREATE_MS" | paste -sd' ')"
R[create_med]=$(echo "$CREATE_MS" | sed '/^$/d' | median)
R[create_max]=$(echo "$CREATE_MS" | sed '/^$/d' | worst)
stop_daemon

# ---- 5. other callers while accounts are being made ------------------------------
echo "== 5. getAccountList during $ACCOUNTS addAccount calls at once (keys: $KEY_LABEL bits)" >&2
D5=$TMP/data5
start_daemon "$D5"
add_account() {
        gdbus call --session --dest "$BUS_NAME" --object-path /cx/ring/Ring/ConfigurationManager \
                --method cx.ring.Ring.ConfigurationManager.addAccount "{'Account.alias': 'b'}" \
                >/dev/null
}
ADDS=()
t_all=$(now)
for ((i = 0; i < ACCOUNTS; i++)); do add_account & ADDS+=($!); done
LIST_MS=
for ((i = 0; i < 600; i++)); do # bounded: 600 x 200 ms at most
        running=0
        for pid in "${ADDS[@]}"; do kill -0 "$pid" 2>/dev/null && running=$((running + 1)); done
        ((running)) || break
        t0=$(now)
        gdbus call --session --dest "$BUS_NAME" --object-path /cx/ring/Ring/ConfigurationManager \
                --method cx.ring.Ring.ConfigurationManager.getAccountList >/dev/null
        LIST_MS+="$(ms_since "$t0")"$'\n'
        sleep 0.2
done
for pid in "${ADDS[@]}"; do wait "$pid" || die "addAccount failed"; done
R[adds_ms]=$(ms_since "$t_all")
R[list_n]=$(echo "$LIST_MS" | sed '/^$/d' | wc -l)
R[list_med]=$(echo "$LIST_MS" | sed '/^$/d' | median)
R[list_max]=$(echo "$LIST_MS" | sed '/^$/d' | worst)
log "getAccountList (ms): $(echo "$LIST_MS" | paste -sd' ')"
stop_daemon

# ---- results --------------------------------------------------------------------
per_buddy() { awk -v a="$1" -v b="$2" -v n="$BUDDIES" 'BEGIN { printf "%.2f", (b - a) / n }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "MISSED" }'; }
cpu1=${R[idle1_perf]:-${R[idle1_cpu]}}
solo_pb=$(per_buddy "${R[base_rss]}" "${R[solo_rss]}")
cat <<EOF

== peerbookd resource figures ($(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), keys $KEY_LABEL bits)
idle RSS, 1 account: $(mb "${R[idle1_rss]}") MiB (VmHWM $(mb "${R[idle1_hwm]}") MiB) [target <= 16 MB: $(verdict "$(mb "${R[idle1_rss]}")" 16); Jami: 64 MB]
idle CPU, 1 account: $(cpu_text "${R[idle1_cpu]}" "${R[idle1_perf]}") [target <= 0.05 %: $(verdict "$cpu1" 0.05)]
idle wake-ups, 1 account: ${R[idle1_cs]:-n/a} context switches/s; ${R[idle1_thr]} threads
RSS after a restart, 1 account, before subscribing: $(mb "${R[base_rss]}") MiB
setSubscriptions of $BUDDIES IDs (one D-Bus call), standalone: ${R[sub_ms]} ms
RSS, $BUDDIES buddies, standalone node: $(mb "${R[solo_rss]}") MiB (VmHWM $(mb "${R[solo_hwm]}") MiB)
per tracked buddy, standalone node: ${solo_pb} KB [target <= 64 KB: $(verdict "$solo_pb" 64)]
CPU, $BUDDIES buddies, standalone node: $(cpu_text "${R[solo_cpu]}" "${R[solo_perf]}"); ${R[solo_cs]:-n/a} switches/s
EOF
if ((NETWORK)); then
        net_pb=$(per_buddy "${R[net1_rss]}" "${R[netN_rss]}")
        cat <<EOF
idle RSS, 1 account on a loopback dhtnode: $(mb "${R[net1_rss]}") MiB
idle CPU, 1 account on a loopback dhtnode: $(cpu_text "${R[net1_cpu]}" "${R[net1_perf]}"); ${R[net1_cs]:-n/a} switches/s
setSubscriptions of $BUDDIES IDs, networked: ${R[net_sub_ms]} ms
RSS, $BUDDIES buddies, networked: $(mb "${R[netN_rss]}") MiB (VmHWM $(mb "${R[netN_hwm]}") MiB)
per tracked buddy, networked: ${net_pb} KB [target <= 64 KB: $(verdict "$net_pb" 64)]
CPU, $BUDDIES buddies, networked: $(cpu_text "${R[netN_cpu]}" "${R[netN_perf]}"); ${R[netN_cs]:-n/a} switches/s
dhtnode (bootstrap) RSS with $BUDDIES listens: $(mb "${R[dht_rss]}") MiB
EOF
fi
cat <<EOF
restart -> REGISTERED, 1 account, 0 buddies: best ${R[restart0_best]} ms, median ${R[restart0_med]} ms of $RESTARTS [target <= 150 ms: $(verdict "${R[restart0_med]}" 150)]
restart -> REGISTERED, 1 account, $BUDDIES buddies: best ${R[restartN_best]} ms, median ${R[restartN_med]} ms of $RESTARTS [target <= 150 ms: $(verdict "${R[restartN_med]}" 150)]
RSS 5 s after that restart ($BUDDIES buddies): $(mb "${R[restartN_rss]}") MiB
account create, first (empty daemon): ${R[create_first]} ms
account create x $ACCOUNTS: median ${R[create_med]} ms, max ${R[create_max]} ms
$ACCOUNTS addAccount at once: all made in ${R[adds_ms]} ms; getAccountList meanwhile (${R[list_n]} calls, gdbus start-up included): median ${R[list_med]} ms, max ${R[list_max]} ms
EOF
