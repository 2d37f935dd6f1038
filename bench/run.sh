#!/usr/bin/env bash
# Builds the benchmarks (Release) and measures the SDK beside the floor (raw libcurl, a reused
# handle, the body built once), beside the same floor sending the SDK's exact request with its
# libcurl options (User-Agent, timeouts, stall check: "same request"), and beside the
# JSON-building variant (raw libcurl that builds the body with nlohmann for every call and parses
# the answer). Prints one table of ratios at the end.
# Usage: bench/run.sh [RUNS]      (RUNS per wall-clock figure, default 5; medians are reported)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
PACKAGES+=(libbenchmark-dev valgrind util-linux)
ensure_packages

runs="${1:-5}"
out="${BENCH_BUILD_DIR:-$ROOT/build-bench}"  # not build/bench: a build in build/ with benchmarks on owns that
cmake -S "$ROOT" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWIX_BACKINSTOCK_BUILD_BENCH=ON \
  -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out" --target micro_bench e2e_bench loopback_server tls_server >/dev/null
bin="$out/bench"
servers=()
trap 'for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# start_server CPU DELAY_MS -> sets $url and $server
start_server() {
  rm -f "$out/port"
  if [ -n "$1" ]; then taskset -c "$1" "$bin/loopback_server" 0 "$2" >"$out/port" 2>"$out/server.err" &
  else "$bin/loopback_server" 0 "$2" >"$out/port" 2>"$out/server.err" & fi
  server=$!
  servers+=("$server")
  for _ in $(seq 1 100); do [ -s "$out/port" ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat "$out/port")"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
declare -A result

start_server 0 0

# Wall time, sequential, client and server pinned to CPU 0; the modes alternate run by run so
# that drift of a shared machine hits all of them.
declare -A seq_values
for _ in $(seq 1 "$runs"); do
  for mode in floor-seq wire-seq curl-seq sdk-seq; do
    seq_values[$mode]+="$(taskset -c 0 "$bin/e2e_bench" "$mode" "$url" 20000 | field us_per_call)"$'\n'
  done
done
for mode in floor-seq wire-seq curl-seq sdk-seq; do
  result[us.$mode]=$(echo "${seq_values[$mode]}" | median)
done

# Instructions per call by callgrind: (N2 - N1) calls cancel start-up out. With calls in flight
# the count moves by 1-2 % from run to run (how completions fall into the loop's rounds): the
# median of three pairs.
instructions() {  # instructions MODE N1 N2 IN_FLIGHT [PAIRS]
  local a b pairs="${5:-1}" values=""
  for _ in $(seq 1 "$pairs"); do
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/e2e_bench" "$1" "$url" "$2" "$4" \
      2>"$out/cg.1" >/dev/null
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/e2e_bench" "$1" "$url" "$3" "$4" \
      2>"$out/cg.2" >/dev/null
    a=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.1")
    b=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.2")
    values+="$(((b - a) / ($3 - $2)))"$'\n'
  done
  echo "$values" | median
}
for mode in floor-seq wire-seq curl-seq sdk-seq; do result[ins.$mode]=$(instructions "$mode" 1000 3000 1); done
for mode in floor-multi wire-multi curl-multi sdk-batch sdk-stream sdk-then sdk-async; do
  result[ins64.$mode]=$(instructions "$mode" 2000 6000 64 3)
done

# Throughput, 64 in flight, server on CPU 0 and client on CPU 1, the modes alternating.
declare -A multi_values fault_values
for _ in $(seq 1 "$runs"); do
  for mode in floor-multi wire-multi curl-multi sdk-batch sdk-stream sdk-stream-build sdk-then \
    sdk-async; do
    line="$(taskset -c 1 "$bin/e2e_bench" "$mode" "$url" 50000 64)"
    multi_values[$mode]+="$(echo "$line" | field calls_per_s)"$'\n'
    fault_values[$mode]+="$(echo "$line" | field minflt_per_call)"$'\n'
  done
done
for mode in floor-multi wire-multi curl-multi sdk-batch sdk-stream sdk-stream-build sdk-then \
  sdk-async; do
  result[cps.$mode]=$(echo "${multi_values[$mode]}" | median)
  result[flt.$mode]=$(echo "${fault_values[$mode]}" | median)
done

# Peak RSS of 10,000, 100,000 and 1,000,000 reports (the caller's input included).
for mode in floor-multi sdk-batch sdk-async sdk-stream; do
  for n in 10000 100000 1000000; do
    result[rss.$mode.$n]=$("$bin/e2e_bench" "$mode" "$url" "$n" 64 | field maxrss_kb)
  done
done
kill "$server"

# Latency hidden: each answer 50 ms after its request, 10,000 reports, 256 in flight.
ideal=$(awk 'BEGIN {printf "%.3f", 10000 / 256 * 0.050}')
for mode in floor-multi sdk-batch sdk-async; do
  start_server "" 50
  result[lat.$mode]=$("$bin/e2e_bench" "$mode" "$url" 10000 256 | field seconds)
  kill -TERM "$server"
  wait "$server" || true
  result[conn.$mode]=$(sed -n 's/connections=//p' "$out/server.err")
done

# TLS: a local HTTPS server with a test CA; connections and handshakes per run.
tls="$out/tls"
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 \
  -subj "/CN=wix-backinstock bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tls/server.key" -out "$tls/server.csr" \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -out "$tls/server.pem" -days 2 -extfile "$tls/ext" 2>/dev/null
for spec in "sdk-seq 2000 1" "sdk-batch 5000 64" "sdk-async 5000 64" "floor-multi 5000 64"; do
  read -r mode calls inflight <<<"$spec"
  "$bin/tls_server" "$tls/server.pem" "$tls/server.key" >"$tls/port" 2>"$tls/count" &
  tls_pid=$!
  servers+=("$tls_pid")
  for _ in $(seq 1 100); do [ -s "$tls/port" ] && break; sleep 0.05; done
  WIX_BENCH_CA_FILE="$tls/ca.pem" "$bin/e2e_bench" "$mode" "https://localhost:$(cat "$tls/port")" \
    "$calls" "$inflight" >/dev/null
  kill -TERM "$tls_pid"
  wait "$tls_pid" || true
  result[tls.$mode]="$calls calls, $inflight in flight: $(sed -n 's/handshakes=\([0-9]*\).*/\1/p' "$tls/count") handshakes"
done

# Decoding a 100-item query page (45 KB) beside nlohmann's parser alone on the same bytes, in
# instructions ((60 - 20) decodes), and nlohmann's SAX pass with a handler that keeps nothing.
decode_instructions() {
  local a b
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/micro_bench" --decode-loop "$1" 20 \
    2>"$out/cg.1" >/dev/null
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/micro_bench" --decode-loop "$1" 60 \
    2>"$out/cg.2" >/dev/null
  a=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.1")
  b=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/cg.2")
  echo $(((b - a) / 40))
}
decode=$(decode_instructions sdk)
parse=$(decode_instructions parse)
noop=$(decode_instructions sax)

echo "| figure | floor | same request | JSON-building | SDK | SDK / floor | SDK / same request | SDK / JSON-building |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "| sequential µs per call (pinned, median of $runs) | ${result[us.floor-seq]} | ${result[us.wire-seq]} | ${result[us.curl-seq]} | ${result[us.sdk-seq]} | $(ratio "${result[us.sdk-seq]}" "${result[us.floor-seq]}") | $(ratio "${result[us.sdk-seq]}" "${result[us.wire-seq]}") | $(ratio "${result[us.sdk-seq]}" "${result[us.curl-seq]}") |"
echo "| sequential instructions per call | ${result[ins.floor-seq]} | ${result[ins.wire-seq]} | ${result[ins.curl-seq]} | ${result[ins.sdk-seq]} | $(ratio "${result[ins.sdk-seq]}" "${result[ins.floor-seq]}") | $(ratio "${result[ins.sdk-seq]}" "${result[ins.wire-seq]}") | $(ratio "${result[ins.sdk-seq]}" "${result[ins.curl-seq]}") |"
for mode in sdk-batch sdk-stream sdk-then sdk-async; do
  echo "| 64 in flight, calls/s, $mode | ${result[cps.floor-multi]} | ${result[cps.wire-multi]} | ${result[cps.curl-multi]} | ${result[cps.$mode]} | $(ratio "${result[cps.$mode]}" "${result[cps.floor-multi]}") | $(ratio "${result[cps.$mode]}" "${result[cps.wire-multi]}") | $(ratio "${result[cps.$mode]}" "${result[cps.curl-multi]}") |"
  echo "| 64 in flight, instructions per call (median of 3), $mode | ${result[ins64.floor-multi]} | ${result[ins64.wire-multi]} | ${result[ins64.curl-multi]} | ${result[ins64.$mode]} | $(ratio "${result[ins64.$mode]}" "${result[ins64.floor-multi]}") | $(ratio "${result[ins64.$mode]}" "${result[ins64.wire-multi]}") | $(ratio "${result[ins64.$mode]}" "${result[ins64.curl-multi]}") |"
  echo "| 64 in flight, page faults per call, $mode | ${result[flt.floor-multi]} | ${result[flt.wire-multi]} | ${result[flt.curl-multi]} | ${result[flt.$mode]} | | | |"
  [ "$mode" = sdk-stream ] || [ "$mode" = sdk-then ] && continue
  echo "| 50 ms server, 10,000 calls, 256 in flight: seconds (ideal $ideal), connections, $mode | ${result[lat.floor-multi]}, ${result[conn.floor-multi]} | | | ${result[lat.$mode]}, ${result[conn.$mode]} | $(ratio "${result[lat.$mode]}" "$ideal") × ideal | | |"
done
# The stream whose generator makes every request from its parts (what a caller reading rows
# pays beside the SDK; the other forms hand over copies of one request or the same one).
mode=sdk-stream-build
echo "| 64 in flight, calls/s, $mode | ${result[cps.floor-multi]} | ${result[cps.wire-multi]} | ${result[cps.curl-multi]} | ${result[cps.$mode]} | $(ratio "${result[cps.$mode]}" "${result[cps.floor-multi]}") | $(ratio "${result[cps.$mode]}" "${result[cps.wire-multi]}") | $(ratio "${result[cps.$mode]}" "${result[cps.curl-multi]}") |"
for mode in sdk-batch sdk-async sdk-stream; do
  echo "| peak RSS kB, 10,000 / 100,000 / 1,000,000 calls, $mode | ${result[rss.floor-multi.10000]} / ${result[rss.floor-multi.100000]} / ${result[rss.floor-multi.1000000]} | | | ${result[rss.$mode.10000]} / ${result[rss.$mode.100000]} / ${result[rss.$mode.1000000]} | $(ratio "${result[rss.$mode.100000]}" "${result[rss.floor-multi.100000]}") | | |"
done
echo "| decode a 100-item query page, instructions (floor: nlohmann::json::parse; its SAX pass alone: $noop, $(ratio "$noop" "$parse")) | $parse | | | $decode | $(ratio "$decode" "$parse") | | |"
for mode in sdk-seq sdk-batch sdk-async floor-multi; do
  echo "| TLS, $mode | ${result[tls.$mode]} | | | | | | |"
done
