# SPDX-License-Identifier: GPL-3.0-or-later
#
# netns.sh — network namespaces for the tests that need more than loopback
# (LAN discovery, address changes). Sourced by tests/daemon/lib.sh and
# tests/interop/lib.sh, after they define cleanup().

# netns_pair SUBNET: two network namespaces made for this run, NS_A and NS_B,
# joined by a veth pair vA (SUBNET.1/24) and vB (SUBNET.2/24) with a route
# for multicast: addresses that exist only inside them. They are deleted at
# exit. Skips the test (77) where they cannot be made (not root, no
# iproute2, no namespaces).
netns_pair() {
        if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
                echo "1..0 # SKIP needs root and iproute2 (ip netns)"
                exit 77
        fi
        NS_A=pb$$a NS_B=pb$$b
        trap 'cleanup; ip netns del "$NS_A" 2>/dev/null; ip netns del "$NS_B" 2>/dev/null' EXIT
        if ! ip netns add "$NS_A" 2>/dev/null || ! ip netns add "$NS_B" 2>/dev/null ||
           ! ip link add vA netns "$NS_A" type veth peer name vB netns "$NS_B" 2>/dev/null; then
                echo "1..0 # SKIP cannot create network namespaces here"
                exit 77
        fi
        local ns dev i=1
        for ns in "$NS_A" "$NS_B"; do
                dev=v$([ "$ns" = "$NS_A" ] && echo A || echo B)
                ip -n "$ns" link set lo up
                ip -n "$ns" addr add "$1.$i/24" dev "$dev"
                ip -n "$ns" link set "$dev" up
                ip -n "$ns" route add 224.0.0.0/4 dev "$dev"
                i=$((i + 1))
        done
}
