#!/usr/bin/env bash
# The demo: installs dependencies, builds xerod, xerod-ctl and xero-sim, and runs
# the daemon on a demo configuration (private session bus, database in a temp
# dir, Xero played by xero-sim, mail caught by a local SMTP sink). It then drives
# it the way a sysadmin and the invoicing platform would: connect an
# organisation, send a test email, enqueue a month of invoices and payments over
# D-Bus (some refused on purpose, one not a document at all) while Xero answers a
# 503 and a 429, watch them copied within Xero's limits, look at the results on
# both sides (InvoiceIDs, links, refusals with reasons; invoices, contacts created
# once, payments applied), update an invoice and edit a paid one, see a connection
# lost inside Xero park its jobs, reload (good and broken), and a clean stop.
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
queue: {max_attempts: 5, backoff_base: 2s, backoff_cap: 10s}
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

job_of() {  # newest job id of a document
  "$build_dir/src/xerod-ctl" --bus session --json job list --connection acme --limit 1000 |
    /usr/bin/python3 -c 'import json,sys; print(max(j["id"] for j in json.load(sys.stdin)["jobs"] if j["source_id"] == sys.argv[1]))' "$1"
}
sim_get() { curl -fsS "$sim$1"; }

echo "== a month of invoices and payments from the invoicing platform"
/usr/bin/python3 scripts/demo_data.py "$work"
contacts_before=$(sim_get /_sim/stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['tenants']['$tenant']['contacts'])")

echo "== Xero has a bad minute: the first call answers 503, the next 429 (Retry-After 3)"
curl -fsS -X POST "$sim/_sim/faults" -d '[
  {"path":"/api.xro/2.0/Invoices","method":"PUT","status":503,"count":1},
  {"path":"/api.xro/2.0/Invoices","method":"PUT","status":429,"count":1,
   "headers":{"Retry-After":"3","X-Rate-Limit-Problem":"minute"}}]' > /dev/null

echo "== the platform enqueues them over D-Bus (the payments first: they wait for their invoices)"
ctl payment enqueue --connection acme "$work/payments.ndjson"
ctl invoice enqueue --connection acme "$work/invoices.ndjson" || true
echo "== the same invoices again: nothing new (deduplicated)"
ctl invoice enqueue --connection acme "$work/invoices.ndjson" || true

echo "== live progress, within Xero's limits (60 calls a minute, 50 invoices a call)"
ctl watch --until-done --interval 1

echo "== the results"
ctl status
echo "-- refused, each with its reason (the bookkeeper's to fix):"
ctl job list --state dead
echo "-- one invoice: its InvoiceID and link, and the 503 Xero answered first"
ctl job show "$(job_of inv-1001)"
echo "-- the next batch met the 429: it waited the Retry-After out (the rate limiter paused acme)"
for id in $(seq "$(job_of inv-1005)" "$(job_of inv-1060)"); do
  if "$build_dir/src/xerod-ctl" --bus session --json job show "$id" | grep -q '"http_status":429'; then
    ctl job show "$id" | grep -E "^(job|document|state|Xero InvoiceID|#|1 |2 )"
    break
  fi
done

echo "== the Xero side"
sim_get "/_sim/orgs/$tenant/invoices" > "$work/xero-invoices.json"
sim_get /_sim/stats > "$work/xero-stats.json"
/usr/bin/python3 - "$work" "$tenant" "$contacts_before" <<'PY'
import collections, json, sys
work, tenant, contacts_before = sys.argv[1], sys.argv[2], int(sys.argv[3])
invoices = json.load(open(f"{work}/xero-invoices.json"))["Invoices"]
stats = json.load(open(f"{work}/xero-stats.json"))["tenants"][tenant]
totals = json.load(open(f"{work}/totals.json"))
by_number = collections.Counter(i["InvoiceNumber"] for i in invoices)
statuses = collections.Counter(i["Status"] for i in invoices)
payments = sum(len(i.get("Payments", [])) for i in invoices)
contacts = collections.Counter(i["Contact"]["Name"] for i in invoices)
wrong = [i["InvoiceNumber"] for i in invoices
         if f"inv-{i['InvoiceNumber'][4:]}" in totals
         and abs(float(totals[f"inv-{i['InvoiceNumber'][4:]}"]) - i["Total"]) > 0.001]
print(f"invoices in Xero: {len(invoices)} ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))})")
print(f"each invoice number once: {max(by_number.values()) == 1}; "
      f"duplicate numbers ever attempted: {stats['duplicate_numbers_attempted']}")
print(f"contacts: {len(contacts)} clients on the invoices, {stats['contacts'] - contacts_before} "
      f"contacts created (2 existed already)")
print(f"payments applied: {payments}; totals as the platform computed them: {not wrong}")
print(f"Xero API calls (the injected 503 and 429 not counted): {stats['calls']}")
for endpoint, n in sorted(stats["endpoints"].items()):
    print(f"  {n:3}  {endpoint}")
PY

echo "== an invoice changes after it was copied: Xero's invoice is updated by its InvoiceID"
grep '"id": "inv-1001"' "$work/invoices.ndjson" | sed 's/"PO 7001"/"PO 7001, revised"/' > "$work/changed.json"
ctl invoice enqueue --connection acme "$work/changed.json"
echo "== a paid invoice is edited on the platform: Xero has it PAID, so the edit is not copied"
grep '"id": "inv-1005"' "$work/invoices.ndjson" | sed 's/"PO 7005"/"PO 7005, too late"/' > "$work/paid-changed.json"
ctl invoice enqueue --connection acme "$work/paid-changed.json"
ctl watch --until-done --interval 1
ctl job show "$(job_of inv-1001)"
ctl job show "$(job_of inv-1005)"
sim_get "/_sim/orgs/$tenant/invoices" | /usr/bin/python3 -c '
import json, sys
for i in json.load(sys.stdin)["Invoices"]:
    if i["InvoiceNumber"] in ("INV-1001", "INV-1005"):
        print("Xero: %s %s, reference %r" % (i["InvoiceNumber"], i["Status"], i["Reference"]))'

echo "== the user disconnects the app inside Xero: a check finds out, acme's jobs are parked"
curl -fsS -X POST "$sim/_sim/orgs/$tenant/disconnect" > /dev/null
ctl connection check acme || true
ctl status
echo "== the people responsible are told once (the e-mail outbox, then the mail as received)"
for _ in $(seq 100); do [ -e "$work/mail/msg-2.json" ] && break; sleep 0.1; done
ctl notification list
[ -e "$work/mail/msg-2.json" ] && echo "the sink received: $(json_field subject < "$work/mail/msg-2.json")"

echo "== reload: a good config, then a broken one (the old stays in force)"
ctl reload
echo "bogus: 1" >> "$config"
ctl reload || true

echo "== stop (SIGTERM)"
kill -TERM "$pid"
wait "$pid" && echo "xerod exited 0"
echo "== xerod's log (the last 25 lines)"
tail -n 25 "$work/xerod.log"
