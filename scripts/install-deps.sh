#!/usr/bin/env bash
# Installs everything xerod needs to build, test, benchmark and package on Debian 12.
# Runs apt-get as root (directly, or through sudo when not root).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates clang-format
  # libraries (imported targets in CMakeLists.txt)
  libboost-dev libcurl4-openssl-dev libsqlite3-dev libyaml-cpp-dev
  libsdbus-c++-dev libsdbus-c++-bin libspdlog-dev libfmt-dev nlohmann-json3-dev
  libcli11-dev libssl-dev libsystemd-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  dbus-daemon dbus-bin python3 python3-aiosmtpd python3-jsonschema python3-yaml openssl sqlite3
  util-linux procps curl systemd
  # package checks (scripts/package-check.sh; the build dependencies of the packages come
  # from packaging/deb/debian/control: scripts/package.sh runs apt-get build-dep)
  lintian rpm rpmlint man-db
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
