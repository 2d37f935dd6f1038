#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Builds the libFuzzer targets with clang (preset "fuzz") and runs each for SECONDS (default 300),
# starting from its seed corpus in fuzz/corpus/. New inputs go to build/fuzz/corpus/, crashes to
# build/fuzz/artifacts/; each run's final statistics are printed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PACKAGES+=(clang libclang-rt-14-dev)
ensure_packages

seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode_response query_decoding emulator_request request_framing webhook_token error_body)

cd "$ROOT"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"
out="$ROOT/build/fuzz"
mkdir -p "$out/artifacts"
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t"
  echo "== fuzz_$t for ${seconds}s"
  "$out/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "$ROOT/fuzz/corpus/$t" \
    >"$out/$t.log" 2>&1 || { echo "fuzz_$t found a crash:"; tail -40 "$out/$t.log"; exit 1; }
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)" "$out/$t.log" || true
  grep -E "cov: [0-9]+" "$out/$t.log" | tail -1
done
