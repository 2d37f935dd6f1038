#!/usr/bin/env bash
# Format and static-analysis checks: clang-format (.clang-format) over every source file,
# clang-tidy (.clang-tidy, tests/.clang-tidy) over the library, tools and tests, and include
# cleaning (scripts/check_includes.sh) over the library and tools, using the build's
# compile_commands.json.
# Usage: scripts/lint.sh [BUILD_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build="${1:-$BUILD_DIR}"
cd "$ROOT"
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.cpp')
echo "== clang-format (${#files[@]} files)"
clang-format --dry-run --Werror "${files[@]}"
# Not tests/structure/: its probes include upward on purpose (the build must refuse them).
mapfile -t tidy < <(git ls-files 'src/*.cc' 'tools/*.cc' 'tests/*.cc' | grep -v '^tests/structure/')
echo "== clang-tidy (${#tidy[@]} files, $(nproc) at a time; the full log is $build/clang-tidy.log)"
# One line per file as it starts, so that a long run shows where it is.
set +e
run-clang-tidy -p "$build" -quiet -j "$(nproc)" -extra-arg=-std=c++17 \
    'src/.*\.cc$' 'tools/.*\.cc$' 'tests/(?!structure/).*\.cc$' 2>&1 | tee "$build/clang-tidy.log" |
  awk -v total="${#tidy[@]}" '/^clang-tidy/ { n++; printf "   [%d/%d] %s\n", n, total, $NF; fflush() }'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  grep -E "(warning|error):" "$build/clang-tidy.log" | head -50
  exit 1
fi
echo "clean"
echo "== layers"
"$ROOT/scripts/check_layers.sh"
"$ROOT/scripts/check_includes.sh" "$build"
