#!/usr/bin/env bash
# A decorator written against this release still compiles after the API gains a method: a scratch
# copy of the public headers gets one more method in `Connection` and `AsyncConnection`, with the
# default every method has, and decorator_of_this_release.cc is compiled against it. The same
# method added without a default (pure virtual, as before 0.8) must break it: the proof that the
# check can fail.
# Usage: check_new_method.sh <c++ compiler> <source include dir> <build include dir>
set -uo pipefail
cxx="$1" include="$2" generated="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# add_method <with default: yes|no> <dir>: copies the headers to <dir> and adds the method.
add_method() {
  local body_sync body_async
  if [ "$1" = yes ]; then
    body_sync='{ (void)options; throw UnimplementedError("get_restock_forecast"); }'
    body_async='{ (void)options; return {}; }'
  else
    body_sync='= 0;' body_async='= 0;'
  fi
  mkdir -p "$2/wix" && cp -r "$include/wix/backinstock" "$2/wix/"
  awk -v m="  virtual Settings get_restock_forecast(const CallOptions& options) $body_sync" \
    '/^class Connection / { in_class = 1 } in_class && /^};/ { print m; in_class = 0 } { print }' \
    "$include/wix/backinstock/connection.h" > "$2/wix/backinstock/connection.h"
  awk -v m="  virtual std::future<Settings> get_restock_forecast(const CallOptions& options) $body_async" \
    '/^class AsyncConnection / { in_class = 1 } in_class && /^};/ { print m; in_class = 0 } { print }' \
    "$include/wix/backinstock/async_connection.h" > "$2/wix/backinstock/async_connection.h"
  grep -q get_restock_forecast "$2/wix/backinstock/connection.h" &&
    grep -q get_restock_forecast "$2/wix/backinstock/async_connection.h"
}

compile() { "$cxx" -std=c++17 -fsyntax-only -Wall -Werror -I"$1" -I"$generated" \
  "$here/decorator_of_this_release.cc" 2>&1; }

add_method yes "$scratch/with_default" || { echo "FAIL: could not add the method"; exit 1; }
if ! out=$(compile "$scratch/with_default"); then
  echo "FAIL: the decorator no longer compiles after a method was added:"; echo "$out"; exit 1
fi
add_method no "$scratch/pure" || { echo "FAIL: could not add the method"; exit 1; }
if compile "$scratch/pure" >/dev/null; then
  echo "FAIL: the check cannot fail (a pure method did not break the decorator)"; exit 1
fi
echo "ok: the decorator compiles with a method added (and would not, were it pure virtual)"
