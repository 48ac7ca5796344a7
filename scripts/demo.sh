#!/usr/bin/env bash
# The demo: installs dependencies, builds xerod, and runs the daemon in the
# foreground on a demo configuration (session bus, database in a temp dir).
# It shows start-up, a config check, a reload (SIGHUP) and a clean stop (SIGTERM).
#
#   scripts/demo.sh              # runs ~6 seconds, then stops
#   DEMO_SECONDS=0 scripts/demo.sh   # keep running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target xerod

work=$(mktemp -d /tmp/xerod-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
config="$work/xerod.yaml"
cat > "$config" <<YAML
# Demo configuration: everything local, nothing privileged.
database: $work/xerod.db
dbus: {bus: session}
log: {level: debug}
queue: {max_attempts: 5, backoff_base: 2s, backoff_cap: 1m}
YAML

xerod="$build_dir/src/xerod"
echo "== $("$xerod" --version)"
echo "== checking the demo configuration"
"$xerod" --check-config --config "$config"

echo "== starting xerod in the foreground"
"$xerod" --config "$config" &
pid=$!
seconds=${DEMO_SECONDS:-6}
if [ "$seconds" != 0 ]; then
  sleep $((seconds / 2))
  echo "== systemctl reload equivalent: SIGHUP with log.level changed to info"
  sed -i 's/level: debug/level: info/' "$config"
  kill -HUP "$pid"
  sleep $((seconds / 2))
  echo "== systemctl stop equivalent: SIGTERM"
  kill -TERM "$pid"
fi
wait "$pid"
echo "== xerod exited with status $?"
ls -l "$work"
