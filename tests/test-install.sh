#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's C API section, followed to the letter in a fresh home: its
# install and build lines (the ```sh block after the ```c block) run with
# HOME in a temporary folder, so "~/peerbook" is a prefix of our own; the
# program is the README's ```c block itself. It must build with pkg-config,
# run, print its account and a first event into a file (not a terminal), and
# reuse that account on a second run. The installed peerbookd must start.
#
# usage: test-install.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/peerbook-install.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
# A sanitizer build's library needs its runtime loaded first, which the
# README's plain cc line does not do: that build is not what users install.
# gcc links the runtime as a shared library; clang leaves the library's
# references to it undefined, for the program to bring: look for either.
if [[ "$(ldd "$build/src/libpeerbook.so" 2>/dev/null)" =~ lib(asan|tsan|ubsan) ||
      "$(nm -D --undefined-only "$build/src/libpeerbook.so" 2>/dev/null)" =~ \ __(asan|tsan|ubsan)_ ]]; then
        echo "1..0 # SKIP a sanitizer build"; exit 77
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds
wait_for() {
        local deadline=$((SECONDS + $1)); shift
        until "$@" >/dev/null 2>&1; do [ "$SECONDS" -ge "$deadline" ] && return 1; sleep 0.1; done
}

# The README's blocks: the C program, then the shell lines that follow it.
awk '/^```c$/ { c = 1; next } c && /^```$/ { exit } c' "$top/README.md" >"$T/example.c"
awk '/^```c$/ { c = 1 } c && /^```sh$/ { s = 1; next } s && /^```$/ { exit } s' \
        "$top/README.md" >"$T/lines.sh"
[ -s "$T/example.c" ] && [ -s "$T/lines.sh" ] && ok "the README has the C example and its build lines" \
        || not_ok "the README has the C example and its build lines"
# The program's data in our folder: a running example elsewhere must not
# hold its lock.
sed -i "s|\"/tmp/mine\"|\"$T/mine\"|" "$T/example.c"

# Each line as written, evaluated in one shell (an export holds for the
# lines after it), in a checkout whose build is ours, with HOME here. The
# program itself is started below, with its output in a file.
mkdir -p "$T/checkout/build" && ln -s "$build" "$T/checkout/build/run"
cp "$T/example.c" "$T/checkout/example.c"
HOME=$T bash -c '
        cd "$1" || exit 1
        while IFS= read -r line; do
                case "$line" in ./example*) continue ;; esac
                if eval "$line" >"$2" 2>&1; then echo "ok - README: $line"
                else echo "not ok - README: $line"; tail -n 5 "$2" | sed "s/^/#   /"; fi
        done' bash "$T/checkout" "$T/line.out" <"$T/lines.sh" >"$T/lines.tap"
cat "$T/lines.tap"
pass=$((pass + $(grep -c '^ok' "$T/lines.tap")))
fail=$((fail + $(grep -c '^not ok' "$T/lines.tap")))

grep -q "prefix=$T/peerbook\$" "$T/peerbook/lib/pkgconfig/peerbook.pc" \
        && ok "the installed peerbook.pc names the prefix" || not_ok "the installed peerbook.pc names the prefix"
"$T/peerbook/bin/peerbookd" --version >"$T/out" 2>&1 && ok "the installed peerbookd finds its library" \
        || { not_ok "the installed peerbookd finds its library"; sed 's/^/#   /' "$T/out"; }

# run_example N: the program, its output into a file, until its account and
# a first event; the account in $id.
run_example() {
        (cd "$T/checkout" && exec ./example) >"$T/run$1.out" 2>&1 &
        pid=$!
        if wait_for 60 grep -q "is REGISTERED" "$T/run$1.out"; then ok "run $1 prints a first event into a file"
        else not_ok "run $1 prints a first event into a file"; sed 's/^/#   /' "$T/run$1.out"; fi
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
        id=$(sed -n 's/^my account: //p' "$T/run$1.out")
}
run_example 1; id1=$id
run_example 2; id2=$id
[[ "$id1" =~ ^[0-9a-f]{40}$ ]] && [ "$id1" = "$id2" ] && ok "the second run reuses the account" \
        || not_ok "the second run reuses the account ('$id1', '$id2')"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
