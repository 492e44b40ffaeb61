#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's test command: installs what is missing (Debian 12, apt-get),
# builds with warnings as errors, runs every test (the slow tier included),
# then builds again with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the tests but the slow tier there. About 15 minutes on 2 cores.
#
#   scripts/test.sh [--help]
set -euo pipefail
case "${1:-}" in
  "") ;;
  -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test

jobs=$(nproc)
echo "== build (warnings are errors)"
cmake -S . -B build/ci -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEERBOOK_WERROR=ON >/dev/null
cmake --build build/ci -j "$jobs"
echo "== build with ASan+UBSan"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPEERBOOK_WERROR=ON \
      -DPEERBOOK_SANITIZE=ON -DPEERBOOK_SLOW_TESTS=OFF >/dev/null
cmake --build build/asan -j "$jobs"

# Tests wait on real network events, mostly idle: more jobs than cores is fine.
echo "== tests"
ctest --test-dir build/ci --output-on-failure -j 4
echo "== tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
ctest --test-dir build/asan --output-on-failure -j 4
