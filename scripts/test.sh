#!/usr/bin/env bash
# The test command: installs dependencies, builds xerod with warnings as errors,
# and runs every test with ctest.
#
#   scripts/test.sh                      # build/ , RelWithDebInfo
#   BUILD_DIR=build-asan SANITIZE=address,undefined scripts/test.sh
#
# Environment: BUILD_DIR (default build), SANITIZE (empty), BUILD_TYPE
# (RelWithDebInfo), DEBUG_INFO (lines: -g1; empty: the build type's full -g),
# CTEST_ARGS (extra ctest arguments), SKIP_DEPS=1 to skip apt.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DXEROD_WERROR=ON \
  -DXEROD_SANITIZE="${SANITIZE:-}" \
  -DXEROD_DEBUG_INFO="${DEBUG_INFO-lines}" \
  -DXEROD_BUILD_BENCH="${BUILD_BENCH:-ON}"
cmake --build "$build_dir" -j "$(nproc)"

# Sanitizer runs fail on the first report, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2086
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 ${CTEST_ARGS:-}
