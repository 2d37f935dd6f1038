# Shared by scripts/demo.sh and scripts/test.sh: installs what the build needs and configures it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"

# Debian 12 packages the project builds, tests and demos with.
PACKAGES=(
  g++ cmake ninja-build pkg-config curl
  libcurl4-openssl-dev nlohmann-json3-dev libgtest-dev libgmock-dev libcpp-httplib-dev libssl-dev
  libcli11-dev libsqlite3-dev libpq-dev prometheus-cpp-dev
)
# The report journal's tests start a throwaway PostgreSQL server of their own, and run a worker
# under libfaketime (a clock two hours ahead).
TEST_PACKAGES=(postgresql faketime)
# What the test command needs besides: format and static checks, API reference, install checks.
CHECK_PACKAGES=(clang-format clang-tidy iwyu doxygen binutils)

# Installs the packages that are missing (through sudo when not root).
ensure_packages() {
  local missing=()
  local p
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configures the build directory with Ninja (extra arguments go to cmake).
configure() {
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
}
