#!/usr/bin/env bash
# Builds the emulator benchmark (Release) and measures the emulator's store at a realistic size:
# seeding through Create and through the seed route, each route's latency, memory, and mixed
# throughput from 1 to 16 clients.
# Usage: bench/emulator.sh [REQUESTS [SECONDS_PER_STEP]]   (default 1000000 and 3; about 3 minutes)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
PACKAGES+=(libbenchmark-dev)
ensure_packages

requests="${1:-1000000}"
seconds="${2:-3}"
out="${BENCH_BUILD_DIR:-$ROOT/build-bench}"  # not build/bench: a build in build/ with benchmarks on owns that
echo "Building emulator_bench (Release) in $out..."
cmake -S "$ROOT" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWIX_BACKINSTOCK_BUILD_BENCH=ON \
  -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out" --target emulator_bench >/dev/null
echo "Seed route, $requests requests:"
SEED_ROUTE=1 "$out/bench/emulator_bench" "$requests" | sed 's/^/  /'
echo "Create, latencies and mixed load, $requests requests:"
"$out/bench/emulator_bench" "$requests" "$seconds" | sed 's/^/  /'
