#!/usr/bin/env bash
# The README's demo: installs what is missing, builds, starts the emulator on a free port, runs the
# examples and the command-line tool against it, prints the outbox (the e-mails the service would
# have sent), and stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
configure -DWIX_BACKINSTOCK_BUILD_TESTS=OFF -DWIX_BACKINSTOCK_BUILD_EXAMPLES=ON
echo "== building the emulator, the command-line tool and three examples (a few minutes the first time)"
cmake --build "$BUILD_DIR" --target wix-backinstock-emulator wix-backinstock report_back_in_stock \
  lifecycle restock_worker

"$ROOT/scripts/with-emulator.sh" "$BUILD_DIR/tools/emulator/wix-backinstock-emulator" bash -c '
  set -e
  echo "== emulator at $WIX_BASE_URL"
  echo "== examples/report_back_in_stock"
  "$0/examples/report_back_in_stock"
  echo
  echo "== examples/lifecycle"
  "$0/examples/lifecycle"
  echo
  echo "== the command-line tool: wix-backinstock query --status NOTIFICATION_SENT --limit 2"
  "$0/tools/cli/wix-backinstock" query --status NOTIFICATION_SENT --limit 2
  echo
  echo "== examples/restock_worker: one restock event delivered twice, reported once"
  journal="$(mktemp -d)/restock-journal.db"
  printf "evt-1 orchid 29.99 White Orchid\nevt-1 orchid 29.99 White Orchid\n" |
    WIX_JOURNAL_SQLITE="$journal" "$0/examples/restock_worker"
  echo "== the command-line tool: wix-backinstock journal show evt-1"
  "$0/tools/cli/wix-backinstock" journal show evt-1 --sqlite "$journal"
  rm -rf "$(dirname "$journal")"
  echo
  echo "== outbox (GET $WIX_EMULATOR_URL/_emulator/outbox)"
  curl -s "$WIX_EMULATOR_URL/_emulator/outbox"
  echo
' "$BUILD_DIR"
