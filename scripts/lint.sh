#!/usr/bin/env bash
# Format and static-analysis checks: clang-format (.clang-format) over every source file, and
# clang-tidy (.clang-tidy, tests/.clang-tidy) over the library, tools and tests, using the build's
# compile_commands.json.
# Usage: scripts/lint.sh [BUILD_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build="${1:-$BUILD_DIR}"
cd "$ROOT"
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.cpp')
echo "== clang-format (${#files[@]} files)"
clang-format --dry-run --Werror "${files[@]}"
echo "== clang-tidy"
run-clang-tidy -p "$build" -quiet -extra-arg=-std=c++17 'src/.*\.cc$' 'tools/.*\.cc$' 'tests/.*\.cc$' >"$build/clang-tidy.log" 2>&1 || {
  grep -E "(warning|error):" "$build/clang-tidy.log" | head -50
  exit 1
}
echo "clean"
