#!/usr/bin/env bash
# Reports per second through the report journal beside the same reports without it: SQLite and
# PostgreSQL (a durable throwaway server started here), 1 and 4 worker processes, against a
# server that answers at once and one that answers after 50 ms; and fsyncs per report.
# Usage: bench/journal.sh [REPORTS]   (default 10000; about 5 minutes)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
PACKAGES+=(libbenchmark-dev postgresql strace)
ensure_packages
reports="${1:-10000}"
out="${BENCH_BUILD_DIR:-$ROOT/build-bench}"  # not build/bench: a build in build/ with benchmarks on owns that
echo "Building journal_bench and loopback_server (Release) in $out..."
cmake -S "$ROOT" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWIX_BACKINSTOCK_BUILD_BENCH=ON \
  -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out" --target journal_bench loopback_server >/dev/null
bin="$out/bench"
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$ROOT/tests/journal/pg_cluster.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
declare -A url
for delay in 0 50; do
  "$bin/loopback_server" 0 "$delay" >"$work/port-$delay" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/port-$delay" ] && break; sleep 0.05; done
  url[$delay]="http://127.0.0.1:$(cat "$work/port-$delay")"
done
echo "Starting PostgreSQL (durable settings)..."
port="$(bash "$ROOT/tests/journal/pg_cluster.sh" start "$work/pg" durable)"
pg="postgres:host=127.0.0.1 port=$port dbname=postgres user=worker password=worker-secret"

measure() {  # measure DELAY IN_FLIGHT WORKERS MODE JOURNAL -> reports/s
  local spec="$5"
  [ "$spec" = sqlite ] && { rm -f "$work"/j.db*; spec="sqlite:$work/j.db"; }
  JOURNAL_MODE="$4" "$bin/journal_bench" "${url[$1]}" "$reports" "$2" "$spec" "$3" |
    sed -n 's/reports_per_second=//p'
}
# threads: IN_FLIGHT threads calling Client / ReportJournal::report; stream: one AsyncClient,
# AsyncClient::report_items_back_in_stock_stream / ReportJournal::report_stream.
printf '%-8s %-10s %-8s %-8s %12s %12s %12s\n' server in-flight workers mode none sqlite postgres
for delay in 0 50; do
  for workers in 1 4; do
    for inflight in 1 64; do
      [ "$inflight" = 1 ] && [ "$workers" = 4 ] && continue
      for mode in threads stream; do
        [ "$inflight" = 1 ] && [ "$mode" = stream ] && continue
        n=$reports; [ "$inflight" = 1 ] && reports=$((n / 10))
        [ "$delay" = 50 ] && [ "$inflight" = 1 ] && reports=$((n / 200))
        printf '%-8s %-10s %-8s %-8s %12s %12s %12s\n' "${delay}ms" "$inflight" "$workers" "$mode" \
          "$(measure $delay $inflight $workers $mode none)" \
          "$(measure $delay $inflight $workers $mode sqlite)" \
          "$(measure $delay $inflight $workers $mode "$pg")"
        reports=$n
      done
    done
  done
done
echo "fsyncs per report (SQLite file, strace; 0 ms server):"
for run in "1 threads" "64 threads" "64 stream"; do
  read -r inflight mode <<<"$run"
  rm -f "$work"/j.db*
  n=$((inflight == 1 ? 1000 : reports))
  JOURNAL_MODE="$mode" strace -f -c -e trace=fsync,fdatasync -o "$work/strace" \
    "$bin/journal_bench" "${url[0]}" "$n" "$inflight" "sqlite:$work/j.db" >/dev/null
  calls="$(awk '/total/ {print $4}' "$work/strace")"
  echo "  $inflight in flight ($mode): $(awk -v c="$calls" -v n="$n" 'BEGIN {printf "%.2f", c / n}')"
done
