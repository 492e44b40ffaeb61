#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's walkthrough ("Try it: two people on one machine"), its lines
# taken from README.md and evaluated one by one in one bash, as a reader
# pasting them would: Alice's daemon runs (as run.sh leaves it), on the
# default bus name of a private session bus; each line must succeed, and
# then Alice and Bob must be confirmed contacts.
#
# usage: test-walkthrough.sh PEERBOOKD PEERBOOK
set -u

# Bob's node finds Alice's on the LAN, as the README says: where we may
# (root), in a network namespace of the test's own with a veth pair, the
# only interface that takes multicast (10.236.0.1 exists only inside it),
# and LAN discovery allowed. Elsewhere, Bob is given Alice's node as the
# README says to do without a LAN.
if [ -z "${WALKTHROUGH_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
   unshare --net true 2>/dev/null; then
        WALKTHROUGH_NETNS=1 exec unshare --net -- bash -c 'ip link set lo up &&
                ip link add pw0 type veth peer name pw1 && ip link set pw0 up && ip link set pw1 up &&
                ip addr add 10.236.0.1/24 dev pw0 && exec env -u PEERBOOKD_NO_LAN "$0" "$@"' "$0" "$@"
fi

source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$(dirname "$PEERBOOKD")/.." && pwd)

# Alice, as run.sh leaves her: a daemon on the default name, one account.
"$PEERBOOKD" --data-dir "$T/alice" --key-bits 2048 2>"$T/alice.log" &
PID[alice]=$!
wait_for 20 grep -q "acquired the name" "$T/alice.log" && ok "Alice's daemon is up" \
        || not_ok "Alice's daemon is up"
check "Alice has an account" "$CLI" account create --alias alice
check "Alice is registered" "$CLI" wait-registered --timeout 30

# The walkthrough, from a checkout whose build/run is ours.
awk '/^## Try it/ { t = 1 } t && /^```sh$/ { s = 1; next } s && /^```$/ { exit } s' \
        "$top/README.md" >"$T/walkthrough.sh"
if [ -z "${WALKTHROUGH_NETNS:-}" ]; then
        echo "# no namespace of our own: Bob bootstraps from Alice's node"
        sed -i 's/account create --alias bob)/account create --alias bob --bootstrap 127.0.0.1:$(peerbook account show | sed -n "s\/^Account.dhtPort: \/\/p"))/' \
                "$T/walkthrough.sh"
fi
[ "$(wc -l <"$T/walkthrough.sh")" -gt 10 ] && ok "the README has the walkthrough" \
        || not_ok "the README has the walkthrough"
mkdir -p "$T/checkout/build" && ln -s "$build" "$T/checkout/build/run"
timeout 180 bash -c '
        cd "$1" || exit 1
        while IFS= read -r line; do
                case "$line" in "#"*) continue ;; esac
                if eval "$line" >"$2" 2>&1 </dev/null; then echo "ok - README: $line"
                else echo "not ok - README: $line"; tail -n 5 "$2" | sed "s/^/#   /"; fi
                cat "$2" >>"$3"
        done
        echo "$ALICE_ID $BOB_ID" >"$4"
        kill $(jobs -p) 2>/dev/null; wait' \
        bash "$T/checkout" "$T/line.out" "$T/walkthrough.out" "$T/ids" \
        <"$T/walkthrough.sh" >"$T/walkthrough.tap"
cat "$T/walkthrough.tap"
passed=$((passed + $(grep -c '^ok' "$T/walkthrough.tap")))
failed=$((failed + $(grep -c '^not ok' "$T/walkthrough.tap")))
n=$((n + $(grep -c '^\(not \)\?ok' "$T/walkthrough.tap")))
[ "$(grep -c 'ok - README' "$T/walkthrough.tap")" = "$(grep -cv '^#' "$T/walkthrough.sh")" ] \
        && ok "every line of the walkthrough ran" || not_ok "every line of the walkthrough ran"

read -r ALICE_ID BOB_ID <"$T/ids"
confirmed() { "$CLI" contact show "$1" | grep -q '^confirmed: true'; }
export -f confirmed
wait_for 30 confirmed "$BOB_ID" && ok "Alice has Bob as a confirmed contact" \
        || not_ok "Alice has Bob as a confirmed contact"
grep -q "^$ALICE_ID confirmed" "$T/walkthrough.out" && ok "Bob listed Alice as confirmed" \
        || not_ok "Bob listed Alice as confirmed"

grep -q "^$ALICE_ID connected Déjeuner 🍽 <back at 2>$" "$T/walkthrough.out" \
        && ok "Bob saw Alice connected (2) with her note" \
        || not_ok "Bob saw Alice connected (2) with her note"
stop_daemon alice
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
