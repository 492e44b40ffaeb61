#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's first command: installs what is missing (Debian 12, apt-get),
# builds, and runs peerbook on the embedded default: a daemon whose account
# runs a standalone DHT node on this machine (no outside bootstrap). Where no
# session bus runs (a fresh server), it brings one up and says how to reach it.
# Then it prints the live events until Ctrl-C, which stops the daemon cleanly;
# a session bus it started is stopped too, unless other programs still use it
# (the walkthrough's second daemon): then it says so and how to stop it.
#
#   scripts/run.sh [--data-dir DIR] [--build-dir DIR] [--bus-name NAME]
#                  [--no-build] [--once]
#   --once: set up, check the account registers, stop (scripts and tests)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

data_dir=${XDG_DATA_HOME:-$HOME/.local/share}/peerbook
build_dir=$top/build/run
bus_name=net.peerbook.Daemon
do_build=1
once=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --bus-name) bus_name=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --once) once=1; shift ;;
    -h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$do_build" = 1 ]; then
  ./scripts/install-deps.sh
  echo "== building in $build_dir"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build_dir" --target peerbookd peerbook_cli >/dev/null
fi
build_dir=$(cd "$build_dir" 2>/dev/null && pwd || echo "$build_dir")
peerbookd=$build_dir/daemon/peerbookd
cli=$build_dir/cli/peerbook
for bin in "$peerbookd" "$cli"; do
  [ -x "$bin" ] || { echo "run.sh: '$bin' is missing: build first (drop --no-build)" >&2; exit 1; }
done
mkdir -p "$data_dir"
pb() { "$cli" --bus-name "$bus_name" "$@"; }

bus_pid=""
daemon_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"   # a clean stop: watchers see this device go offline
    wait "$daemon_pid" 2>/dev/null || true
    echo "== stopped the daemon"
  fi
  [ -n "$bus_pid" ] || return 0
  # Connections other than this query's own: programs still on our bus.
  local others
  others=$(timeout 3 gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
             -m org.freedesktop.DBus.ListNames 2>/dev/null | grep -o "':[0-9.]*'" | wc -l)
  if [ "${others:-0}" -gt 1 ]; then
    echo "== left the session bus running (pid $bus_pid): $((others - 1)) other program(s) use it;"
    echo "   stop it with: kill $bus_pid"
  else
    kill "$bus_pid" 2>/dev/null || true
    rm -f "$data_dir/session-bus.env"
    echo "== stopped the session bus it started"
  fi
  bus_pid=""
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# A session bus: the user's, or one of our own on a machine without any.
bus_ok() { [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] &&
           timeout 3 gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
             -m org.freedesktop.DBus.GetId >/dev/null 2>&1; }
if ! bus_ok; then
  bus_info=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
  DBUS_SESSION_BUS_ADDRESS=$(echo "$bus_info" | sed -n 1p)
  bus_pid=$(echo "$bus_info" | sed -n 2p)
  export DBUS_SESSION_BUS_ADDRESS
  echo "export DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS'" >"$data_dir/session-bus.env"
  echo "== no session bus was running: started one (pid $bus_pid)"
fi

"$peerbookd" --bus-name "$bus_name" --data-dir "$data_dir" &
daemon_pid=$!
for _ in $(seq 1 100); do   # up to 10 s for the daemon to own its name
  pb account list >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { echo "run.sh: peerbookd exited" >&2; exit 1; }
  sleep 0.1
done

accounts=$(pb account list)
if [ -z "$accounts" ]; then
  echo "== creating an account (RSA-4096 keys: a few seconds)"
  account=$(pb account create --alias "$(whoami)@$(hostname)")
else
  account=$(echo "$accounts" | head -n 1)
fi
pb wait-registered --account "$account" --timeout 30
port=$(pb --json account show "$account" | sed -n 's/.*"Account.dhtPort": *"\([0-9]*\)".*/\1/p')

echo
if [ "$once" = 1 ]; then
  echo "peerbook works (--once: it stops now): bus name $bus_name, data in $data_dir"
else
  echo "peerbook is running: daemon pid $daemon_pid, bus name $bus_name, data in $data_dir"
fi
cat <<EOF
  account   $account
  DHT node  UDP port ${port:-?}, standalone (others can bootstrap from 127.0.0.1:${port:-PORT})

Next, in another terminal$([ "$once" = 1 ] && echo " (after 'scripts/run.sh' without --once)"):
  export PATH=$(dirname "$cli"):\$PATH
EOF
[ -n "$bus_pid" ] && echo "  source $data_dir/session-bus.env        # reach this private session bus"
cat <<EOF
  peerbook presence                           # your subscriptions and their status
  peerbook subscribe FRIEND_ID                # watch a friend come and go
  peerbook contact add FRIEND_ID --message hi # send a trust request
  peerbook requests; peerbook accept ID; peerbook contacts
A second daemon (a friend, here on the same machine) joins this DHT with:
  $peerbookd --bus-name net.peerbook.Friend --data-dir /tmp/friend &
  peerbook --bus-name net.peerbook.Friend account create --bootstrap 127.0.0.1:${port:-PORT}
(README.md, "Try it", walks through it.)
EOF

if [ "$once" = 1 ]; then
  cleanup
  exit 0
fi
echo
echo "== live events (Ctrl-C stops the daemon cleanly)"
pb watch --account "$account" || true
