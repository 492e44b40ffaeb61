#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Applies the one brace style (.clang-format) to the C and C++ files git tracks,
# or with --check lists the files that differ from it and fails (for CI).
# Usage: scripts/format.sh [--check] [file...]
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: $0 [--check] [file...]"; }
check=0
case "${1:-}" in
  --check) check=1; shift ;;
  -h|--help) usage; exit 0 ;;
  -*) usage >&2; exit 2 ;;
esac
fmt=""
for f in clang-format-14 clang-format; do
  command -v "$f" >/dev/null && { fmt=$f; break; }
done
[ -n "$fmt" ] || { echo "format.sh: clang-format not found (apt-get install clang-format-14)" >&2; exit 1; }
if [ $# -eq 0 ]; then
  mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp')
else
  files=("$@")
fi
if [ $check = 0 ]; then
  exec "$fmt" -i --style=file "${files[@]}"
fi
bad=0
for f in "${files[@]}"; do
  "$fmt" --style=file --dry-run --Werror "$f" 2>/dev/null || { echo "$f"; bad=1; }
done
[ $bad = 0 ] || echo "format.sh: the files above differ from .clang-format (run scripts/format.sh)" >&2
exit $bad
