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
echo "restock worker ok"
