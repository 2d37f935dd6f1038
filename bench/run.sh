#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them all: micro-benchmarks, sequential and concurrent
# end-to-end runs beside the raw-libcurl baselines, instruction counts, peak RSS.
# Usage: bench/run.sh [RUNS]      (RUNS per figure, default 5; medians are reported)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
PACKAGES+=(libbenchmark-dev valgrind util-linux)
ensure_packages

runs="${1:-5}"
out="$ROOT/build/bench"
cmake -S "$ROOT" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWIX_BACKINSTOCK_BUILD_BENCH=ON \
  -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out" --target micro_bench e2e_bench loopback_server >/dev/null
bin="$out/bench"

taskset -c 0 "$bin/loopback_server" >"$out/port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$out/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$out/port")"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# e2e MODE CALLS IN_FLIGHT PIN -> median microseconds per call (and the last line in $last)
e2e() {
  local mode=$1 calls=$2 inflight=$3 pin=$4 values=""
  for _ in $(seq 1 "$runs"); do
    if [ -n "$pin" ]; then last=$(taskset -c "$pin" "$bin/e2e_bench" "$mode" "$url" "$calls" "$inflight");
    else last=$("$bin/e2e_bench" "$mode" "$url" "$calls" "$inflight"); fi
    values+="$(echo "$last" | field us_per_call)"$'\n'
  done
  echo "$values" | grep . | median
}

echo "## micro (median of $runs)"
"$bin/micro_bench" --benchmark_repetitions="$runs" --benchmark_report_aggregates_only=true 2>/dev/null | grep median

echo "## loopback server cost"
before=$(awk '{print $14+$15}' "/proc/$server/stat")
taskset -c 0 "$bin/e2e_bench" curl-seq "$url" 20000 >/dev/null  # on the server's CPU: no cross-CPU wake-ups
after=$(awk '{print $14+$15}' "/proc/$server/stat")
echo "server CPU per request: $(awk -v d=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f us", d / hz * 1e6 / 20000}')"

# Sequential pairs alternate baseline and SDK run by run, so drift of a shared machine hits both.
sequential() {
  local pin=$1 cv="" sv="" line
  for _ in $(seq 1 "$runs"); do
    for mode in curl-seq sdk-seq; do
      if [ -n "$pin" ]; then line=$(taskset -c "$pin" "$bin/e2e_bench" "$mode" "$url" 20000);
      else line=$("$bin/e2e_bench" "$mode" "$url" 20000); fi
      if [ "$mode" = curl-seq ]; then cv+="$(echo "$line" | field us_per_call)"$'\n';
      else sv+="$(echo "$line" | field us_per_call)"$'\n'; fi
    done
  done
  local c s
  c=$(echo "$cv" | grep . | median); s=$(echo "$sv" | grep . | median)
  echo "curl-seq $c  sdk-seq $s  ratio $(awk -v a="$s" -v b="$c" 'BEGIN {printf "%.3f", a / b}')"
}
echo "## sequential, client and server on CPU 0 (us per call, median of $runs)"
sequential 0
echo "## sequential, unpinned"
sequential ""

echo "## instructions per call (callgrind, 3000 - 1000 calls)"
for mode in curl-seq sdk-seq; do
  for n in 1000 3000; do
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/e2e_bench" "$mode" "$url" "$n" 2>"$out/cg.$mode.$n" >/dev/null
  done
  a=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.$mode.1000")
  b=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.$mode.3000")
  echo "$mode $(( (b - a) / 2000 ))"
done

for inflight in 16 64; do
  echo "## concurrent, $inflight in flight, server on CPU 0 (calls per second from median us/call)"
  for mode in curl-multi sdk-batch sdk-async; do
    us=$(e2e "$mode" 50000 "$inflight" "")
    echo "$mode $(awk -v u="$us" 'BEGIN {printf "%.0f", 1e6 / u}') calls/s ($us us/call)"
  done
done

echo "## peak RSS (kB), 64 in flight"
for mode in curl-multi sdk-batch sdk-async; do
  small=$("$bin/e2e_bench" "$mode" "$url" 10000 64 | field maxrss_kb)
  large=$("$bin/e2e_bench" "$mode" "$url" 100000 64 | field maxrss_kb)
  echo "$mode 10k calls: $small  100k calls: $large"
done
