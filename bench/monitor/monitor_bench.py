#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The connection monitor at scale, end to end: the real xerod checking N
connections against a real xero-sim with a shortened `monitor.interval`.
docs/monitor-bench.md gives the command and the results.

    bench/monitor/monitor_bench.py BIN_DIR [--connections 10000] [--interval 60]
        [--intervals 3] [--limits raised|xero] [--out results.json] [--log-dir DIR]

BIN_DIR holds xerod, xerod-ctl and xero-sim (or is a build directory with them
in src/).

Setup, without N D-Bus calls: xero-sim gets N organisations and one grant per
organisation (admin API); xerod is started once so that it creates and migrates
its database, stopped (SIGTERM), and the token sets and connections are written
into the database directly with sqlite3 (state 'active', the grant's refresh
token); then xerod is started again with `monitor: {interval: ...}`.

The first interval after that start holds every connection's first check and
with it a token refresh per token set (access tokens live 30 minutes, longer
than the whole run): it is reported on its own. Then, over `--intervals` full
intervals:
  - checks per one-second slot: GET /_sim/stats polled once a second and
    differenced (`endpoints["GET /connections"]`, one per check, and
    `endpoints["GET /api.xro/2.0/Organisation"]`): mean, p99, max, max/mean;
  - Xero calls per connection per interval, and token refreshes;
  - xerod's CPU (utime + stime from /proc/PID/stat) per check, extrapolated to
    the default 15-minute interval, and its RSS;
  - at the end, `xerod-ctl --json connection list`: every connection's state.

Limits (--limits): 2 calls per connection per interval are 2N/interval calls.
xero-sim counts GET /Organisation against Xero's app limit (10,000 calls a
minute) and not /connections; xerod's limiter also counts only the API calls.
  raised  (default) the app limit is lifted in xero-sim (POST /_sim/limits) and
          in xerod (xero.limits.app_per_minute, accepted above Xero's because
          api_url is on loopback); the per-organisation limits stay Xero's.
          Allows intervals down to a few seconds.
  xero    Xero's limits everywhere; needs N / interval-in-minutes < 10,000
          (e.g. interval >= 120 s for 10,000 connections).
The CPU extrapolation for a production config needs `--limits xero`: with the
app limit raised, xerod's app-wide fairness check (RateLimiter::AppFairnessWait,
a scan of every tenant per API call while fewer app slots are free than there
are tenants) returns early, and a check costs about a fifth as much
(docs/monitor-bench.md).

Runs on a private session bus (dbus-run-session) in a temporary directory.
Python stdlib only (and sqlite3); run with /usr/bin/python3.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")
CONN_KEY = "GET /connections"
ORG_KEY = "GET /api.xro/2.0/Organisation"
XERO_LIMITS = {"concurrent": 5, "per_minute": 60, "per_day": 5000, "app_per_minute": 10000}


class Sim:
    """A keep-alive HTTP client for xero-sim's admin API."""

    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                text = r.read()
                if r.status >= 400:
                    raise SystemExit(f"xero-sim: {method} {path}: HTTP {r.status}: {text[:300]!r}")
                return json.loads(text) if text else None
            except (http.client.HTTPException, ConnectionError, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.1)


def proc_cpu(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    s = sorted(values)
    if not s:
        return 0
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Bench:
    def __init__(self, bindir, work, log_dir):
        self.bindir, self.work = bindir, work
        self.log_dir = log_dir or work
        self.procs = []
        self.xerod = None

    def bin(self, name):
        for p in (os.path.join(self.bindir, name), os.path.join(self.bindir, "src", name)):
            if os.path.exists(p):
                return p
        raise SystemExit(f"{name} not found in {self.bindir}")

    # xero-sim ------------------------------------------------------------
    def start_sim(self):
        port_file = os.path.join(self.work, "sim.port")
        self.sim_proc = subprocess.Popen(
            [self.bin("xero-sim"), "--listen", "127.0.0.1:0", "--port-file", port_file],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.log_dir, "sim.log"), "w"))
        self.procs.append(self.sim_proc)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.sim_url = f"http://127.0.0.1:{open(port_file).read().strip()}"
        self.sim = Sim(self.sim_url)
        self.poller = Sim(self.sim_url)  # its own connection for the 1 Hz stats

    def create_orgs(self, n):
        """N organisations, one grant (user) each: [(tenant_id, name, refresh_token, scopes)]."""
        out = []
        for i in range(n):
            name = f"Monitor Org {i:05d}"
            tenant = self.sim.call("POST", "/_sim/orgs", {"name": name})["tenant_id"]
            g = self.sim.call("POST", "/_sim/grants", {"tenant_ids": [tenant]})
            out.append((tenant, name, g["refresh_token"], " ".join(g["scopes"])))
            if (i + 1) % 2000 == 0:
                print(f"  ... {i + 1} organisations", flush=True)
        return out

    # xerod ---------------------------------------------------------------
    def write_config(self, limits, interval_s):
        secret = os.path.join(self.work, "client-secret")
        with open(secret, "w") as f:
            f.write("xero-sim-secret\n")
        os.chmod(secret, 0o600)
        self.conf = os.path.join(self.work, "xerod.yaml")
        self.db = os.path.join(self.work, "xerod.db")
        with open(self.conf, "w") as f:
            f.write(f"""database: {self.db}
dbus: {{bus: session, admin_group: root}}
log: {{level: info}}
xero:
  client_id: xero-sim-client
  client_secret_file: {secret}
  authorize_url: {self.sim_url}/connect/authorize
  identity_url: {self.sim_url}
  api_url: {self.sim_url}
  limits: {json.dumps(limits)}
monitor: {{interval: {interval_s}s}}
""")

    def start_xerod(self, log_name):
        self.xerod = subprocess.Popen(
            [self.bin("xerod"), "--config", self.conf], stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.log_dir, log_name), "w"))
        self.procs.append(self.xerod)
        started = time.monotonic()
        while time.monotonic() - started < 300:
            if self.xerod.poll() is not None:
                raise SystemExit("xerod exited: " + open(os.path.join(self.log_dir, log_name)).read())
            if self.ctl("status", check=False).returncode == 0:
                return time.monotonic() - started
            time.sleep(0.05)
        raise SystemExit("xerod did not answer on D-Bus within 300 s")

    def stop_xerod(self):
        self.xerod.send_signal(signal.SIGTERM)
        self.xerod.wait(60)
        self.procs.remove(self.xerod)

    def ctl(self, *args, check=True):
        return subprocess.run([self.bin("xerod-ctl"), "--bus", "session", *args],
                              capture_output=True, text=True, check=check)

    def fill_db(self, orgs):
        now = int(time.time() * 1000)
        db = sqlite3.connect(self.db)
        with db:
            have = db.execute("SELECT COUNT(*) FROM connections").fetchone()[0]
            if have:
                raise SystemExit(f"the new database already has {have} connections")
            db.executemany(
                "INSERT INTO token_sets (id, kind, refresh_token, scopes, created_at, updated_at) "
                "VALUES (?, 'oauth', ?, ?, ?, ?)",
                [(i + 1, rt, scopes, now, now) for i, (_, _, rt, scopes) in enumerate(orgs)])
            db.executemany(
                "INSERT INTO connections (name, token_set_id, tenant_id, tenant_name, "
                "xero_connection_id, kind, state, reason, created_at, updated_at, "
                "state_changed_at, last_refresh_at, last_success_at) "
                "VALUES (?, ?, ?, ?, NULL, 'oauth', 'active', NULL, ?, ?, ?, NULL, NULL)",
                [(f"c{i:05d}", i + 1, tenant, name, now, now, now)
                 for i, (tenant, name, _, _) in enumerate(orgs)])
        db.close()

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()


def sample(b):
    t = time.monotonic()
    s = b.poller.call("GET", "/_sim/stats")
    took = time.monotonic() - t
    ep = s.get("endpoints", {})
    # Per organisation: its GET /Organisation calls (/connections carries no
    # tenant, so it is counted only in the totals).
    per_org = {k: v.get("endpoints", {}).get(ORG_KEY, 0) for k, v in s.get("tenants", {}).items()}
    return {
        "per_org": per_org,
        "t": t + took / 2,  # the stats were read about half-way through the call
        "poll_s": took,
        "conn": ep.get(CONN_KEY, 0),
        "org": ep.get(ORG_KEY, 0),
        "refresh": s.get("token_refreshes", 0),
        "calls": s.get("calls", 0),
        "limited": s.get("rate_limited", 0),
        "xerod_cpu": proc_cpu(b.xerod.pid),
        "sim_cpu": proc_cpu(b.sim_proc.pid),
        "rss_kib": proc_status(b.xerod.pid, "VmRSS"),
        "endpoints": ep,
    }


def diff(a, b_, key):
    return b_[key] - a[key]


def log_lines(path, levels=("warning", "error", "critical")):
    """xerod's log lines at these levels ("DATE TIME LEVEL message"), except the
    expected warning about xero.limits above Xero's (--limits raised)."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            words = line.split(None, 3)
            if len(words) > 2 and words[2] in levels and "above Xero's published limit" not in line:
                out.append(line.rstrip("\n"))
    return out


def run(b, args):
    n, interval = args.connections, args.interval
    res = {"connections": n, "interval_s": interval, "measured_intervals": args.intervals,
           "limits_mode": args.limits, "machine": {"cpus": os.cpu_count(),
                                                   "loadavg_start": os.getloadavg()}}
    if args.limits == "xero":
        limits = dict(XERO_LIMITS)
        if n / (interval / 60.0) >= 10000:
            print(f"warning: {n} GET /Organisation per {interval} s is over Xero's 10,000 a minute",
                  flush=True)
    else:
        limits = dict(XERO_LIMITS, app_per_minute=1_000_000_000)

    # 1. xero-sim with N organisations and grants.
    b.start_sim()
    if args.limits == "raised":
        b.sim.call("POST", "/_sim/limits", {"app_per_minute": 1_000_000_000})
    res["sim_limits"] = b.sim.call("GET", "/_sim/limits")
    t = time.monotonic()
    print(f"creating {n} organisations and grants in xero-sim ...", flush=True)
    orgs = b.create_orgs(n)
    res["setup_orgs_s"] = round(time.monotonic() - t, 1)
    print(f"  done in {res['setup_orgs_s']} s", flush=True)

    # 2. xerod's database: created by xerod, filled directly.
    b.write_config(limits, interval)
    b.start_xerod("xerod-init.log")
    # xerod idle, no connections: its baseline CPU.
    c0, t0 = proc_cpu(b.xerod.pid), time.monotonic()
    time.sleep(5)
    res["idle_cpu_percent_no_connections"] = round(
        100 * (proc_cpu(b.xerod.pid) - c0) / (time.monotonic() - t0), 3)
    b.stop_xerod()
    t = time.monotonic()
    b.fill_db(orgs)
    res["setup_db_s"] = round(time.monotonic() - t, 2)

    # 3. xerod with the monitor on N connections.
    base = sample_sim_only(b)
    started = time.monotonic()
    res["startup_to_dbus_s"] = round(b.start_xerod("xerod.log"), 2)
    print(f"xerod up with {n} connections after {res['startup_to_dbus_s']} s; "
          f"interval {interval} s", flush=True)
    samples = []
    # Warm-up: the first interval, and longer if the token refreshes did not
    # all fit into it (then until one interval after the last one: checks
    # that waited for a token, or were moved by the outage rule, are back on
    # their slots by then). At most --max-warmup intervals.
    refreshed_at = None
    window_start = end = w_first = None
    next_tick = time.monotonic()
    last_print = 0
    while True:
        now = time.monotonic()
        if window_start is None and samples:
            last = samples[-1]
            if refreshed_at is None and last["refresh"] - base["refresh"] >= n:
                refreshed_at = last["t"]
            if now >= started + interval:
                if refreshed_at is not None and refreshed_at <= started + interval + 2:
                    window_start = started + interval + args.settle
                elif refreshed_at is not None:
                    window_start = refreshed_at + interval + args.settle
                elif now >= started + args.max_warmup * interval:
                    window_start = now
                if window_start is not None:
                    end = window_start + args.intervals * interval
                    print(f"  warm-up ends at t={window_start - started:.1f} s (all token sets "
                          f"refreshed at t={(refreshed_at or now) - started:.1f} s)", flush=True)
        if b.xerod.poll() is not None:
            raise SystemExit(f"xerod exited with {b.xerod.returncode}")
        s = sample(b)
        s["load1"] = os.getloadavg()[0]
        if window_start is None or s["t"] < window_start or (
                w_first is not None and s["t"] - w_first["t"] < args.intervals * interval):
            del s["per_org"]  # only the window's first and last samples keep it (memory)
        samples.append(s)
        if window_start is not None and s["t"] >= window_start and w_first is None:
            w_first = s
        if w_first is not None and s["t"] - w_first["t"] >= args.intervals * interval:
            break  # the window spans whole intervals, up to the 1 Hz sampling
        if now - last_print >= 30:
            last_print = now
            print(f"  t={now - started:6.1f} s  /connections {s['conn'] - base['conn']:>7} "
                  f"/Organisation {s['org'] - base['org']:>7} refreshes {s['refresh'] - base['refresh']:>6} "
                  f"429s {s['limited']}  xerod CPU {s['xerod_cpu']:.1f} s  RSS {s['rss_kib'] / 1024:.1f} MiB",
                  flush=True)
        next_tick += 1.0
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_tick = time.monotonic()  # fell behind: do not catch up in a burst

    # The first interval (from xerod's start to the first sample after it).
    first = [s for s in samples if s["t"] <= started + interval]
    warm = [s for s in samples if s["t"] < window_start]
    win = [s for s in samples if s["t"] >= window_start]
    res["series"] = {"columns": ["t_s", "get_connections", "get_organisation", "refreshes",
                                 "xerod_cpu_s", "sim_cpu_s", "xerod_rss_kib", "poll_s"],
                     "rows": [[round(s["t"] - started, 3), s["conn"] - base["conn"],
                               s["org"] - base["org"], s["refresh"] - base["refresh"],
                               s["xerod_cpu"], round(s["sim_cpu"] - base["sim_cpu"], 2),
                               s["rss_kib"], round(s["poll_s"], 4)] for s in samples]}
    warm_slots = [diff(a, c, "conn") for a, c in zip(warm, warm[1:])]
    warm_org_slots = [diff(a, c, "org") for a, c in zip(warm, warm[1:])]
    ten = [diff(warm[i], warm[min(i + 10, len(warm) - 1)], "refresh") /
           (warm[min(i + 10, len(warm) - 1)]["t"] - warm[i]["t"])
           for i in range(0, len(warm) - 1, 10)]
    res["warmup"] = {
        "seconds": round(window_start - started, 1),
        "all_token_sets_refreshed_at_s": round(refreshed_at - started, 1) if refreshed_at else None,
        "refreshes": diff(base, warm[-1], "refresh"),
        "refreshes_per_s_10s_buckets": [round(x, 1) for x in ten],
        "refresh_rate_needed_per_s": round(n / interval, 1),
        "max_checks_per_slot": max(warm_slots) if warm_slots else None,
        "max_organisation_calls_per_slot": max(warm_org_slots) if warm_org_slots else None,
        "xerod_cpu_s": round(warm[-1]["xerod_cpu"], 2),
        "rate_limited_429": diff(base, warm[-1], "limited"),
    }
    f_end = first[-1]
    f_secs = f_end["t"] - started
    f_checks = diff(base, f_end, "conn")
    res["first_interval"] = {
        "seconds": round(f_secs, 1),
        "get_connections": f_checks,
        "get_organisation": diff(base, f_end, "org"),
        "token_refreshes": diff(base, f_end, "refresh"),
        "rate_limited_429": diff(base, f_end, "limited"),
        "xerod_cpu_s_from_exec": round(f_end["xerod_cpu"], 2),
        "xerod_cpu_percent": round(100 * f_end["xerod_cpu"] / f_secs, 2),
        "sim_cpu_s": round(f_end["sim_cpu"] - base["sim_cpu"], 2),
        "xerod_rss_mib_end": round(f_end["rss_kib"] / 1024, 1),
    }

    # The measured window: whole intervals after the first.
    w0, w1 = win[0], win[-1]
    per_conn = {}
    for tenant, v in w1["per_org"].items():
        d = v - w0["per_org"].get(tenant, 0)
        per_conn[d] = per_conn.get(d, 0) + 1
    secs = w1["t"] - w0["t"]
    intervals = secs / interval
    checks = diff(w0, w1, "conn")
    org = diff(w0, w1, "org")
    cpu = diff(w0, w1, "xerod_cpu")
    per_slot_conn = [diff(a, c, "conn") for a, c in zip(win, win[1:])]
    per_slot_org = [diff(a, c, "org") for a, c in zip(win, win[1:])]
    gaps = [c["t"] - a["t"] for a, c in zip(win, win[1:])]
    mean = checks / len(per_slot_conn)
    cpu_per_check = cpu / checks if checks else float("nan")

    def dist(v):
        m = sum(v) / len(v)
        return {"mean": round(m, 2), "p50": percentile(v, 50), "p99": round(percentile(v, 99), 1),
                "max": max(v), "min": min(v), "max_over_mean": round(max(v) / m, 3) if m else None}

    res["window"] = {
        "seconds": round(secs, 1),
        "intervals": round(intervals, 3),
        "slots": len(per_slot_conn),
        "slot_gap_s": {"mean": round(sum(gaps) / len(gaps), 4), "min": round(min(gaps), 3),
                       "max": round(max(gaps), 3)},
        "stats_poll_s": {"mean": round(sum(s["poll_s"] for s in win) / len(win), 4),
                         "max": round(max(s["poll_s"] for s in win), 4)},
        "checks_per_slot": dist(per_slot_conn),
        "organisation_calls_per_slot": dist(per_slot_org),
        "expected_checks_per_s": round(n / interval, 2),
        "get_connections": checks,
        "get_organisation": org,
        "xero_calls_per_connection_per_interval": round((checks + org) / (n * intervals), 4),
        "checks_per_connection_per_interval": round(checks / (n * intervals), 4),
        "organisation_calls_per_connection_histogram": {str(k): per_conn[k] for k in sorted(per_conn)},
        "token_refreshes": diff(w0, w1, "refresh"),
        "rate_limited_429": diff(w0, w1, "limited"),
        "other_endpoints": {k: v - w0["endpoints"].get(k, 0) for k, v in w1["endpoints"].items()
                            if k not in (CONN_KEY, ORG_KEY) and v != w0["endpoints"].get(k, 0)},
        "xerod_cpu_s": round(cpu, 2),
        "xerod_cpu_percent": round(100 * cpu / secs, 2),
        "xerod_cpu_ms_per_check": round(1000 * cpu_per_check, 4),
        "sim_cpu_percent": round(100 * diff(w0, w1, "sim_cpu") / secs, 2),
        "xerod_rss_mib": {"min": round(min(s["rss_kib"] for s in win) / 1024, 1),
                          "max": round(max(s["rss_kib"] for s in win) / 1024, 1)},
        "xerod_peak_rss_mib": round(proc_status(b.xerod.pid, "VmHWM") / 1024, 1),
        "load1": {"min": min(s["load1"] for s in win), "max": max(s["load1"] for s in win)},
    }
    # The default 15-minute interval: N/900 checks a second. The access token
    # lives 30 minutes, so there every other check also refreshes it; the cost
    # of a refresh is estimated from the first interval (all checks refreshed).
    f = res["first_interval"]
    first_cpu_after_start = f_end["xerod_cpu"] - first[0]["xerod_cpu"]
    first_checks_after = diff(first[0], f_end, "conn")
    first_refr_after = diff(first[0], f_end, "refresh")
    refresh_cost = ((first_cpu_after_start - first_checks_after * cpu_per_check) / first_refr_after
                    if first_refr_after else 0.0)
    at15 = 100 * (n / 900.0) * cpu_per_check
    refr15 = 100 * (n / 1800.0) * max(refresh_cost, 0.0)
    res["extrapolated_default_15m"] = {
        "checks_per_s": round(n / 900.0, 2),
        "cpu_percent_checks": round(at15, 3),
        "refresh_cpu_ms_each_estimate": round(1000 * refresh_cost, 4),
        "cpu_percent_with_refreshes": round(at15 + refr15, 3),
        "cpu_percent_with_refreshes_and_idle": round(
            at15 + refr15 + res["idle_cpu_percent_no_connections"], 3),
    }

    # 4. Nothing went wrong?
    listing = json.loads(b.ctl("--json", "connection", "list").stdout)
    rows = listing if isinstance(listing, list) else listing.get("connections", listing)
    states = {}
    for r in rows:
        states[r.get("state", "?")] = states.get(r.get("state", "?"), 0) + 1
    res["end_states"] = states
    res["end_connections_listed"] = len(rows)
    log = os.path.join(b.log_dir, "xerod.log")
    bad = log_lines(log)
    res["xerod_log_warnings_and_errors"] = len(bad)
    res["xerod_log_sample"] = bad[:20]
    res["xerod_log_lines"] = sum(1 for _ in open(log, errors="replace"))
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["per_slot_checks"] = per_slot_conn
    res["per_slot_organisation"] = per_slot_org
    return res


def sample_sim_only(b):
    s = b.poller.call("GET", "/_sim/stats")
    ep = s.get("endpoints", {})
    return {"conn": ep.get(CONN_KEY, 0), "org": ep.get(ORG_KEY, 0),
            "refresh": s.get("token_refreshes", 0), "limited": s.get("rate_limited", 0),
            "sim_cpu": proc_cpu(b.sim_proc.pid)}


def summary(r):
    w, f, x = r["window"], r["first_interval"], r["extrapolated_default_15m"]
    c = w["checks_per_slot"]
    ok_slots = c["max_over_mean"] is not None and c["max_over_mean"] <= 2
    ok_calls = w["xero_calls_per_connection_per_interval"] <= 2 * 1.005  # 1 Hz sampling
    ok_cpu = x["cpu_percent_with_refreshes_and_idle"] < 5
    all_active = r["end_states"].get("active", 0) == r["connections"]
    print(f"""
monitor bench: {r['connections']} connections, interval {r['interval_s']} s, limits {r['limits_mode']}
setup: orgs+grants {r['setup_orgs_s']} s, db fill {r['setup_db_s']} s, xerod up in {r['startup_to_dbus_s']} s
warm-up {r['warmup']['seconds']} s: all token sets refreshed at \
t={r['warmup']['all_token_sets_refreshed_at_s']} s (needed {r['warmup']['refresh_rate_needed_per_s']}/s; \
per 10 s: {r['warmup']['refreshes_per_s_10s_buckets']}); max checks/slot {r['warmup']['max_checks_per_slot']}, \
max /Organisation/slot {r['warmup']['max_organisation_calls_per_slot']}
first interval ({f['seconds']} s): /connections {f['get_connections']}, /Organisation {f['get_organisation']}, \
refreshes {f['token_refreshes']}, 429s {f['rate_limited_429']}, xerod CPU {f['xerod_cpu_s_from_exec']} s \
({f['xerod_cpu_percent']} % of a core), RSS {f['xerod_rss_mib_end']} MiB
window: {w['seconds']} s = {w['intervals']} intervals, {w['slots']} one-second slots \
(gap {w['slot_gap_s']['min']}..{w['slot_gap_s']['max']} s)
  checks per slot: mean {c['mean']} (expected {w['expected_checks_per_s']}), p50 {c['p50']}, \
p99 {c['p99']}, max {c['max']}, min {c['min']}, max/mean {c['max_over_mean']}   [{'OK' if ok_slots else 'FAIL'} <= 2]
  Xero calls per connection per interval: {w['xero_calls_per_connection_per_interval']} \
(checks {w['checks_per_connection_per_interval']}); per connection, GET /Organisation \
calls in the {round(w['intervals'])}-interval window -> connections: {w['organisation_calls_per_connection_histogram']}; refreshes {w['token_refreshes']}, \
429s {w['rate_limited_429']}   [{'OK' if ok_calls else 'FAIL'} <= 2]
  xerod CPU {w['xerod_cpu_s']} s = {w['xerod_cpu_percent']} % of a core, {w['xerod_cpu_ms_per_check']} ms \
per check; RSS {w['xerod_rss_mib']['min']}..{w['xerod_rss_mib']['max']} MiB (peak {w['xerod_peak_rss_mib']}); \
xero-sim {w['sim_cpu_percent']} %
default 15 min: {x['checks_per_s']} checks/s -> {x['cpu_percent_checks']} % of a core for checks, \
{x['cpu_percent_with_refreshes']} % with a refresh every other check ({x['refresh_cpu_ms_each_estimate']} ms each), \
{x['cpu_percent_with_refreshes_and_idle']} % with idle   [{'OK' if ok_cpu else 'FAIL'} < 5 %]
end: {r['end_connections_listed']} connections listed, states {r['end_states']}   \
[{'OK' if all_active else 'FAIL'}]; xerod log: {r['xerod_log_warnings_and_errors']} warning/error lines
""", flush=True)


def main():
    if not os.environ.get("XEROD_BENCH_BUS"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "env", "XEROD_BENCH_BUS=1",
                                       sys.executable, *sys.argv])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("bindir", help="directory with xerod, xerod-ctl, xero-sim (or a build dir)")
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--interval", type=int, default=60, help="monitor.interval in seconds")
    p.add_argument("--intervals", type=int, default=3, help="intervals measured after the first")
    p.add_argument("--settle", type=float, default=5.0,
                   help="seconds after the first interval before the window starts")
    p.add_argument("--max-warmup", type=int, default=10,
                   help="measure anyway after this many intervals if refreshes are not done")
    p.add_argument("--limits", choices=["raised", "xero"], default="raised")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--log-dir", help="keep xerod's and xero-sim's logs here")
    args = p.parse_args()
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="xerod-monitor-bench.")
    b = Bench(os.path.abspath(args.bindir), work, args.log_dir and os.path.abspath(args.log_dir))
    try:
        r = run(b, args)
    finally:
        b.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary(r)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
