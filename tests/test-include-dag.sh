#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The library's modules form a DAG: a module (x.c with its x.h) may include
# the headers of the modules below it, never one that includes it back,
# directly or through others. Prints the edges of a cycle when there is one.
#
# usage: test-include-dag.sh SRC_DIR
set -euo pipefail
src=$1
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in "$src"/*.c "$src"/*.h "$src"/dht/*.c "$src"/dht/*.h; do
        from=$(basename "${f%.*}")
        # account-internal.h is the account's struct, shared by its modules;
        # it declares no function of another module.
        sed -n 's/^#include "\(dht\/\)\{0,1\}\([a-z_-]*\)\.h"$/\2/p' "$f" | while read -r to; do
                if [ "$to" != "$from" ]; then echo "$from $to"; fi
        done
done | sort -u >"$edges"
if tsort "$edges" >/dev/null 2>"$edges.err"; then
        echo "ok 1 - $(wc -l <"$edges") include edges, no cycle"
        echo "1 passed, 0 failed"
        rm -f "$edges.err"
else
        echo "not ok 1 - the include graph has a cycle:"
        sed 's/^/#   /' "$edges.err"
        echo "0 passed, 1 failed"
        rm -f "$edges.err"
        exit 1
fi
