#!/usr/bin/env bash
# An upward include does not compile: the probe of the codec layer that includes the call layer's
# call.h fails to build, for that reason, while the same layer's probe of a base header builds.
# Usage: check_layering.sh <cmake> <build dir>
set -uo pipefail
cmake="$1" build="$2"
if ! out=$("$cmake" --build "$build" --target layering_probe_downward 2>&1); then
  echo "FAIL: a codec file including a base header does not build:"; echo "$out"; exit 1
fi
if out=$("$cmake" --build "$build" --target layering_probe_upward 2>&1); then
  echo "FAIL: a codec file including call.h (the call layer, above it) built"; exit 1
fi
if ! grep -q "call.h" <<<"$out" || ! grep -qiE "no such file|not found" <<<"$out"; then
  echo "FAIL: the upward include failed for another reason:"; echo "$out"; exit 1
fi
echo "ok: the upward include was refused ($(grep -m1 -E 'call.h' <<<"$out" | sed 's/^.*error: //'))"
