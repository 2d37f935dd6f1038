#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite, then
# runs it again built with AddressSanitizer and UndefinedBehaviorSanitizer.
# Between the two it installs the package and builds a consumer against it.
# SKIP_ASAN=1 skips the sanitizer pass.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PACKAGES+=("${CHECK_PACKAGES[@]}")
ensure_packages
configure -DWIX_BACKINSTOCK_BUILD_TESTS=ON -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON
cmake --build "$BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"

echo "== format and static analysis"
"$ROOT/scripts/lint.sh" "$BUILD_DIR"
echo "== API reference (Doxygen, warnings are errors)"
cmake --build "$BUILD_DIR" --target docs

echo "== the installed package, used by a consumer project (CMake, pkg-config, add_subdirectory, FetchContent)"
"$ROOT/tests/consumer/run.sh"

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  echo "== the suite again under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake --preset asan -S "$ROOT" >/dev/null
  cmake --build --preset asan
  ctest --preset asan -j "$(nproc)"
fi
