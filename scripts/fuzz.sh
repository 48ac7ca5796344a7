#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang 16 (ASan + UBSan) and runs
# each for SECONDS (default 30, CI) over a copy of its seed corpus in
# fuzz/corpus/<name>/. Fails if any target crashes, leaks, trips a sanitizer
# or breaks one of its invariants; the input is kept under BUILD_DIR/fuzz-artifacts/.
# docs/fuzzing.md: the targets, their invariants, and longer runs.
#
#   scripts/fuzz.sh [seconds-per-target]
#
# Environment: SKIP_DEPS=1 (packages already installed), BUILD_DIR (default
# build-fuzz), FUZZ_TARGETS (default: every target, space-separated names).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
build_dir=${BUILD_DIR:-build-fuzz}
targets=${FUZZ_TARGETS:-config document xero_response smtp_reply mail_message}

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  scripts/install-deps.sh
  # Debian 12's default clang (14) cannot compile libstdc++'s <expected>: see fuzz/CMakeLists.txt.
  fuzz_packages=(clang-16 libclang-rt-16-dev)
  missing=()
  for p in "${fuzz_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "fuzz: installing ${missing[*]}"
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends "${missing[@]}"
  fi
fi

CC=clang-16 CXX=clang++-16 cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DXEROD_FUZZ=ON -DXEROD_PCH=OFF -DXEROD_UNITY=OFF \
  -DXEROD_BUILD_TESTS=OFF -DXEROD_BUILD_BENCH=OFF
cmake --build "$build_dir" --target xerod_fuzz -j "$(nproc)"

artifacts=$(realpath "$build_dir")/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in $targets; do
  mkdir -p "$work/$t"
  cp -r "fuzz/corpus/$t/." "$work/$t/"
  start=$(date +%s)
  # -timeout: an input that takes 10 s is a hang, reported like a crash. The outer
  # timeout bounds libFuzzer's own reports (an out-of-memory report can take minutes).
  if timeout -k 10 $((2 * seconds + 300)) \
      "$build_dir/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t-" "$work/$t" >"$work/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log")
    echo "fuzz: $t: ok, ${runs} runs, ${rate} exec/s, $(($(date +%s) - start)) s"
    passed=$((passed + 1))
  else
    echo "fuzz: $t: FAILED (last lines of its log below; input in $artifacts/$t-*)"
    grep -a -v '^#' "$work/$t.log" | tail -40
    echo "  reproduce: $build_dir/fuzz/${t}_fuzz $artifacts/$t-<file>"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
