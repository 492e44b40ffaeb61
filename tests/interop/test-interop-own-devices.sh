#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One account, a Jami device and a peerbook device (issue 9): a Jami account
# made by Debian's jamid (2023) is exported and imported into peerbookd, so
# the account has two devices, jamid's and peerbook's, on one local DHT
# (jamid bootstraps from a peerbook node). Each lists the other: Jami's
# getKnownRingDevices gets peerbook's device (its 64-hex long id, then its
# name from our DeviceSync) and says so with knownDevicesChanged; peerbook's
# `device list` gets Jami's device and its name from Jami's DeviceSync. A
# contact added on either appears on the other (Jami's contactAdded), so do
# removals, bans and renames; a request accepted on Jami settles on peerbook;
# each, started after a change on the other, catches up.
# Set-up as test-interop-jami.sh (lib.sh); skipped (77) without jamid.
#
# usage: test-interop-own-devices.sh PEERBOOKD PEERBOOK NETLINK_FIX_SO
set -u

PEERBOOKD=$1 CLI=$2 SHIM=$3
. "$(dirname "$0")/lib.sh"

X1=0123456789abcdef0123456789abcdef01234567   # contacts: no one runs them
X2=89abcdef0123456789abcdef0123456789abcdef
# pb_lists PATTERN: peerbook's `device list` of the account has a line matching it
pb_lists() { pb device list --account "$ID" >"$T/pblist" 2>&1 && grep -q -- "$1" "$T/pblist"; }
# jami_lists PATTERN: Jami's getKnownRingDevices has an entry matching it
jami_lists() { jami ConfigurationManager getKnownRingDevices "$JA" >"$T/jlist" 2>&1 &&
               grep -q -- "$1" "$T/jlist"; }
jami_has_contact() { jami ConfigurationManager getContacts "$JA" | grep -q "'id': '$1'"; }
pb_has_contact() { [ "$(contact_json "$ID" "$1")" != null ]; }
# pb_removed URI: not listed, or listed as removed after it was added
pb_removed() { contact_json "$ID" "$1" | jq -e '. == null or .removed >= .added' >/dev/null; }
export -f pb_lists jami_lists jami_has_contact pb_has_contact pb_removed
expect() { # DESC SECONDS CMD...
        local d=$1 s=$2; shift 2
        if wait_for "$s" "$@"; then ok "$d"; else not_ok "$d"; fi
}

start_peerbookd
start_bootstrap
start_jamid

jami_add_account "Jami: addAccount (RING, bootstrap 127.0.0.1:$PORT)" \
        "{'Account.alias': 'jami', 'Account.archivePassword': '', $(jami_local_details "$PORT")}" || exit 1
export JA
check "Jami: name its device jami-dev" jami ConfigurationManager setAccountDetails "$JA" \
        "{'Account.deviceName': 'jami-dev'}"
wait_for 30 jami_registered "$JA"
# Its only device yet: its own (getAccountDetails does not give the long id).
check "Jami: getKnownRingDevices" jami ConfigurationManager getKnownRingDevices "$JA"
LONG_J=$(grep -o "'[0-9a-f]\{64\}'" "$T/out" | tr -d "'")
[ "$(echo "$LONG_J" | grep -c .)" = 1 ] && ok "Jami: one device, a 64-hex long id" ||
        not_ok "Jami: one device, a 64-hex long id"
expect "Jami names its own device jami-dev" 10 jami_lists "'$LONG_J': 'jami-dev'"
check "Jami: exportToFile without a password" jami ConfigurationManager exportToFile "$JA" "$T/j.gz" ""

check "peerbook: import Jami's archive: a second device of $JID" \
        pb account import "$T/j.gz" --bootstrap "127.0.0.1:$PORT"
ID=$(cat "$T/out")
export ID
[ "$ID" = "$JID" ] && ok "peerbook: same account ID" || not_ok "peerbook: same account ID ($ID)"
check "peerbook: its device is named pb-dev" pb device rename pb-dev --account "$ID"
check "peerbook: the account registers" pb wait-registered --account "$ID" --timeout 30
LONG_P=$(pb --json account show "$ID" | sed -n 's/.*"Account.peerbookDeviceLongId":"\([0-9a-f]*\)".*/\1/p')
[ ${#LONG_P} = 64 ] && ok "peerbook's device has a 64-hex long id" ||
        not_ok "peerbook's device has a 64-hex long id ($LONG_P)"
t0=$SECONDS

# ---- the device lists --------------------------------------------------------------
expect "Jami: getKnownRingDevices lists peerbook's device within 30 s" 30 jami_lists "'$LONG_P'"
echo "# Jami listed peerbook's device after $((SECONDS - t0)) s"
check_file "Jami: knownDevicesChanged with peerbook's device" 5 "$T/jami.monitor" \
        "knownDevicesChanged ('$JA', {.*'$LONG_P'"
expect "Jami: peerbook's device named pb-dev (our DeviceSync) within 30 s" 30 jami_lists "'$LONG_P': 'pb-dev'"
expect "peerbook: device list lists Jami's device within 30 s" 30 pb_lists "^$LONG_J"
echo "# peerbook listed Jami's device after $((SECONDS - t0)) s"
# Jami sends its DeviceSync after each change of contacts (and at each start).
check "Jami: addContact($X1)" jami ConfigurationManager addContact "$JA" "$X1"
expect "peerbook: Jami's device named jami-dev (Jami's DeviceSync) within 30 s" 30 \
        pb_lists "^$LONG_J jami-dev\$"
grep -q "^$LONG_P pb-dev (this device)\$" "$T/pblist" && ok "peerbook lists itself" ||
        not_ok "peerbook lists itself"

# ---- contacts both ways ------------------------------------------------------------
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
expect "peerbook: Jami's contact $X1 within 30 s" 30 pb_has_contact "$X1"
t1=$(date +%s%N)
check "peerbook: contact add $X2" pb contact add --account "$ID" "$X2"
expect "Jami: getContacts has peerbook's contact $X2 within 30 s" 30 jami_has_contact "$X2"
echo "# peerbook → Jami: $(ms "$t1") ms (polling getContacts every 0.1 s)"
check_file "Jami: contactAdded($X2)" 5 "$T/jami.monitor" "contactAdded ('$JA', '$X2'"
check "Jami: removeContact($X1)" jami ConfigurationManager removeContact "$JA" "$X1" false
t1=$(date +%s%N)
expect "peerbook: $X1 removed within 30 s" 30 pb_removed "$X1"
echo "# Jami → peerbook: $(ms "$t1") ms (polling \`contacts\` every 0.1 s)"
# Jami's syncs come from a device of ours, each newer than the last: none dropped.
dropped=$(pb --json account show "$ID" | sed -n 's/.*"Account.peerbookDroppedSyncs":"\([0-9]*\)".*/\1/p')
[ "$dropped" = 0 ] && ok "peerbook dropped none of Jami's syncs" ||
        not_ok "peerbook dropped none of Jami's syncs ($dropped dropped)"

check "peerbook: ban $X2" pb contact remove --account "$ID" "$X2" --ban
check_file "Jami: contactRemoved($X2, banned)" 30 "$T/jami.monitor" "contactRemoved ('$JA', '$X2', true)"

# ---- renames ----------------------------------------------------------------------
check "peerbook: rename its device pb-renamed" pb device rename pb-renamed --account "$ID"
expect "Jami: peerbook's device now pb-renamed within 30 s" 30 jami_lists "'$LONG_P': 'pb-renamed'"
check "Jami: rename its device jami-renamed" jami ConfigurationManager setAccountDetails "$JA" \
        "{'Account.deviceName': 'jami-renamed'}"
expect "peerbook: Jami's device now jami-renamed within 30 s" 30 pb_lists "^$LONG_J jami-renamed\$"

# ---- a request to the account, accepted on Jami ------------------------------------
# Q's request goes to every device of the account (both announce on its hash);
# Jami's acceptTrustRequest is followed by its DeviceSync: the contact is
# confirmed on peerbook too and peerbook's pending request settles.
pb_pending() { pb --json requests --account "$ID" 2>/dev/null | grep -q "$1"; }
export -f pb_pending
check "peerbook: an account Q" pb account create --alias q --bootstrap "127.0.0.1:$PORT"
Q=$(cat "$T/out")
check "Q registers" pb wait-registered --account "$Q" --timeout 30
check "Q: contact add the account" pb contact add --account "$Q" "$ID" --message hi
check_file "Jami: incomingTrustRequest from Q" 45 "$T/jami.monitor" "incomingTrustRequest ('$JA', '[0-9a-f]*', '$Q'"
expect "peerbook's device: Q's request pending" 45 pb_pending "$Q"
check "Jami: acceptTrustRequest(Q)" jami ConfigurationManager acceptTrustRequest "$JA" "$Q"
expect "peerbook's device: Q a confirmed contact within 30 s" 30 pb_confirmed "$ID" "$Q"
expect "peerbook's device: Q's request settled within 30 s" 30 bash -c "! pb_pending $Q"

# ---- the peerbook device started later ---------------------------------------------
kill -TERM "${PID[peerbookd]}"
wait_for 10 bash -c "! kill -0 ${PID[peerbookd]} 2>/dev/null"
X3=fedcba9876543210fedcba9876543210fedcba98
check "Jami (peerbook stopped): addContact($X3)" jami ConfigurationManager addContact "$JA" "$X3"
sleep 2 # Jami's DeviceSync to peerbook's inbox: put while peerbook is off
start_peerbookd
t1=$(date +%s%N)
expect "peerbook, started later: Jami's contact $X3 within 30 s" 30 pb_has_contact "$X3"
echo "# caught up $(ms "$t1") ms after peerbookd owned its name"

# ---- jamid started later -----------------------------------------------------------
kill -TERM "${PID[jamid]}"
if wait_for 20 bash -c "! kill -0 ${PID[jamid]} 2>/dev/null"; then ok "jamid stops on SIGTERM"
else not_ok "jamid stops on SIGTERM"; fi
X4=76543210fedcba9876543210fedcba9876543210
check "peerbook (jamid stopped): contact add $X4" pb contact add --account "$ID" "$X4"
sleep 2 # peerbook's DeviceSync to Jami's inbox: put while jamid is off
mv "$T/jamid.log" "$T/jamid-1.log"
start_jamid
expect "Jami: the account registers again" 60 jami_registered "$JA"
t1=$(date +%s%N)
expect "Jami, started later: peerbook's contact $X4 within 30 s" 30 jami_has_contact "$X4"
echo "# caught up $(ms "$t1") ms after the account registered"
expect "Jami, started later: still lists peerbook's device" 5 jami_lists "'$LONG_P': 'pb-renamed'"

finish "devices, sync" "sync|known device|account device|certificate|inbox"
