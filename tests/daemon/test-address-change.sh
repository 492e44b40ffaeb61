#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A device whose address changes is back within seconds (issue 10, item 3):
# two daemons in two network namespaces made for this run, joined by a veth
# pair (10.231.0.1 and 10.231.0.2, addresses that exist only inside them),
# contacts with a direct channel. Alice's address then moves to 10.231.0.3,
# as a laptop's does on another network; her daemon hears it (netlink),
# tells OpenDHT, checks its channel with a beacon and dials again, and Bob
# sees her connected with the note she published after the move. Then the
# same through D-Bus connectivityChanged; and a bootstrap name that does not
# resolve is named in the registration detail. Needs root and iproute2: skipped
# (77) elsewhere. The namespaces are named per run and deleted at exit.
#
# usage: test-address-change.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"
netns_pair 10.231.0

# seen_moved NOTE: Bob's presence shows Alice connected with NOTE
seen() { pb B presence 2>/dev/null | grep -qx "$ID_A connected $1"; }
export -f seen pb
export CLI ID_A
now_ms() { date +%s%3N; }

start_in "$NS_B" B
check "bob: a standalone account" pb B account create --alias bob
ID_B=$(cat "$T/out")
check "bob registers" pb B wait-registered --timeout 30
PORT_B=$(pb B --json account show | sed -n 's/.*"Account.dhtPort":"\([0-9]*\)".*/\1/p')
start_in "$NS_A" A
check "alice: an account bootstrapping from bob's address" \
        pb A account create --alias alice --bootstrap "10.231.0.2:$PORT_B"
ID_A=$(cat "$T/out")
export ID_A
check "alice registers" pb A wait-registered --timeout 30
check "alice asks bob" pb A contact add "$ID_B"
check "bob gets the request" pb B watch --event trustRequest --count 1 --timeout 45
check "bob accepts" pb B accept "$ID_A"
check "alice publishes a note" pb A publish "at home"
expect "bob sees alice connected, 'at home'" 30 seen "at home"

# ---- the address moves -------------------------------------------------------------
t0=$(now_ms)
ip -n "$NS_A" addr del 10.231.0.1/24 dev vA # (deleting a primary address
ip -n "$NS_A" addr add 10.231.0.3/24 dev vA # also deletes its subnet's others)
check "alice publishes a note after the move" pb A publish "at work"
expect "bob sees alice connected again, 'at work', within 20 s" 20 seen "at work"
echo "# address moved -> bob sees alice's new note on a new channel: $(( $(now_ms) - t0 )) ms"

# ---- and back, told through D-Bus ---------------------------------------------------
t0=$(now_ms)
ip -n "$NS_A" addr del 10.231.0.3/24 dev vA
ip -n "$NS_A" addr add 10.231.0.1/24 dev vA
check "connectivityChanged on alice's daemon" \
        gdbus call --session --dest net.peerbook.TestA --object-path /cx/ring/Ring/ConfigurationManager \
        --method cx.ring.Ring.ConfigurationManager.connectivityChanged
check "alice publishes another note" pb A publish "home again"
expect "bob sees it within 20 s" 20 seen "home again"
echo "# moved back -> bob sees the note: $(( $(now_ms) - t0 )) ms"

# ---- a bootstrap name that does not resolve here -----------------------------------
start_in "$NS_A" C --no-lan # the bootstrap alone: alice's node is on this LAN
check "carol: an account whose bootstrap name does not resolve" \
        pb C account create --alias carol --bootstrap "nonexistent.invalid:4222"
detail() { pb C --json account show 2>/dev/null |
           grep -q '"Account.registrationDescription":"bootstrap host nonexistent.invalid does not resolve ([^)]*); retrying"'; }
export -f detail
expect "its registration detail names the host that does not resolve, within 10 s" 10 detail
pb C --json account show | grep -o '"Account.registrationDescription":"[^"]*"' | sed 's/^/# /'
pb C --json account show >"$T/out" 2>&1
check_output "it stays TRYING" '"Account.registrationStatus":"TRYING"'
ID_C=$(pb C account list | head -n 1)
check "carol: account set --public (Jami's public network)" pb C account set "$ID_C" --public
pb C --json account show >"$T/out" 2>&1
check_output "Account.hostname is Jami's bootstrap" '"Account.hostname":"bootstrap.jami.net:4222"'
public_detail() { pb C --json account show 2>/dev/null |
                  grep -q '"Account.registrationDescription":"bootstrap host bootstrap.jami.net does not resolve ([^)]*); retrying"'; }
export -f public_detail
expect "offline here, its detail names it within 10 s" 10 public_detail
check_fails "--public and --bootstrap together are a usage error" \
        "give --public or --bootstrap, not both" pb C account set "$ID_C" --public --bootstrap 10.231.0.2
stop_daemon C

stop_daemon A
stop_daemon B
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
