#!/usr/bin/env bash
# The command-line tool against the emulator: every subcommand, JSON out, exit codes.
# Usage: cli_e2e.sh EMULATOR CLI
set -euo pipefail
emulator="$1"
cli="$2"
dir="$(mktemp -d)"
"$emulator" --port 0 --app cli-app:cli-secret >"$dir/emulator.out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do [ -s "$dir/emulator.out" ] && break; sleep 0.05; done
export WIX_BASE_URL="$(head -n 1 "$dir/emulator.out")" WIX_API_KEY=cli-test-key WIX_SITE_ID=cli-site

fail() { echo "FAILED: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE COMMAND...
  local want=$1; shift
  set +e; "$@" >"$dir/out" 2>"$dir/err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$dir/out" "$dir/err" >&2; fail "$* exited $got, expected $want"; }
}
contains() { grep -q -- "$1" "$dir/$2" || { cat "$dir/$2" >&2; fail "no '$1' in $2"; }; }

expect_exit 0 "$cli" --help
for c in report create get delete mark-sent query count settings; do
  expect_exit 0 "$cli" "$c" --help
  contains "Usage: wix-backinstock $c" out
done

expect_exit 0 "$cli" settings start
contains '"collectingRequests": true' out
expect_exit 0 "$cli" create --catalog-item-id orchid --email jane@example.com --name Orchid --price 29.99 \
  --item-url https://shop.example/orchid
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$dir/out" | head -n 1)"
[ -n "$id" ] || fail "create printed no id"
expect_exit 0 "$cli" create --catalog-item-id orchid --email sam@mail.invalid --name Orchid --price 29.99
expect_exit 0 "$cli" get "$id"
contains '"email": "jane@example.com"' out
expect_exit 0 "$cli" query --status RECEIVED --sort createdDate:desc --limit 1 --all
[ "$(grep -c '"email"' "$dir/out")" = 2 ] || fail "query --all did not walk both pages"
expect_exit 0 "$cli" count --catalog-item-id orchid --catalog-item-id tulip
contains '"count": 2' out
contains '"count": 0' out
expect_exit 0 "$cli" report --catalog-item-id orchid --name Orchid --price 29.99 --param storeName=Green
expect_exit 0 "$cli" get "$id"
contains '"status": "NOTIFICATION_SENT"' out
expect_exit 0 "$cli" query --status FAILED
contains 'sam@mail.invalid' out
expect_exit 0 "$cli" mark-sent "$id"
contains '"autoNotified": false' out
expect_exit 0 "$cli" delete "$id"
expect_exit 4 "$cli" get "$id"
contains 'NOT_FOUND' err
contains 'request id: ' err
expect_exit 4 "$cli" settings start --app-id 13d21c63-b5ec-5912-8397-c3a5ddb27a97
contains 'NOT_SUPPORTED_APP_DEF_ID' err

expect_exit 0 "$cli" --version
contains 'wix-backinstock [0-9]' out

# Anything the tool does not understand is a usage error, and nothing is sent.
outbox() { curl -s "$WIX_BASE_URL/_emulator/outbox" | tr -d ' \n'; }
before="$(outbox)"
expect_exit 2 "$cli" report --catalog-item-id orchid --option '{"variantId":"red"}' --name Orchid --price 9
expect_exit 2 "$cli" report --catalog-item-id orchid --options
expect_exit 2 "$cli" report --catalog-item-id orchid --catalog-item-id tulip --name Orchid --price 9
expect_exit 2 "$cli" report --catalog-item-id orchid --name Orchid --price 9 stray
[ "$(outbox)" = "$before" ] || fail "a rejected report reached the service"
expect_exit 2 "$cli" query --stauts RECEIVED
expect_exit 2 "$cli" query --limit 4294967297
expect_exit 2 "$cli" query --limit ten
expect_exit 2 "$cli" query --auto-notified maybe
expect_exit 2 "$cli" --base-url
expect_exit 2 "$cli" get
expect_exit 2 "$cli" get a b
expect_exit 2 "$cli" settings
expect_exit 2 "$cli" report
expect_exit 2 "$cli" frobnicate
expect_exit 2 "$cli" query --status SOMETIMES
expect_exit 3 "$cli" report --request-id r1 --name Orchid --price -1
contains 'itemDetails.price' err
[ "$(grep -o 'itemDetails.price' "$dir/err" | wc -l)" = 1 ] || fail "the error repeats itself"
expect_exit 2 "$cli" report --request-id r1 --catalog-item-id orchid --name Orchid --price 1
expect_exit 5 "$cli" --base-url http://127.0.0.1:1 settings get
grep -q cli-test-key "$dir/err" && fail "the API key reached stderr"
# One rule for credentials: a missing variable is a usage error (exit 2) naming the first one
# missing, in the documented order.
WIX_API_KEY= expect_exit 2 "$cli" settings get
contains 'WIX_API_KEY' err
WIX_SITE_ID= expect_exit 2 "$cli" settings get
contains 'WIX_SITE_ID' err
(unset WIX_API_KEY WIX_SITE_ID; WIX_APP_ID=x expect_exit 2 "$cli" settings get) || exit 1
contains 'WIX_APP_SECRET' err
(unset WIX_API_KEY WIX_SITE_ID; WIX_APP_ID=x WIX_APP_SECRET=y expect_exit 2 "$cli" settings get) || exit 1
contains 'WIX_INSTANCE_ID' err
# A short dummy key is redacted as a whole token, never inside words.
WIX_API_KEY=k expect_exit 4 "$cli" mark-sent no-such-request
contains 'Back in stock notification request not found' err
# A value out of range is a usage error naming the option and its range in plain integers.
for limit in 0 500 -5; do
  expect_exit 2 "$cli" query --limit "$limit"
  contains '^wix-backinstock: --limit' err
  contains '1 to 100' err
done
expect_exit 2 "$cli" query --offset -1
contains '0 to 2147483647' err
grep -q '000000' "$dir/err" && fail "the range is printed as a floating-point number"
# A typo names the program and suggests the option meant; an unknown command lists the commands.
expect_exit 2 "$cli" query --stauts RECEIVED
contains '^wix-backinstock: ' err
contains 'did you mean --status' err
expect_exit 2 "$cli" report --optoins x
contains 'did you mean --options' err
expect_exit 2 "$cli" frobnicate
contains "unknown command 'frobnicate'" err
contains 'report, create, get, delete, mark-sent, query, count, settings' err
# Query by product and by offset.
expect_exit 0 "$cli" create --catalog-item-id tulip --email ann@example.com --name Tulip --price 3
expect_exit 0 "$cli" create --catalog-item-id tulip --email bob@example.com --name Tulip --price 3
expect_exit 0 "$cli" query --catalog-item-id tulip --all
[ "$(grep -o '"catalogItemId": "tulip"' "$dir/out" | wc -l)" = 2 ] || { cat "$dir/out" >&2; fail "query by product"; }
contains 'ann@example.com' out
expect_exit 0 "$cli" query --catalog-item-id tulip --limit 1 --offset 1
contains '"total": 2' out
contains '"offset": 1' out
[ "$(grep -o '"email"' "$dir/out" | wc -l)" = 1 ] || fail "one request per page of one"
expect_exit 2 "$cli" query --offset 1 --cursor abc
expect_exit 2 "$cli" query --offset -1

# App credentials the token endpoint refuses: the server's own description is shown, and the
# exit code says the credentials failed (nothing was sent), not that the API refused the call.
(unset WIX_API_KEY WIX_SITE_ID
  WIX_APP_ID=cli-app WIX_APP_SECRET=not-it WIX_INSTANCE_ID=i-1 expect_exit 6 "$cli" settings get) || exit 1
contains 'Unknown app or wrong secret' err
contains 'credentials failed (nothing was sent)' err
grep -q not-it "$dir/err" && fail "the app secret reached stderr"

# The emulator executable's own switches.
expect_exit 0 "$emulator" --version
contains 'wix-backinstock-emulator 0\.' out
expect_exit 2 "$emulator" --log-requests=verbose
expect_exit 2 "$emulator" --duplicate-create sometimes
expect_exit 2 "$emulator" --max-body-bytes
"$emulator" --port 0 --collecting --log-requests=decoded --duplicate-create conflict \
  --max-body-bytes 4096 --threads 2 --keep-alive-timeout 500 >"$dir/e2.out" 2>"$dir/e2.log" &
pid2=$!
for _ in $(seq 1 200); do [ -s "$dir/e2.out" ] && break; sleep 0.05; done
e2="$(head -n 1 "$dir/e2.out")"
WIX_BASE_URL="$e2" expect_exit 0 "$cli" create --catalog-item-id fern --email ann@example.com \
  --name Fern --price 5
WIX_BASE_URL="$e2" expect_exit 4 "$cli" create --catalog-item-id fern --email ann@example.com \
  --name Fern --price 5
contains 'ALREADY_EXISTS' err
WIX_BASE_URL="$e2" expect_exit 4 "$cli" report --catalog-item-id fern --name "$(head -c 5000 /dev/zero | tr '\0' n)" --price 5
contains '413' err
WIX_BASE_URL="$e2" expect_exit 0 "$cli" query --status RECEIVED
curl -s -X POST "$e2/_emulator/reset" | grep -q '{}' || fail "a body-less reset was not served"
curl -s "$e2/_emulator/requests" | grep -q '"requests": \[\]' || fail "the reset did not forget"
kill -INT $pid2
for _ in $(seq 1 40); do kill -0 $pid2 2>/dev/null || break; sleep 0.05; done
kill -0 $pid2 2>/dev/null && fail "the emulator did not stop on SIGINT within 2 s"
wait $pid2 || fail "the emulator exited with an error on SIGINT"
grep -q ' POST .*/back-in-stock-notification-requests 409 BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS ' "$dir/e2.log" \
  || { cat "$dir/e2.log" >&2; fail "no log line for the conflict"; }
grep -q '413 PAYLOAD_TOO_LARGE' "$dir/e2.log" || fail "no log line for the refused body"
grep -q '\.r={"query"' "$dir/e2.log" || fail "the decoded .r is not logged"
echo "cli ok"
