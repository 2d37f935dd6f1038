#!/usr/bin/env bash
# Every public header stands on its own (a user includes only what they use, and one concept per
# header means any one of them may come first), and fwd.h agrees with the definitions: each
# header is compiled alone, then after fwd.h.
# Usage: check_headers.sh <c++ compiler> <source include dir> <build include dir>
set -uo pipefail
cxx="$1" include="$2" generated="$3"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export cxx include generated scratch
check() {
  local header="$1" name tu
  name="$(tr '/.' '__' <<<"$header")"
  tu="$scratch/$name.cc"
  printf '#include <%s>\n' "$header" >"$tu"
  if ! out=$("$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$include" -I"$generated" \
      "$tu" 2>&1); then
    echo "FAIL: $header does not compile on its own:"; echo "$out" | head -20; return 1
  fi
  printf '#include <wix/backinstock/fwd.h>\n#include <%s>\n' "$header" >"$tu"
  if ! out=$("$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$include" -I"$generated" \
      "$tu" 2>&1); then
    echo "FAIL: fwd.h disagrees with $header:"; echo "$out" | head -20; return 1
  fi
}
export -f check
mapfile -t headers < <(cd "$include" && find wix -name '*.h' | sort)
printf '%s\n' "${headers[@]}" | xargs -P 2 -I{} bash -c 'check "$1"' _ {} || exit 1
echo "ok: ${#headers[@]} public headers compile on their own and after fwd.h"
