#!/usr/bin/env bash
# examples/restock_worker against the emulator: the same events fed twice (and a third time in a
# second process) are reported once each. Run by scripts/with-emulator.sh (WIX_* set).
# Usage: with-emulator.sh EMULATOR bash restock_worker_e2e.sh WORKER
set -euo pipefail
worker="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export WIX_JOURNAL_SQLITE="$dir/journal.db"
printf 'evt-1 orchid 29.99 White Orchid\nevt-2 tulip 4.50 Tulip\nevt-1 orchid 29.99 White Orchid\nevt-3 rose -1 Rose\n' \
  >"$dir/events"
"$worker" <"$dir/events" >"$dir/first" 2>"$dir/first.err"
"$worker" <"$dir/events" >"$dir/second" 2>"$dir/second.err"
fail() { echo "FAILED: $*" >&2; cat "$dir"/first* "$dir"/second* >&2; exit 1; }
[ "$(grep -c '^evt-1 sent$' "$dir/first")" = 2 ] || fail "evt-1 not sent (once) in the first run"
grep -q '^evt-2 sent$' "$dir/first" || fail "evt-2 not sent"
grep -q '^evt-3 invalid$' "$dir/first" || fail "a negative price was not refused"
grep -q 'itemDetails.price' "$dir/first.err" || fail "the refusal does not name the field"
reports="$(curl -s "$WIX_EMULATOR_URL/_emulator/outbox" | grep -c '"catalogReference"' || true)"
[ "$reports" = 2 ] || fail "$reports reports in the outbox, expected 2 (evt-1, evt-2)"
if [ "${EXPECT_METRICS:-0}" = 1 ]; then
  # Built with the prometheus component: METRICS_PORT serves what the worker did.
  ( printf 'evt-9 fern 3.00 Fern\n'; sleep 3 ) | METRICS_PORT=0 "$worker" >"$dir/third" 2>"$dir/third.err" &
  pid=$!
  url=""
  for _ in $(seq 100); do
    url="$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/third.err" || true)"
    [ -n "$url" ] && grep -q '^evt-9 ' "$dir/third" && break
    sleep 0.05
  done
  [ -n "$url" ] || fail "the worker printed no metrics address"
  body="$(curl -s --noproxy '*' "$url")"
  wait "$pid"
  grep -q '^wix_backinstock_journal_reports_total{outcome="sent"} 1$' <<<"$body" ||
    fail "the scrape does not count evt-9 as sent: $body"
  grep -q '^wix_backinstock_calls_total{method="report_items_back_in_stock",outcome="ok"} 1$' <<<"$body" ||
    fail "the scrape does not count the Report: $body"
fi
echo "restock worker ok"
