#!/usr/bin/env bash
# The command-line tool and the emulator are installed (component `tools`) and run from where they
# were installed, by their bare names once the prefix's bin/ is on PATH, as the README calls them.
# Usage: install_tools.sh BUILD_DIR
set -euo pipefail
build="$1"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" --component tools >/dev/null
cmake --install "$build" --prefix "$prefix" >/dev/null
export PATH="$prefix/bin:$PATH"
wix-backinstock --version | grep -q '^wix-backinstock [0-9]' || { echo "the CLI did not run" >&2; exit 1; }
wix-backinstock-emulator --version | grep -q '^wix-backinstock-emulator [0-9]' ||
  { echo "the emulator did not run" >&2; exit 1; }
echo "tools installed and run from $prefix/bin"
