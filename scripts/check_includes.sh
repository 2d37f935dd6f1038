#!/usr/bin/env bash
# Include cleaning: include-what-you-use over the library's and the tools' sources, failing when a
# file includes one of the project's own headers ("...") that it does not use. Standard and
# third-party headers are not judged (the tool's view of libstdc++ is too coarse to gate on).
# Public headers that include others for their users say so with `// IWYU pragma: export`.
# Usage: scripts/check_includes.sh [BUILD_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build="${1:-$BUILD_DIR}"
cd "$ROOT"
mapfile -t files < <(git ls-files 'src/*.cc' 'tools/*.cc')
echo "== include-what-you-use (${#files[@]} files, $(nproc) at a time; the full log is $build/iwyu.log)"
# iwyu exits non-zero whenever it suggests anything: its suggestions are filtered below.
iwyu_tool -p "$build" -j "$(nproc)" "${files[@]}" -- -std=c++17 -Xiwyu --no_fwd_decls \
  >"$build/iwyu.log" 2>&1 || true
if grep -q "error:" "$build/iwyu.log"; then
  grep "error:" "$build/iwyu.log" | head -20
  echo "include-what-you-use could not read the sources" >&2
  exit 1
fi
stale="$(awk '/should remove these lines:/ { file = $1; next }
              /should add these lines:|The full include-list/ { file = "" }
              file != "" && /^- #include "/ { print file ": " $0 }' "$build/iwyu.log" | sort -u |
         sed "s|$ROOT/||")"
if [ -n "$stale" ]; then
  echo "$stale"
  echo "unused project includes: remove them (or mark an intended re-export IWYU pragma: export)" >&2
  exit 1
fi
echo "clean"
