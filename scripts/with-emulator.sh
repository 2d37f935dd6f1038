#!/usr/bin/env bash
# Usage: with-emulator.sh EMULATOR COMMAND [ARGS...]
# Starts the emulator on a free port, runs COMMAND with WIX_BASE_URL, WIX_API_KEY and WIX_SITE_ID
# pointing at it (and WIX_EMULATOR_URL set), then stops the emulator. Exits with COMMAND's status.
set -euo pipefail

emulator="$1"
shift
out="$(mktemp)"
"$emulator" --port 0 >"$out" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 200); do
  url="$(head -n 1 "$out" 2>/dev/null || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the emulator did not start" >&2
    exit 1
  fi
  sleep 0.05
done
if [ -z "$url" ]; then
  echo "the emulator did not print its URL" >&2
  exit 1
fi

export WIX_BASE_URL="$url" WIX_EMULATOR_URL="$url"
export WIX_API_KEY="${WIX_API_KEY:-emulator-api-key}" WIX_SITE_ID="${WIX_SITE_ID:-emulator-site}"
"$@"
