#!/usr/bin/env bash
# The demo: installs dependencies, builds xerod, xerod-ctl and xero-sim, and runs
# the daemon on a demo configuration (private session bus, database in a temp
# dir, Xero played by xero-sim, mail caught by a local SMTP sink). It then drives
# it the way a sysadmin and the invoicing platform would: connect an
# organisation, send a test email, enqueue invoices and payments over D-Bus (with
# one invalid document), list jobs, pause/resume, see a connection lost inside
# Xero park its jobs, reload (good and broken), and a clean stop.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target xerod xerod-ctl xero-sim

# A private session bus for the whole demo, so nothing touches the system bus.
if [ -z "${XEROD_DEMO_BUS:-}" ]; then
  exec env XEROD_DEMO_BUS=1 SKIP_DEPS=1 dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d /tmp/xerod-demo.XXXXXX)
umask 077
xerod="$build_dir/src/xerod"
ctl() { echo "\$ xerod-ctl $*"; "$build_dir/src/xerod-ctl" --bus session "$@"; }
json_field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "demo: $1 did not appear" >&2; return 1; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== Xero is played by xero-sim, mail goes to a local SMTP sink"
"$build_dir/src/xero-sim" --listen 127.0.0.1:0 --port-file "$work/sim.port" > "$work/sim.log" 2>&1 &
pids+=($!)
wait_file "$work/sim.port"
sim="http://127.0.0.1:$(cat "$work/sim.port")"
smtp_port=$(free_port)
/usr/bin/python3 tests/support/smtp_sink.py --port "$smtp_port" --dir "$work/mail" > "$work/smtp.log" 2>&1 &
pids+=($!)
wait_file "$work/mail/ready"
# The business signs up at Xero, and the platform's own "Connect to Xero" gets a grant.
tenant=$(curl -fsS -X POST "$sim/_sim/orgs" -d '{"name":"Acme Ltd"}' | json_field tenant_id)
curl -fsS -X POST "$sim/_sim/grants" -d "{\"tenant_ids\":[\"$tenant\"]}" | json_field refresh_token > "$work/acme.token"
echo "xero-sim on $sim, organisation Acme Ltd = $tenant; SMTP sink on port $smtp_port"

config="$work/xerod.yaml"
printf 'xero-sim-secret\n' > "$work/client-secret"
cat > "$config" <<YAML
# Demo configuration: everything local, nothing privileged.
database: $work/xerod.db
dbus: {bus: session, admin_group: root}
log: {level: info}
xero:
  client_id: xero-sim-client
  client_secret_file: $work/client-secret
  redirect_uri: http://127.0.0.1:$(free_port)/callback
  authorize_url: $sim/connect/authorize
  identity_url: $sim
  api_url: $sim
queue: {max_attempts: 5, backoff_base: 2s, backoff_cap: 1m}
smtp: {url: "smtp://127.0.0.1:$smtp_port", tls: none, from: "xerod <xerod@demo.test>"}
notify: {admins: [ops@demo.test]}
connections:
  acme: {revenue_account: "200", payment_account: "090", tax_map: {"GST on Income": OUTPUT2}}
YAML

echo "== $("$xerod" --version)"
"$xerod" --check-config --config "$config"
"$xerod" --config "$config" 2> "$work/xerod.log" &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do "$build_dir/src/xerod-ctl" --bus session status >/dev/null 2>&1 && break; sleep 0.1; done

echo "== the platform hands xerod the connection it made (refresh token file, mode 0600)"
ctl connection add acme --tenant "$tenant" --refresh-token-file "$work/acme.token"
ctl connection list
ctl connection show acme
ctl connection check acme

echo "== a test email to the admins"
ctl email test
wait_file "$work/mail/msg-1.json"
echo "the sink received: $(json_field subject < "$work/mail/msg-1.json")"

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

echo "== the user disconnects the app inside Xero: a check finds out, acme's jobs are parked"
curl -fsS -X POST "$sim/_sim/orgs/$tenant/disconnect" > /dev/null
ctl connection check acme || true
ctl status

echo "== reload: a good config, then a broken one (the old stays in force)"
ctl reload
echo "bogus: 1" >> "$config"
ctl reload || true

echo "== stop (SIGTERM)"
kill -TERM "$pid"
wait "$pid" && echo "xerod exited 0"
echo "== xerod's log"
cat "$work/xerod.log"
