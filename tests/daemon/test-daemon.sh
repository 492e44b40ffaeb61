#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Two real peerbookd daemons on a private session bus (dbus-run-session), with
# real OpenDHT nodes on 127.0.0.1, driven through the peerbook CLI and raw
# gdbus calls. No mocks. Every wait has a deadline; a trap stops the daemons.
#
# usage: test-daemon.sh PEERBOOKD PEERBOOK
set -u

source "$(dirname "$0")/lib.sh"

# usage_exit CMD...: CMD exits 2, a usage error
usage_exit() { "$@"; [ $? -eq 2 ]; }
export -f usage_exit
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/out"; }

# ---- two daemons, two accounts ------------------------------------------------
start_daemon A
start_daemon B

check "create account A (standalone, port 0)" pb A account create --alias alice
ID_A=$(cat "$T/out")
[[ "$ID_A" =~ ^[0-9a-f]{40}$ ]] && ok "account ID is 40 hex" || not_ok "account ID is 40 hex: '$ID_A'"
check "account show --json" pb A --json account show
PORT_A=$(json_field Account.dhtPort)
[ -n "$PORT_A" ] && [ "$PORT_A" -gt 0 ] && ok "A's bound port is in account show ($PORT_A)" \
        || not_ok "A's bound port is in account show"
check_output "alias in account show" '"Account.alias":"alice"'

check "create account B bootstrapping to A" \
        pb B account create --alias bob --bootstrap "127.0.0.1:$PORT_A"
ID_B=$(cat "$T/out")
check "A registers" pb A wait-registered --timeout 30
check "B registers" pb B wait-registered --timeout 30
check "account list" pb B --json account list
check_output "account list --json: one object per line" "^{\"accountId\":\"$ID_B\"}\$"

# ---- presence: B watches A --------------------------------------------------
# A live watcher; it prints the registration state once its signal match is
# in place, so anything after that line came from signals.
"$CLI" --bus-name net.peerbook.TestB --json watch --timeout 120 >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
wait_for 10 grep -q '"event":"registration"' "$T/watch.out" && ok "watch reports the current state" \
        || not_ok "watch reports the current state"
check "B subscribes to A" pb B subscribe "jami:${ID_A^^}"
if wait_for 30 grep -q "\"uri\":\"$ID_A\",\"status\":1" "$T/watch.out"; then
        ok "watch sees A online (newBuddyNotification status 1)"
else
        not_ok "watch sees A online (newBuddyNotification status 1)"; sed 's/^/#   /' "$T/watch.out"
fi
kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null
check "presence --json" pb B --json presence
check_output "presence shows A online" "{\"uri\":\"$ID_A\",\"status\":1,"
check "watch --buddy --status --count returns at once for the current state" \
        pb B watch --buddy "$ID_A" --status 1 --count 1 --timeout 10

# ---- raw D-Bus: names and signatures ----------------------------------------
gd() { local who=$1 obj=$2 method=$3; shift 3
       gdbus call --session --dest "net.peerbook.Test$who" --object-path "/cx/ring/Ring/$obj" \
               --method "cx.ring.Ring.$obj.$method" "$@"; }
export -f gd
check "gdbus getAccountList" gd A ConfigurationManager getAccountList
check_output "getAccountList returns as" "(\\['$ID_A'\\],)"
check "gdbus getSubscriptions" gd B PresenceManager getSubscriptions "$ID_B"
check_output "getSubscriptions returns aa{ss} with Buddy/Status" "'Buddy': '$ID_A'"
check_output "getSubscriptions Status is '1'" "'Status': '1'"
check "gdbus addAccount a{ss} (Jami's extra keys ignored)" gd A ConfigurationManager addAccount \
        "{'Account.type': 'RING', 'Account.alias': 'carol', 'Account.upnpEnabled': 'true', 'Account.dhtPort': '0'}"
check_output "addAccount returns the new ID" "^('[0-9a-f]\\{40\\}',)"
ID_C=$(sed -n "s/^('\\([0-9a-f]\\{40\\}\\)',)/\\1/p" "$T/out")
check "gdbus removeAccount" gd A ConfigurationManager removeAccount "$ID_C"
check_fails "addAccount with a bad dhtPort is InvalidArgument" "net.peerbook.Error.InvalidArgument" \
        gd A ConfigurationManager addAccount "{'Account.dhtPort': '65536'}"
check "introspection has Jami's signal signature" gdbus introspect --session \
        --dest net.peerbook.TestB --object-path /cx/ring/Ring/PresenceManager
tr -s ' \n' ' ' <"$T/out" >"$T/flat" && mv "$T/flat" "$T/out"
check_output "newBuddyNotification(s, s, i, s)" \
        "newBuddyNotification(s accountID, s buddyUri, i status, s lineStatus)"
check_output "subscribeBuddy(s, s, b)" "subscribeBuddy(in s accountID, in s uri, in b flag)"
check_output "publish(s, b, s)" "publish(in s accountID, in b status, in s note)"

# ---- direct channels: the settings, counters and note in the details --------------
check "account show --json (direct channels)" pb B --json account show
BOUND_B=$(json_field Account.peerbookChannelBoundPort)
CPORT_B=$(json_field Account.peerbookChannelPort)
[[ "$BOUND_B" =~ ^[0-9]+$ ]] && ok "Account.peerbookChannelBoundPort is a port ($BOUND_B)" \
        || not_ok "Account.peerbookChannelBoundPort is a port: '$BOUND_B'"
# the default, 0 (any free port), shows the port chosen once it is bound
[ "$CPORT_B" = 0 ] || [ "$CPORT_B" = "$BOUND_B" ] \
        && ok "Account.peerbookChannelPort: default 0, or the bound port ($CPORT_B)" \
        || not_ok "Account.peerbookChannelPort: default 0, or the bound port: '$CPORT_B'"
for key in Account.peerbookChannels Account.peerbookChannelsRefused Account.peerbookChannelsDropped; do
        check_output "$key is 0 without contacts" "\"$key\":\"0\""
done
check_output "Account.presenceNote is empty before any publish" '"Account.presenceNote":""'
check "an alias with a newline" pb B account set "$ID_B" --alias $'bob\nAccount.enable: false'
check "account show (text)" pb B account show
check_output "account show keeps each value on its line" '^Account.alias: bob\\nAccount.enable: false$'
[ "$(grep -c '^Account.enable:' "$T/out")" -eq 1 ] && ok "... so no line reads as another key" \
        || not_ok "... so no line reads as another key"
check "the alias back" pb B account set "$ID_B" --alias bob
check_fails "a bad channel port is InvalidArgument, named" \
        "InvalidArgument: invalid Account.peerbookChannelPort '65536' (expected 0..65535, or -1" \
        gd A ConfigurationManager addAccount "{'Account.peerbookChannelPort': '65536'}"
check_fails "the CLI's --channel-port goes to the daemon's check" \
        "^peerbook: invalid Account.peerbookChannelPort '-2'" pb B account create --channel-port -2
check_fails "... also for account set" "^peerbook: invalid Account.peerbookChannelPort 'x'" \
        pb B account set "$ID_B" --channel-port=x

# ---- publish: Jami's signature; the note is checked ------------------------------
# Without the library's channels publish is NotSupported (-ENOSYS); either way
# the daemon's own checks come first.
if gd B PresenceManager publish "$ID_B" true "lunch" >"$T/out" 2>"$T/err"; then
        ok "publish succeeds"
        check "account show after publish" pb B --json account show
        check_output "Account.presenceNote holds the note" '"Account.presenceNote":"lunch"'
        check "publish --clear" pb B publish --clear
        check "account show after publish --clear" pb B --json account show
        check_output "Account.presenceNote is empty again" '"Account.presenceNote":""'
elif grep -q "net.peerbook.Error.NotSupported" "$T/err"; then
        ok "publish is NotSupported while the library has no direct channels"
else
        not_ok "publish succeeds (or is NotSupported without direct channels)"
fi
LONG_NOTE=$(printf 'x%.0s' $(seq 1025))
if gd B PresenceManager publish "$ID_B" true "${LONG_NOTE:1}" >"$T/out" 2>"$T/err" ||
        grep -q "net.peerbook.Error.NotSupported" "$T/err"; then
        ok "publish: a note of 1024 bytes is accepted"
else
        not_ok "publish: a note of 1024 bytes is accepted"
fi
check_fails "publish: a 1025-byte note is InvalidArgument" \
        "InvalidArgument: cannot publish a note in account '$ID_B': note is not UTF-8 or longer than 1024 bytes" \
        gd B PresenceManager publish "$ID_B" true "$LONG_NOTE"
check_fails "publish: the CLI says it in one line" \
        "^peerbook: cannot publish a note in account '$ID_B': note is not UTF-8 or longer than 1024 bytes\$" \
        pb B publish "$LONG_NOTE"
check_fails "publish: 1026 bytes of 2-byte characters too" "note is not UTF-8 or longer than 1024" \
        pb B publish "$(printf 'é%.0s' $(seq 513))"
check_fails "publish on an unknown account is NoSuchAccount" \
        "net.peerbook.Error.NoSuchAccount: no such account '0000000000000000000000000000000000000000'" \
        gd B PresenceManager publish 0000000000000000000000000000000000000000 true "x"
check_fails "publish --account with an unknown account" \
        "^peerbook: no such account '0000000000000000000000000000000000000000'" \
        pb B publish --account 0000000000000000000000000000000000000000 hi
# invalid UTF-8 never reaches the daemon: D-Bus strings are UTF-8, and the CLI checks
check_fails "publish: a note that is not UTF-8 is a usage error" \
        "^peerbook: publish: the note is not UTF-8" pb B publish $'caf\xe9'
check_fails "publish: neither NOTE nor --clear" "^peerbook: publish: give a NOTE or --clear, not neither" \
        pb B publish
check_fails "publish: both NOTE and --clear" "^peerbook: publish: give a NOTE or --clear, not both" \
        pb B publish hi --clear
check "publish: usage errors exit 2" bash -c "
        usage_exit pb B publish && usage_exit pb B publish hi --clear &&
        usage_exit pb B publish a b && usage_exit pb B publish --clear=yes &&
        usage_exit pb B publish \$'\\xff'"
check "publish --help" pb B publish --help
check_output "publish --help gives the synopsis" "^usage: peerbook publish \[--account ID\] (NOTE | --clear)"
check "gdbus getVolatileAccountDetails" gd B ConfigurationManager getVolatileAccountDetails "$ID_B"
check_output "registration code and description from the library" \
        "'Account.registrationCode': '0'.*'Account.registrationDescription': ''"
check "unsubscribing from a stranger over D-Bus succeeds (repeated operations)" \
        gd B PresenceManager subscribeBuddy "$ID_B" 1111111111111111111111111111111111111111 false
check_fails "import of a missing file is NoSuchFile" "net.peerbook.Error.NoSuchFile" \
        gd B ConfigurationManager addAccount "{'Account.archivePath': '$T/missing.pbk'}"

# ---- bad input: non-zero exit and one clear line ------------------------------
check_fails "unknown account" "^peerbook: no such account '0000000000000000000000000000000000000000'" \
        pb B presence --account 0000000000000000000000000000000000000000
check_fails "malformed URI" "^peerbook: invalid URI 'bob@example'" pb B subscribe bob@example
check_fails "bad dhtPort" "^peerbook: invalid Account.dhtPort '70000'" pb B account create --port 70000
check_fails "non-numeric dhtPort" "^peerbook: invalid Account.dhtPort 'x1'" pb B account create --port x1
check_fails "bad bootstrap port" "^peerbook: invalid Account.hostname entry '127.0.0.1:99999'" \
        pb B account create --bootstrap "127.0.0.1:$PORT_A;127.0.0.1:99999"
check_fails "blank inside a bootstrap entry" "^peerbook: invalid Account.hostname entry '127.0.0.1 :1'" \
        pb B account create --bootstrap "127.0.0.1:$PORT_A; 127.0.0.1 :1"
check_fails "a second daemon cannot take the name" "^peerbookd: cannot own the name net.peerbook.TestA" \
        "$PEERBOOKD" --bus-name net.peerbook.TestA --data-dir "$T/A2"
check_fails "a second daemon on the same data directory exits, saying why" \
        "^peerbookd: cannot start on '$T/A': data directory in use by another process" \
        "$PEERBOOKD" --bus-name net.peerbook.TestA2 --data-dir "$T/A"
check "the first daemon still serves its account" pb A account show "$ID_A"
check_fails "unreachable daemon" "^peerbook: cannot reach the daemon on the session bus (net.peerbook.Nobody)" \
        "$CLI" --bus-name net.peerbook.Nobody account list
check "unsubscribe from a stranger succeeds: not subscribed, as asked" \
        pb B unsubscribe 1111111111111111111111111111111111111111
check "unsubscribe again succeeds" pb B unsubscribe 1111111111111111111111111111111111111111
check "contact remove of a stranger succeeds" pb B contact remove 1111111111111111111111111111111111111111
check "and again" pb B contact remove 1111111111111111111111111111111111111111
check "block twice succeeds" bash -c "pb B block 2222222222222222222222222222222222222222 &&
        pb B block 2222222222222222222222222222222222222222"
check "unblock (contact add lifts the ban)" pb B contact add 2222222222222222222222222222222222222222
check "and remove it again" pb B contact remove 2222222222222222222222222222222222222222
check "subscribe twice succeeds" bash -c "pb B subscribe $ID_A && pb B subscribe $ID_A"
# usage errors exit 2, failures 1 (usage_exit: above)
check_fails "watch: a bad --event is a usage error" "^peerbook: invalid event 'nope'" \
        pb B watch --event nope
check "... with exit status 2" usage_exit pb B watch --event nope
check "watch: a bad --count exits 2" usage_exit pb B watch --count 0
check "watch: a bad --status exits 2" usage_exit pb B watch --status 7
check "watch: a bad --timeout exits 2" usage_exit pb B watch --timeout x
check "watch: a bad --buddy exits 2" usage_exit pb B watch --buddy bob@example
check "an unknown command exits 2" usage_exit "$CLI" frobnicate
check "an unknown account command exits 2" usage_exit "$CLI" account frobnicate
check "an unknown option exits 2" usage_exit pb B presence --frobnicate
# passwords never on the command line
check_fails "--password takes no value" "^peerbook: account export: unexpected argument 's3cret'" \
        pb A account export "$ID_A" "$T/x.pbk" --password s3cret
check_fails "--password without a terminal says what to do" \
        "^peerbook: cannot ask for the password: no terminal (use --password-file F or --password-stdin)" \
        setsid -w "$CLI" --bus-name net.peerbook.TestA account export "$ID_A" "$T/x.pbk" --password
check_fails "one password source at a time" "^peerbook: give one of --password, --password-file" \
        pb A account export "$ID_A" "$T/x.pbk" --password-stdin --password-file "$T/pw"
check_fails "unknown command" "^peerbook: unknown command 'frobnicate'" "$CLI" frobnicate
check "help everywhere" bash -c "'$CLI' --help && '$CLI' account --help && '$CLI' account create --help"
check_fails "watch --timeout is bounded" "^peerbook: timed out after 1 s" \
        pb B watch --no-initial --count 1 --timeout 1

# ---- export: archive with a password ------------------------------------------
echo s3cret >"$T/pw"
check "export A with a password (from a file)" \
        pb A account export "$ID_A" "$T/alice.pbk" --password-file "$T/pw"
[ -s "$T/alice.pbk" ] && ok "the archive exists" || not_ok "the archive exists"
check_fails "export into a missing folder" "^peerbook: cannot export account .*no such directory" \
        pb A account export "$ID_A" "$T/missing/alice.pbk" --password-file "$T/pw"
check_fails "import with a wrong password" "^peerbook: cannot import archive .*wrong password" \
        pb B account import "$T/alice.pbk" --password-stdin <<<nope

# ---- the account's password: set, changed, a wrong old one changes nothing ----
check_fails "changeAccountPassword: a wrong old password (A has none)" "net.peerbook.Error.WrongPassword" \
        gd A ConfigurationManager changeAccountPassword "$ID_A" "nope" "n3w"
check "changeAccountPassword sets a first one" gd A ConfigurationManager changeAccountPassword "$ID_A" "" "s3cret"
check_output "changeAccountPassword returns true" "^(true,)\$"
check_fails "export without the password now" "^peerbook: cannot export account .*wrong password" \
        pb A account export "$ID_A" "$T/x.pbk"
check_fails "account password: a wrong old one" "^peerbook: cannot change the password .*wrong password" \
        pb A account password "$ID_A" --password-stdin --new-password-file "$T/pw" <<<nope
check "account password: changed from files and stdin" \
        pb A account password "$ID_A" --password-file "$T/pw" --new-password-stdin <<<n3w
check_fails "the old password is refused now" "^peerbook: cannot export account .*wrong password" \
        pb A account export "$ID_A" "$T/x.pbk" --password-file "$T/pw"
check "account password: removed (empty new one)" \
        pb A account password "$ID_A" --password-stdin --new-password-file /dev/null <<<n3w
check "export without a password again" pb A account export "$ID_A" "$T/x.pbk"

# ---- A stops cleanly: B sees it offline within 10 s ---------------------------
stop_daemon A
check "B sees A offline within 10 s" pb B watch --buddy "$ID_A" --status 0 --count 1 --timeout 10

# ---- restarts: accounts and subscriptions survive -------------------------------
stop_daemon B
start_daemon A
check "A's account survives a restart" pb A account list
check_output "A's account is listed" "^$ID_A\$"
check "A registers again" pb A wait-registered --timeout 30
check "A's port" pb A --json account show
NEW_PORT_A=$(json_field Account.dhtPort)
start_daemon B
check "B's subscriptions survive a restart" pb B presence
check_output "A is still subscribed" "^$ID_A "
if [ "$NEW_PORT_A" != "$PORT_A" ]; then
        check "B follows A's new port ($PORT_A -> $NEW_PORT_A)" \
                pb B account set "$ID_B" --bootstrap "127.0.0.1:$NEW_PORT_A"
fi
check "B sees A online again" pb B watch --buddy "$ID_A" --status 1 --count 1 --timeout 30

# ---- import on a third daemon ---------------------------------------------------
start_daemon C
check "import the archive on a third daemon" \
        pb C account import "$T/alice.pbk" --password-stdin --bootstrap "127.0.0.1:$NEW_PORT_A" \
        <<<s3cret
check_output "the imported account keeps its ID" "^$ID_A\$"

# ---- addAccount makes keys off the loop: other callers are served meanwhile ---
# With RSA-4096 each account costs seconds. Before, the daemon answered
# getAccountList only after every addAccount queued before it.
start_daemon D --key-bits 4096
add_account_d() {
        gdbus call --session --dest net.peerbook.TestD --object-path /cx/ring/Ring/ConfigurationManager \
                --method cx.ring.Ring.ConfigurationManager.addAccount "{'Account.alias': '$1'}"
}
ADDS=()
for i in 1 2 3; do add_account_d "d$i" >"$T/add$i.out" 2>&1 & ADDS+=($!); done
# A creation is under way once its temporary folder exists (its device key is
# being made then).
wait_for 30 bash -c "ls -a '$T/D' | grep -q '^\..*\.tmp\$'" || not_ok "a creation starts"
check "getAccountList answers while accounts are being made" pb D account list
pending=0
for pid in "${ADDS[@]}"; do kill -0 "$pid" 2>/dev/null && pending=$((pending + 1)); done
[ "$pending" -gt 0 ] && ok "it answered before the addAccount calls ($pending still running)" \
        || not_ok "it answered before the addAccount calls (none still running)"
for pid in "${ADDS[@]}"; do wait "$pid"; done
check "the three accounts are made" pb D --json account list
[ "$(grep -o '"[0-9a-f]\{40\}"' "$T/out" | sort -u | wc -l)" -eq 3 ] && ok "three distinct accounts" \
        || not_ok "three distinct accounts"
stop_daemon D

stop_daemon C
stop_daemon B
stop_daemon A
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
