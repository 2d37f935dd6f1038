#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite, then
# lint, the API reference, the installed package used by consumer projects, and the suite again
# built with AddressSanitizer and UndefinedBehaviorSanitizer. Every phase says when it starts and
# how long it took.
#
#   scripts/test.sh           everything (what CI runs)
#   scripts/test.sh --quick   build the library and the unit and integration tests, run those only
#   SKIP_ASAN=1               skips the sanitizer pass; BUILD_DIR moves the build (ASan: $BUILD_DIR/asan)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

quick=0
[ "${1:-}" = "--quick" ] && quick=1
started_all=$SECONDS
phase_started=$SECONDS
phase() {  # phase NAME: ends the previous phase (with its time) and starts this one
  if [ -n "${current_phase:-}" ]; then
    echo "   ${current_phase}: done in $((SECONDS - phase_started)) s"
  fi
  current_phase="$1"
  phase_started=$SECONDS
  echo "== $1"
}

PACKAGES+=("${CHECK_PACKAGES[@]}")
phase "packages"
ensure_packages
phase "configure and build ($BUILD_DIR)"
configure -DWIX_BACKINSTOCK_BUILD_TESTS=ON -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON
if [ "$quick" = 1 ]; then
  cmake --build "$BUILD_DIR" --target unit_tests integration_tests
  phase "unit and integration tests"
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" -L 'unit|integration'
  phase "done"
  echo "== quick run passed in $((SECONDS - started_all)) s"
  exit 0
fi
cmake --build "$BUILD_DIR"
phase "tests"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"

phase "format and static analysis"
"$ROOT/scripts/lint.sh" "$BUILD_DIR"
phase "API reference (Doxygen, warnings are errors)"
cmake --build "$BUILD_DIR" --target docs

phase "the installed package, used by consumer projects (CMake, pkg-config, add_subdirectory, FetchContent)"
"$ROOT/tests/consumer/run.sh"

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  phase "the suite again under AddressSanitizer + UndefinedBehaviorSanitizer ($BUILD_DIR/asan)"
  cmake -S "$ROOT" -B "$BUILD_DIR/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DWIX_BACKINSTOCK_SANITIZE=address,undefined >/dev/null
  cmake --build "$BUILD_DIR/asan"
  ctest --test-dir "$BUILD_DIR/asan" --output-on-failure -j "$(nproc)"
fi
phase "done"
echo "== everything passed in $((SECONDS - started_all)) s"
