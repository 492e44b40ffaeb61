#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# LAN discovery with Debian's Jami daemon (issue 10): jamid in one network
# namespace and peerbookd in another, made for this run and joined by a veth
# pair (10.235.0.1 and .2, addresses that exist only inside them), both on
# one private session bus (a path socket, reachable from both). Neither has
# a bootstrap: Jami's account has its three discovery flags on
# (peerDiscovery, accountDiscovery, accountPublish), peerbook's publishes
# itself. Each hears the other nearby (nearbyPeerNotification,
# getNearbyPeers), and their DHT nodes find each other on the LAN, so Jami's
# account registers through peerbook's node and each sees the other's
# presence. A second peerbookd beside jamid, in its namespace, shares port
# 8888 with jamid's PeerDiscovery: each hears the other. Needs root and
# iproute2 besides jamid: skipped (77) elsewhere.
#
# usage: test-interop-lan.sh PEERBOOKD PEERBOOK NETLINK_FIX_SO
set -u

PEERBOOKD=$1 CLI=$2 SHIM=$3
INTEROP_NETNS=0 # the namespaces are made below, not lib.sh's one
. "$(dirname "$0")/lib.sh"
netns_pair 10.235.0
IN_NS_JAMID=(ip netns exec "$NS_A")
IN_NS_PEERBOOKD=(ip netns exec "$NS_B" env -u PEERBOOKD_NO_LAN)

# pbcall INTERFACE METHOD ARGS...: a call to peerbookd, as jami() to jamid
pbcall() { local itf=$1 method=$2; shift 2
           gdbus call --session --dest net.peerbook.Interop --object-path "/cx/ring/Ring/$itf" \
                   --method "cx.ring.Ring.$itf.$method" "$@"; }
export -f pbcall

start_peerbookd
gdbus monitor --session --dest net.peerbook.Interop >"$T/peerbook.monitor" 2>&1 &
BACKGROUND+=($!)
check "peerbook: an account with no bootstrap, published on the LAN" \
        pbcall ConfigurationManager addAccount "{'Account.type': 'RING', 'Account.alias': 'pb-lan',
                                                 'Account.accountPublish': 'true'}"
PB=$(sed -n "s/^('\\([0-9a-f]*\\)',)\$/\\1/p" "$T/out")
check "peerbook registers (standalone)" pb wait-registered --account "$PB" --timeout 30

start_jamid
jami_add_account "Jami: addAccount with no bootstrap and the three discovery flags on" \
        "{'Account.type': 'RING', 'Account.alias': 'jami-lan', 'Account.displayName': 'Jami LAN',
          'Account.archivePassword': '', 'Account.hostname': '', 'Account.upnpEnabled': 'false',
          'TURN.enable': 'false', 'STUN.enable': 'false', 'Account.peerDiscovery': 'true',
          'Account.accountDiscovery': 'true', 'Account.accountPublish': 'true',
          'RingNS.uri': 'http://127.0.0.1:9'}" || exit 1
ok "Jami's account registered through peerbook's node, found on the LAN (it has no bootstrap)"
echo "# peerbook $PB, Jami $JID (daemon's account $JA)"

# ---- nearby, both ways ------------------------------------------------------------------
check_file "Jami: nearbyPeerNotification(peerbook, status 0, 'pb-lan')" 40 "$T/jami.monitor" \
        "nearbyPeerNotification ('$JA', '$PB', 0, 'pb-lan')"
check "Jami: getNearbyPeers" jami ConfigurationManager getNearbyPeers "$JA"
check_output "lists peerbook" "'$PB': 'pb-lan'"
check_file "peerbook: nearbyPeerNotification(Jami, status 0, 'Jami LAN')" 40 "$T/peerbook.monitor" \
        "nearbyPeerNotification ('$PB', '$JID', 0, 'Jami LAN')"
check "peerbook: getNearbyPeers" pbcall ConfigurationManager getNearbyPeers "$PB"
check_output "lists Jami" "'$JID': 'Jami LAN'"

# ---- presence over the DHT the two nodes made -------------------------------------------
check "peerbook: subscribeBuddy(Jami)" pbcall PresenceManager subscribeBuddy "$PB" "$JID" true
jami_online() { pb presence --account "$PB" | grep -q "^$JID online"; }
export -f jami_online
export PB JID
if wait_for 60 jami_online; then ok "peerbook sees Jami online"; else not_ok "peerbook sees Jami online"; fi
check "Jami: subscribeBuddy(peerbook)" jami PresenceManager subscribeBuddy "$JA" "$PB" true
# Jami 2023: newBuddyNotification(s account, s uri, b status, s lineStatus)
check_file "Jami sees peerbook online" 60 "$T/jami.monitor" \
        "newBuddyNotification ('$JA', '$PB', true, "

# ---- on jamid's own host: port 8888 shared with its PeerDiscovery ----------------------
ip netns exec "$NS_A" env -u PEERBOOKD_NO_LAN "$PEERBOOKD" --bus-name net.peerbook.Interop2 \
        --data-dir "$T/peerbook2" --key-bits 2048 2>"$T/peerbookd2.log" &
PID[peerbookd2]=$!
if wait_for 20 grep -q "acquired the name" "$T/peerbookd2.log"; then ok "a second peerbookd beside jamid"
else not_ok "a second peerbookd beside jamid"; fi
check "its account, published" gdbus call --session --dest net.peerbook.Interop2 \
        --object-path /cx/ring/Ring/ConfigurationManager --method cx.ring.Ring.ConfigurationManager.addAccount \
        "{'Account.type': 'RING', 'Account.alias': 'pb-beside-jami', 'Account.accountPublish': 'true'}"
PB2=$(sed -n "s/^('\\([0-9a-f]*\\)',)\$/\\1/p" "$T/out")
check_file "Jami hears it on its own host (nearbyPeerNotification)" 40 "$T/jami.monitor" \
        "nearbyPeerNotification ('$JA', '$PB2', 0, 'pb-beside-jami')"
pb2_hears_jami() { gdbus call --session --dest net.peerbook.Interop2 --object-path /cx/ring/Ring/ConfigurationManager \
                   --method cx.ring.Ring.ConfigurationManager.getNearbyPeers "$PB2" | grep -q "'$JID': 'Jami LAN'"; }
export -f pb2_hears_jami
export PB2
if wait_for 40 pb2_hears_jami; then ok "and it hears Jami (its query answered, unicast, to its own port)"
else not_ok "and it hears Jami (its query answered, unicast, to its own port)"; fi

finish "discovery" "discover|PeerDiscovery|nearby|bootstrap"
