#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What a hostile or careless caller did to peerbookd, on a private session bus
# with one real daemon (standalone node on 127.0.0.1): each call must answer
# at once, with one clear line. Each check failed before its fix.
#
# usage: test-daemon-hostile.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

gd() { local obj=$1 method=$2; shift 2
       gdbus call --session --dest net.peerbook.TestA --object-path "/cx/ring/Ring/$obj" \
               --method "cx.ring.Ring.$obj.$method" "$@"; }
export -f gd

check_fails "--system is refused as not supported" "^peerbookd: --system is not supported" \
        "$PEERBOOKD" --system --bus-name net.peerbook.TestSystem --data-dir "$T/S"

start_daemon A
check "create an account" pb A account create --alias alice
ID=$(cat "$T/out")

# A FIFO as the archive used to block the daemon's only thread until someone
# wrote to it: now an error at once, and the daemon still answers.
mkfifo "$T/archive.fifo"
check_fails "addAccount with a FIFO archive answers at once" "not a regular file" \
        timeout 10 gdbus call --session --dest net.peerbook.TestA \
        --object-path /cx/ring/Ring/ConfigurationManager \
        --method cx.ring.Ring.ConfigurationManager.addAccount \
        "{'Account.archivePath': '$T/archive.fifo', 'Account.archivePassword': 'x'}"
check "the daemon still answers" gd ConfigurationManager getAccountList

ALIAS=$(head -c 100000 /dev/zero | tr '\0' a)
check_fails "a 100 KB alias names the field (one argument holds at most 128 KB)" "alias too long (max 127 bytes)" \
        gd ConfigurationManager addAccount "{'Account.alias': '$ALIAS'}"
check_fails "exporting to /proc/self/mem does not blame a missing folder" \
        "cannot export account .*cannot create a file in that directory" \
        gd ConfigurationManager exportToFile "$ID" /proc/self/mem ""
check_fails "banning one's own account is refused" "cannot remove or ban your own account" \
        gd ConfigurationManager removeContact "$ID" "$ID" true
check "contacts stay empty" gd ConfigurationManager getContacts "$ID"
check_output "no self-contact stored" "^(@aa{ss} \[\],)"

stop_daemon A
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
