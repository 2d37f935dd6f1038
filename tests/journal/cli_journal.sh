#!/usr/bin/env bash
# `wix-backinstock journal` against a journal that a worker left with an unknown entry: list shows
# it, resolve --allow-resend lets the next worker send it once, show and prune read the result.
# Usage: cli_journal.sh EMULATOR CLI WORKER
set -euo pipefail
emulator="$1"
cli="$2"
worker="$3"
dir="$(mktemp -d)"
"$emulator" --port 0 --collecting >"$dir/emulator.out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do [ -s "$dir/emulator.out" ] && break; sleep 0.05; done
url="$(head -n 1 "$dir/emulator.out")"
journal="sqlite:$dir/journal.db"
unset WIX_API_KEY WIX_SITE_ID WIX_APP_ID WIX_ACCESS_TOKEN  # the journal commands need none

fail() { echo "FAILED: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE COMMAND...
  local want=$1; shift
  set +e; "$@" >"$dir/out" 2>"$dir/err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$dir/out" "$dir/err" >&2; fail "$* exited $got, expected $want"; }
}
contains() { grep -q -- "$1" "$dir/$2" || { cat "$dir/$2" >&2; fail "no '$1' in $2"; }; }
reports() { curl -s "$url/_emulator/outbox" | grep -c '"eventKey": "restock-7"' || true; }

printf 'restock-7\nrestock-8\n' >"$dir/feed"
# The worker dies after the Report of restock-7 was answered, before it wrote the outcome.
set +e; "$worker" "$journal" "$url" "$dir/feed" 0 200 0 answered:restock-7 >/dev/null 2>&1; set -e
sleep 0.3  # its lease runs out
"$worker" "$journal" "$url" "$dir/feed" 0 200 1000 none >"$dir/acks"
grep -q "restock-7 unknown" "$dir/acks" || fail "restock-7 is not unknown: $(cat "$dir/acks")"
grep -q "restock-8 sent" "$dir/acks" || fail "restock-8 was not sent"
[ "$(reports)" = 1 ] || fail "restock-7 reported $(reports) times"

expect_exit 0 "$cli" journal list --sqlite "$dir/journal.db"
contains '"key": "restock-7"' out
contains '"outcome": "unknown"' out
grep -q restock-8 "$dir/out" && fail "a sent entry is listed as unsettled"
WIX_JOURNAL_SQLITE="$dir/journal.db" expect_exit 0 "$cli" journal show restock-8
contains '"outcome": "sent"' out
expect_exit 2 "$cli" journal resolve restock-7 --sqlite "$dir/journal.db"
contains "needs --sent or --allow-resend" err
expect_exit 2 "$cli" journal list
contains "exactly one of --sqlite" err
expect_exit 4 "$cli" journal resolve no-such-key --sent --sqlite "$dir/journal.db"
contains "no entry for this key" err
expect_exit 4 "$cli" journal resolve restock-8 --allow-resend --sqlite "$dir/journal.db"
contains "the entry is sent" err

# Housekeeping never removes what needs an operator, however old: only the sent entry goes.
sleep 0.01
expect_exit 0 "$cli" journal prune --retention-days 0 --sqlite "$dir/journal.db"
contains '"removed": 1' out
expect_exit 0 "$cli" journal show restock-7 --sqlite "$dir/journal.db"
contains '"outcome": "unknown"' out
expect_exit 0 "$cli" journal prune --help
contains "never removed" out

# The operator found the e-mails did not go out: one more send, then settled.
expect_exit 0 "$cli" journal resolve restock-7 --allow-resend --sqlite "$dir/journal.db"
contains '"outcome": "not_sent"' out
"$worker" "$journal" "$url" "$dir/feed" 0 200 1000 none >"$dir/acks"
grep -q "restock-7 sent" "$dir/acks" || fail "restock-7 was not sent after resolve"
[ "$(reports)" = 2 ] || fail "restock-7 reported $(reports) times in all"
expect_exit 0 "$cli" journal list --sqlite "$dir/journal.db"
contains '"entries": \[\]' out
expect_exit 0 "$cli" journal prune --retention-days 0 --sqlite "$dir/journal.db"
contains '"removed": 2' out
echo "cli journal ok"
