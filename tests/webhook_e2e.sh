#!/usr/bin/env bash
# End to end: the emulator delivers a signed webhook for a create to the example receiver, which
# verifies it with the public key the emulator printed.
# Usage: webhook_e2e.sh EMULATOR RECEIVER
set -euo pipefail
emulator="$1"
receiver="$2"
dir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

first_line() {  # waits for the first line of a file
  for _ in $(seq 1 200); do
    line="$(head -n 1 "$1" 2>/dev/null || true)"
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    sleep 0.05
  done
  echo "no output in $1" >&2
  return 1
}

"$emulator" --port 0 --collecting --webhook-public-key-out "$dir/public.pem" >"$dir/emulator.out" &
pids+=($!)
emu="$(first_line "$dir/emulator.out")"
"$receiver" --public-key "$dir/public.pem" --port 0 --max-events 1 >"$dir/receiver.out" 2>"$dir/receiver.err" &
receiver_pid=$!
pids+=($receiver_pid)
recv="$(first_line "$dir/receiver.out")"

curl -sf -X POST "$emu/_emulator/webhooks" -d "{\"url\": \"$recv/webhooks\"}" >/dev/null
curl -sf -X POST "$emu/back-in-stock-service/v1/back-in-stock-notification-requests" \
  -H 'Authorization: test-key' -H 'wix-site-id: test-site' -H 'Content-Type: application/json' \
  -d '{"request":{"catalogReference":{"appId":"215238eb-22a5-4c36-9e7b-e7c08025e04e","catalogItemId":"orchid"},"email":"jane@example.com"},"itemDetails":{"name":"Orchid","price":"29.99"}}' \
  >"$dir/created.json"
id="$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$dir/created.json")"

for _ in $(seq 1 200); do
  kill -0 "$receiver_pid" 2>/dev/null || break
  sleep 0.05
done
cat "$dir/receiver.out"
cat "$dir/receiver.err" >&2
grep -q "^created $id seq 1 .* jane@example.com RECEIVED$" "$dir/receiver.out"
echo "verified webhook for $id"
