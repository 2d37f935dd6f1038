#!/usr/bin/env bash
# The structure the build and the docs promise, checked:
# - every source file of src/ is in a layer's folder (none loose), and no folder holds more than
#   a dozen files;
# - the layers of docs/architecture.md's table (name, folder, the layers each uses) are exactly
#   those src/CMakeLists.txt declares (wix_backinstock_layer), and each has its folder;
# - public headers name no `internal::` type outside a private section, `namespace internal`
#   blocks in them only declare, and no `State` type is declared outside a private section;
# - the API methods are no longer a macro list in src/ or include/.
# Usage: scripts/check_layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0
fail() { echo "check_layers: $*"; status=1; }

# Loose files and full rooms.
while IFS= read -r f; do fail "src/$f is not in a layer's folder"; done < <(
  find src -maxdepth 1 -type f \( -name '*.cc' -o -name '*.h' \) -printf '%f\n')
for dir in src/*/; do
  n=$(find "$dir" -maxdepth 1 -type f \( -name '*.cc' -o -name '*.h' \) | wc -l)
  [ "$n" -le 12 ] || fail "$dir holds $n files (at most 12: split the layer)"
done

# The layers as the build declares them: "name: uses..." per line, sorted.
declared=$(awk '
  /wix_backinstock_layer\(/ { call = ""; collecting = 1 }
  collecting { call = call " " $0 }
  collecting && /\)/ {
    collecting = 0
    sub(/.*wix_backinstock_layer\(/, "", call); sub(/\).*/, "", call)
    n = split(call, w, /[ \t]+/); name = ""; uses = ""; mode = ""
    for (i = 1; i <= n; i++) {
      if (w[i] == "") continue
      if (name == "") { name = w[i]; continue }
      if (w[i] == "USES" || w[i] == "LINKS" || w[i] == "SOURCES") { mode = w[i]; continue }
      if (mode == "USES") uses = uses " " w[i]
    }
    print name ":" uses
  }' src/CMakeLists.txt | sort)
# The layers as docs/architecture.md's table names them: | N. name | `src/name/` | uses | ... |
documented=$(awk -F'|' '
  $2 ~ /^ *[0-9]+[a-z]?\. / {
    name = $2; sub(/^ *[0-9]+[a-z]?\. */, "", name); sub(/ *$/, "", name)
    folder = $3; gsub(/[ `]/, "", folder)
    if (folder != "src/" name "/") print "FOLDER " name " " folder
    uses = $4; gsub(/[,—-]/, " ", uses); gsub(/  +/, " ", uses); sub(/ *$/, "", uses)
    if (uses ~ /^ *$/) uses = ""; else if (uses !~ /^ /) uses = " " uses
    print name ":" uses
  }' docs/architecture.md | sort)
if grep -q '^FOLDER' <<<"$documented"; then
  fail "docs/architecture.md names a folder other than src/<layer>/: $(grep '^FOLDER' <<<"$documented")"
fi
documented=$(grep -v '^FOLDER' <<<"$documented" || true)
if [ "$declared" != "$documented" ]; then
  fail "docs/architecture.md's layer table and src/CMakeLists.txt disagree:"
  diff <(echo "$documented") <(echo "$declared") | sed 's/^</  docs:/; s/^>/  build:/' | grep -v '^[0-9]'
fi
while IFS=: read -r name _; do
  [ -d "src/$name" ] || fail "layer $name has no folder src/$name/"
done <<<"$declared"
for dir in src/*/; do
  name=$(basename "$dir")
  grep -q "^$name:" <<<"$declared" || fail "src/$name/ is not a declared layer"
done

# Public headers: internals only in private sections.
for h in include/wix/backinstock/*.h include/wix/backinstock/testing/*.h; do
  awk -v file="$h" '
    /^namespace internal \{/ { in_internal = 1; next }
    in_internal && /^\}/ { in_internal = 0; next }
    in_internal {
      if ($0 !~ /^(class|struct) [A-Za-z_]+;$/ && $0 !~ /^ *$/ && $0 !~ /^ *\/\//)
        print file ":" NR ": namespace internal holds more than declarations: " $0
      next
    }
    /^(class|struct) [A-Za-z_]+[^;]*$/ { access = "public" }
    /^ *(public|protected):/ { access = "public" }
    /^ *private:/ { access = "private" }
    /^\};/ { access = "" }
    /internal::|struct State;/ && access != "private" {
      print file ":" NR ": outside a private section: " $0
    }' "$h"
done | while IFS= read -r line; do echo "check_layers: $line"; echo x; done | grep -v '^x$' && status=1 || true

if grep -rn 'WIX_BACKINSTOCK_API_METHODS' src include >/dev/null; then
  fail "the API methods are listed as a macro again: $(grep -rln 'WIX_BACKINSTOCK_API_METHODS' src include | tr '\n' ' ')"
fi

[ "$status" -eq 0 ] && echo "check_layers: $(wc -l <<<"$declared") layers, folders, docs and public headers agree"
exit "$status"
