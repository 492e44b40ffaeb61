#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shared library exports exactly the functions peerbook.h declares, each
# under the PEERBOOK_0 version, and every function the header declares is
# marked PEERBOOK_EXPORT. Fails when an internal symbol (pb_*, a test hook,
# an OpenDHT or msgpack template instance) leaks, or a public one is missing.
set -euo pipefail
header=$1
lib=$2
T=$(mktemp -d /tmp/peerbook-abi-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { # DESC: passes when $T/diff is empty
        if [ -s "$T/diff" ]; then fail=$((fail + 1)); echo "not ok - $1"; sed 's/^/#   /' "$T/diff"
        else pass=$((pass + 1)); echo "ok - $1"; fi
}

# Declarations start at column 0 in the header, with their name on that line.
grep -E '^PEERBOOK_EXPORT .*\bpeerbook_[a-z0-9_]+\(' "$header" |
        sed -E 's/.*\b(peerbook_[a-z0-9_]+)\(.*/\1/' | sort >"$T/declared"
grep -E '^[a-z].*\bpeerbook_[a-z0-9_]+\(' "$header" | grep -v '^typedef' >"$T/diff" || true
check "every function of peerbook.h is PEERBOOK_EXPORT"

nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' >"$T/symbols"
sed 's/@.*//' "$T/symbols" | sort >"$T/exported"
diff "$T/declared" "$T/exported" | grep '^[<>]' |
        sed 's/^</missing:/; s/^>/leaked: /' >"$T/diff" || true
check "the library exports exactly the functions of peerbook.h ($(wc -l <"$T/declared"))"

grep -v '@@PEERBOOK_0$' "$T/symbols" >"$T/diff" || true
check "every exported symbol is versioned PEERBOOK_0"

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libpeerbook.so.0 ] && : >"$T/diff" || echo "SONAME is '$soname'" >"$T/diff"
check "SONAME libpeerbook.so.0"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
