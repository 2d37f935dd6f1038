#!/usr/bin/env bash
# The README's test command: installs what is missing, builds once with AddressSanitizer and
# UndefinedBehaviorSanitizer, runs every test, then lint, the API reference, and the installed
# package used by consumer projects (plain Release builds of the library). Every phase says when
# it starts and how long it took.
#
#   scripts/test.sh           everything (what CI runs); the build goes to $BUILD_DIR/asan
#   scripts/test.sh --quick   a plain build of the library and the unit and integration tests in
#                             $BUILD_DIR, and those tests only
#   SKIP_ASAN=1               the full run on a plain build in $BUILD_DIR instead
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

PACKAGES+=("${CHECK_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
phase "packages"
ensure_packages
if [ "$quick" = 1 ]; then
  phase "configure and build ($BUILD_DIR)"
  configure -DWIX_BACKINSTOCK_BUILD_TESTS=ON -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON
  cmake --build "$BUILD_DIR" --target unit_tests integration_tests
  phase "unit and integration tests"
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" -L 'unit|integration'
  phase "done"
  echo "== quick run passed in $((SECONDS - started_all)) s"
  exit 0
fi

# One build for every test, instrumented: a second, plain pass would double the build for what
# the sanitizers already check (the consumers below build the library plain, in Release).
build="$BUILD_DIR/asan"
if [ "${SKIP_ASAN:-0}" = "1" ]; then
  build="$BUILD_DIR"
  phase "configure and build ($build)"
  configure -DWIX_BACKINSTOCK_BUILD_TESTS=ON -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON
else
  phase "configure and build with AddressSanitizer + UndefinedBehaviorSanitizer ($build)"
  cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DWIX_BACKINSTOCK_SANITIZE=address,undefined -DWIX_BACKINSTOCK_BUILD_TESTS=ON \
    -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON >/dev/null
fi
cmake --build "$build"
# The tests spend much of their time waiting on sockets and timers: they run beside the lint,
# which keeps the processors busy meanwhile. Their output is shown when they end.
phase "tests ($build/ctest.log), with format, static analysis and the API reference beside them"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" >"$build/ctest.log" 2>&1 &
tests=$!
lint_status=0
"$ROOT/scripts/lint.sh" "$build" || lint_status=$?
if [ "$lint_status" -eq 0 ]; then
  echo "== API reference (Doxygen, warnings are errors)"
  cmake --build "$build" --target docs || lint_status=$?
fi
tests_status=0
wait "$tests" || tests_status=$?
if [ "$tests_status" -ne 0 ]; then
  grep -E -A40 "(Failed|Timeout|\*\*\*)" "$build/ctest.log" | head -200
fi
grep -E "tests passed|tests failed" "$build/ctest.log" || tail -n 5 "$build/ctest.log"
[ "$tests_status" -eq 0 ] && [ "$lint_status" -eq 0 ] || exit 1

phase "the installed package, used by consumer projects (CMake, pkg-config, add_subdirectory, FetchContent)"
"$ROOT/tests/consumer/run.sh"
phase "done"
echo "== everything passed in $((SECONDS - started_all)) s"
