#!/usr/bin/env bash
# Installs the SDK (shared and static) into temporary prefixes and builds and runs a consumer
# against each: with CMake find_package, with pkg-config, and from source with add_subdirectory
# and FetchContent. Tests, tools and examples are not built for the consumer's sake.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gen=(-G Ninja -DCMAKE_BUILD_TYPE=Release)

for kind in shared static; do
  shared=OFF; [ "$kind" = shared ] && shared=ON
  echo "== install ($kind; consumers $([ "$kind" = shared ] && echo "1-2" || echo "3-4") of 6)"
  cmake -S "$src" -B "$work/build-$kind" "${gen[@]}" -DBUILD_SHARED_LIBS=$shared \
    -DWIX_BACKINSTOCK_INSTALL=ON -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_TOOLS=OFF \
    -DWIX_BACKINSTOCK_TESTING=ON \
    -DWIX_BACKINSTOCK_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=/opt/configured-elsewhere >/dev/null
  cmake --build "$work/build-$kind" >/dev/null
  # Installed with another prefix than the configured one, as packagers do: the CMake package and
  # the pkg-config file must both point at where the files are, not at the configured prefix.
  cmake --install "$work/build-$kind" --prefix "$work/prefix-$kind" >/dev/null
  if grep -rq "/opt/configured-elsewhere" "$work/prefix-$kind/lib"; then
    echo "the installed package names the configured prefix, not its own place" >&2
    exit 1
  fi

  echo "== consumer via find_package ($kind)"
  cmake -S "$src/tests/consumer" -B "$work/consumer-$kind" "${gen[@]}" \
    -DCMAKE_PREFIX_PATH="$work/prefix-$kind" >/dev/null
  cmake --build "$work/consumer-$kind" >/dev/null
  LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/consumer-$kind/consumer"
  (cd "$work" && LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/consumer-$kind/journal_consumer")
  if [ -e "$work/prefix-$kind/lib/cmake/wix_backinstock/wix_backinstockPrometheusTargets.cmake" ]; then
    [ -x "$work/consumer-$kind/metrics_consumer" ] || {
      echo "the installed prometheus component was not found by a consumer asking for it" >&2; exit 1; }
    LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/consumer-$kind/metrics_consumer"
  fi

  echo "== your unit tests against the emulator, from the installed testing component ($kind)"
  cmake -S "$src/examples/unit_test_with_emulator" -B "$work/unit-tests-$kind" "${gen[@]}" \
    -DCMAKE_PREFIX_PATH="$work/prefix-$kind" >/dev/null
  cmake --build "$work/unit-tests-$kind" >/dev/null
  LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/unit-tests-$kind/restock_service_test" \
    --gtest_brief=1
  # shellcheck disable=SC2046
  PKG_CONFIG_PATH="$work/prefix-$kind/lib/pkgconfig" pkg-config --exists wix_backinstock_testing || {
    echo "no pkg-config file for the testing component" >&2; exit 1; }

  echo "== a consumer of the core library alone, SQLite and libpq hidden ($kind)"
  # No SQLite package, and a pkg-config that knows no libpq: asking for no component must not
  # look for either.
  mkdir -p "$work/no-pc"
  PKG_CONFIG_LIBDIR="$work/no-pc" cmake -S "$src/tests/consumer" -B "$work/consumer-core-$kind" \
    "${gen[@]}" --no-warn-unused-cli -DCORE_ONLY=ON -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON \
    -DCMAKE_PREFIX_PATH="$work/prefix-$kind" >/dev/null
  cmake --build "$work/consumer-core-$kind" >/dev/null
  LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/consumer-core-$kind/consumer"

  echo "== a consumer asking for another 0.x release is refused ($kind)"
  if cmake -S "$src/tests/consumer" -B "$work/consumer-old-$kind" "${gen[@]}" -DWIX_VERSION=0.7 \
      -DCMAKE_PREFIX_PATH="$work/prefix-$kind" >/dev/null 2>&1; then
    echo "find_package(wix_backinstock 0.7) accepted 0.8, which breaks the 0.7 ABI" >&2
    exit 1
  fi

  echo "== consumer via pkg-config ($kind)"
  export PKG_CONFIG_PATH="$work/prefix-$kind/lib/pkgconfig"
  flags=(--cflags --libs)
  includedir="$(pkg-config --variable=includedir wix_backinstock)"
  [ "$(realpath "$includedir")" = "$(realpath "$work/prefix-$kind/include")" ] || {
    echo "pkg-config says includedir=$includedir, not the installed prefix" >&2; exit 1; }
  # shellcheck disable=SC2046
  g++ -std=c++17 "$src/tests/consumer/main.cpp" -o "$work/pc-$kind" $(pkg-config "${flags[@]}" wix_backinstock)
  LD_LIBRARY_PATH="$work/prefix-$kind/lib" "$work/pc-$kind"
done

abi="$(sed -n 's/^  VERSION \([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p' "$src/CMakeLists.txt" | head -n 1)"
echo "== symbols and soname carry the ABI version ($abi: 0.<minor> before 1.0)"
symbols="$(objdump -T "$work/prefix-shared/lib/libwix_backinstock.so")"
grep -q "WIX_BACKINSTOCK_${abi/./\\.} " <<<"$symbols" || { echo "no versioned symbols" >&2; exit 1; }
dynamic="$(readelf -d "$work/prefix-shared/lib/libwix_backinstock.so")"
grep -q "SONAME.*libwix_backinstock\.so\.${abi/./\\.}\]" <<<"$dynamic" || { echo "no soname with the ABI version" >&2; exit 1; }

for how in add_subdirectory fetchcontent; do
  echo "== consumer via $how ($([ "$how" = add_subdirectory ] && echo 5 || echo 6) of 6)"
  cmake -S "$src/tests/consumer" -B "$work/consumer-$how" "${gen[@]}" -DCONSUME=$how \
    -DWIX_BACKINSTOCK_SOURCE="$src" >/dev/null
  cmake --build "$work/consumer-$how" >/dev/null
  # Only the library was built: no tests, tools or examples of the SDK.
  if [ -e "$work/consumer-$how/wix_backinstock/tests" ] || [ -e "$work/consumer-$how/_deps/wix_backinstock-build/tests" ]; then
    echo "the SDK's tests were configured in a consumer build" >&2; exit 1
  fi
  "$work/consumer-$how/consumer"
  (cd "$work" && "$work/consumer-$how/journal_consumer")
done
echo "consumers ok"
