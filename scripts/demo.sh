#!/usr/bin/env bash
# The demo: installs dependencies, builds xerod and xerod-ctl, and runs the daemon
# on a demo configuration (private session bus, database in a temp dir). It then
# drives it the way a sysadmin and the invoicing platform would: enqueue invoices
# and payments over D-Bus (with one invalid document), list jobs, pause/resume,
# reload (good and broken), and a clean stop.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target xerod xerod-ctl

# A private session bus for the whole demo, so nothing touches the system bus.
if [ -z "${XEROD_DEMO_BUS:-}" ]; then
  exec env XEROD_DEMO_BUS=1 SKIP_DEPS=1 dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d /tmp/xerod-demo.XXXXXX)
xerod="$build_dir/src/xerod"
ctl() { echo "\$ xerod-ctl $*"; "$build_dir/src/xerod-ctl" --bus session "$@"; }
config="$work/xerod.yaml"
cat > "$config" <<YAML
# Demo configuration: everything local, nothing privileged.
database: $work/xerod.db
dbus: {bus: session, admin_group: root}
log: {level: info}
queue: {max_attempts: 5, backoff_base: 2s, backoff_cap: 1m}
YAML

echo "== $("$xerod" --version)"
"$xerod" --check-config --config "$config"
"$xerod" --config "$config" 2> "$work/xerod.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do "$build_dir/src/xerod-ctl" --bus session status >/dev/null 2>&1 && break; sleep 0.1; done

echo "== the platform enqueues invoices (NDJSON), one of them invalid"
cat > "$work/invoices.ndjson" <<'JSON'
{"id":"inv-1001","number":"INV-1001","status":"sent","client":{"name":"Acme Ltd","email":"ap@acme.test"},"issue_date":"2026-11-02","due_date":"2026-12-02","currency":"NZD","reference":"PO 7781","tax":"GST on Income","discount_percent":"10","lines":[{"kind":"Services","description":"Design work","quantity":"10","unit_price":"120.00"}]}
{"id":"inv-1002","number":"INV-1002","status":"draft","client":{"name":"Globex"},"issue_date":"2026-11-03","currency":"NZD","lines":[{"description":"Support","quantity":2,"unit_price":"95.50"}]}
{"id":"inv-1003","number":"INV-1003","status":"sent","client":{"name":"Initech"},"issue_date":"2026-11-04","currency":"NZD","lines":[{"description":"Licences","quantity":"3","unit_price":"12,50"}]}
JSON
ctl invoice enqueue --connection acme "$work/invoices.ndjson" || true
echo "== the same documents again: deduplicated"
ctl invoice enqueue --connection acme "$work/invoices.ndjson" || true
echo '{"id":"pay-77","invoice_id":"inv-1001","amount":"500.00","date":"2026-11-20","reference":"Stripe ch_123"}' > "$work/pay.json"
ctl payment enqueue --connection acme "$work/pay.json"
ctl job list
ctl pause acme
ctl status
ctl resume acme

echo "== reload: a good config, then a broken one (the old stays in force)"
ctl reload
echo "bogus: 1" >> "$config"
ctl reload || true
ctl status

echo "== stop (SIGTERM)"
kill -TERM "$pid"
wait "$pid" && echo "xerod exited 0"
echo "== xerod's log"
cat "$work/xerod.log"
