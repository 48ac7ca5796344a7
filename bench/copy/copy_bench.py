#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The copy pipeline's benchmarks, end to end: the real xerod (enqueue over D-Bus
with xerod-ctl) copying into a real xero-sim. README "Performance" and
docs/copy.md give the results.

    bench/copy/copy_bench.py BUILD_DIR throughput [--invoices 20000] [--connections 8]
    bench/copy/copy_bench.py BUILD_DIR backfill   [--invoices 6000]
    bench/copy/copy_bench.py BUILD_DIR fairness   [--connections 10] [--invoices 30000]
    bench/copy/copy_bench.py BUILD_DIR memory     [--invoices 100000]

throughput  (a) limits off (xero-sim's and xerod's: xero.limits above Xero's are
            accepted because api_url is on loopback): from the first enqueue to the
            last job `succeeded`, invoices/s over several connections.
backfill    (b) Xero's real limits (60 calls/min, 5 concurrent, 5000/day per
            organisation): one connection's backlog, copied at what fraction of the
            ceiling (batch size x 60 per minute), and how many 429s.
fairness    (b) Xero's real limits, several connections at once: each one's rate.
memory      (c) idle RSS of xerod, then its peak RSS with this many jobs queued (for
            a connection that is configured but not added, so they stay queued).

Runs on a private session bus (dbus-run-session) and a temporary directory.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, build, work):
        self.build, self.work = build, work
        self.procs = []

    def start_sim(self, limits_off):
        port_file = os.path.join(self.work, "sim.port")
        self.procs.append(subprocess.Popen(
            [os.path.join(self.build, "src/xero-sim"), "--listen", "127.0.0.1:0", "--port-file",
             port_file], stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "sim.log"), "w")))
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.sim = f"http://127.0.0.1:{open(port_file).read().strip()}"
        if limits_off:
            http("POST", self.sim + "/_sim/limits", {"enabled": False})

    def org(self, name):
        tenant = http("POST", self.sim + "/_sim/orgs", {"name": name})["tenant_id"]
        token = http("POST", self.sim + "/_sim/grants", {"tenant_ids": [tenant]})["refresh_token"]
        path = os.path.join(self.work, name + ".token")
        with open(path, "w") as f:
            f.write(token + "\n")
        os.chmod(path, 0o600)
        return tenant, path

    def start_xerod(self, limits, connections):
        secret = os.path.join(self.work, "client-secret")
        with open(secret, "w") as f:
            f.write("xero-sim-secret\n")
        os.chmod(secret, 0o600)
        conf = os.path.join(self.work, "xerod.yaml")
        with open(conf, "w") as f:
            f.write(f"""database: {self.work}/xerod.db
dbus: {{bus: session, admin_group: root}}
log: {{level: warn}}
xero:
  client_id: xero-sim-client
  client_secret_file: {secret}
  authorize_url: {self.sim}/connect/authorize
  identity_url: {self.sim}
  api_url: {self.sim}
  limits: {json.dumps(limits)}
connections:
""")
            for name in connections:
                f.write(f'  {name}: {{revenue_account: "200", payment_account: "090"}}\n')
        self.xerod = subprocess.Popen(
            [os.path.join(self.build, "src/xerod"), "--config", conf],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "xerod.log"), "w"))
        self.procs.append(self.xerod)
        for _ in range(200):
            if self.ctl("status", check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise SystemExit("xerod did not start: " + open(os.path.join(self.work, "xerod.log")).read())

    def ctl(self, *args, check=True):
        return subprocess.run([os.path.join(self.build, "src/xerod-ctl"), "--bus", "session", *args],
                              capture_output=True, text=True, check=check)

    def status(self):
        return json.loads(self.ctl("--json", "status").stdout)

    def add(self, name, tenant, token):
        self.ctl("connection", "add", name, "--tenant", tenant, "--refresh-token-file", token)

    def write_invoices(self, name, count, first):
        """`count` invoices for 40 clients, written as NDJSON; returns the path."""
        rng = random.Random(first)
        path = os.path.join(self.work, f"{name}-{first}.ndjson")
        with open(path, "w") as f:
            for n in range(first, first + count):
                f.write(json.dumps({
                    "id": f"{name}-{n}", "number": f"INV-{n}", "status": "sent",
                    "client": {"name": f"Client {rng.randrange(40)}"},
                    "issue_date": "2026-11-02", "due_date": "2026-12-02", "currency": "NZD",
                    "tax": "GST on Income", "reference": f"PO {n}",
                    "lines": [{"kind": "Services", "description": "Design work",
                               "quantity": str(rng.choice([1, 2, 5, 10])), "unit_price": "120.00"}
                              for _ in range(rng.randint(1, 3))]}) + "\n")
        return path

    def enqueue(self, name, path):
        return subprocess.Popen([os.path.join(self.build, "src/xerod-ctl"), "--bus", "session",
                                 "invoice", "enqueue", "--connection", name, "--batch", "500", path],
                                stdout=subprocess.DEVNULL)

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()


def wait_done(bench, total, timeout, every=0.2, progress=None):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        s = bench.status()
        c = s["job_counts"]
        finished = c["succeeded"] + c["dead"] + c["cancelled"]
        if progress:
            progress(s)
        if finished >= total:
            return s
        time.sleep(every)
    raise SystemExit(f"not finished after {timeout} s: {bench.status()['job_counts']}")


def throughput(b, args):
    b.start_sim(limits_off=True)
    names = [f"c{i}" for i in range(args.connections)]
    big = {"concurrent": 50, "per_minute": 1000000, "per_day": 1000000000,
           "app_per_minute": 1000000000}
    b.start_xerod(big, names)
    per = args.invoices // len(names)
    files = {}
    for name in names:
        b.add(name, *b.org(name))
        files[name] = b.write_invoices(name, per, 1)
    # Warm up each connection (organisation data, contacts) outside the timing.
    warm = [b.enqueue(n, b.write_invoices(n, 40, 1_000_000)) for n in names]
    for p in warm:
        p.wait()
    wait_done(b, 40 * len(names), 120)
    start = time.monotonic()
    procs = [b.enqueue(n, files[n]) for n in names]
    for p in procs:
        p.wait()
    enqueued = time.monotonic() - start
    s = wait_done(b, 40 * len(names) + per * len(names), 600)
    took = time.monotonic() - start
    n = per * len(names)
    time.sleep(5)
    idle_after = rss_kib(b.xerod.pid, "VmRSS")
    print(f"throughput: {n} invoices over {len(names)} connections, limits off: enqueued in "
          f"{enqueued:.2f} s, all succeeded after {took:.2f} s: {n / took:,.0f} invoices/s; "
          f"dead {s['job_counts']['dead']}; xerod peak RSS {rss_kib(b.xerod.pid, 'VmHWM') / 1024:.1f} MiB; "
          f"Xero calls {s['copied']['xero_calls']}; RSS 5 s after: {idle_after / 1024:.1f} MiB")


def backfill(b, args):
    b.start_sim(limits_off=False)
    b.start_xerod({"concurrent": 5, "per_minute": 60, "per_day": 5000, "app_per_minute": 10000},
                  ["acme"])
    b.add("acme", *b.org("acme"))
    path = b.write_invoices("acme", args.invoices, 1)
    start = time.monotonic()
    b.enqueue("acme", path).wait()
    marks = []

    def progress(s):
        marks.append((time.monotonic() - start, s["job_counts"]["succeeded"]))
    s = wait_done(b, args.invoices, 3600, every=1.0, progress=progress)
    took = time.monotonic() - start
    stats = http("GET", b.sim + "/_sim/stats")
    tenant = next(iter(stats["tenants"].values()))
    ceiling = 50 * 60 / 60.0  # invoices/s: batch size x 60 calls per minute
    # Calls come in bursts (a window's 60 calls as fast as Xero answers, then a
    # wait until the window has room), so the rate is taken over the whole run.
    print(f"backfill: {args.invoices} invoices, one connection, Xero's limits: {took:.1f} s, "
          f"{args.invoices / took * 60:,.0f} invoices/min = {args.invoices / took / ceiling:.1%} "
          f"of the ceiling ({ceiling * 60:,.0f}/min); 429s: {tenant['rate_limited']}; calls "
          f"{tenant['calls']} ({json.dumps(tenant['endpoints'], sort_keys=True)}); progress "
          f"(s: copied) {[(round(t), n) for t, n in marks[::10]]}")


def fairness(b, args):
    b.start_sim(limits_off=False)
    names = [f"c{i}" for i in range(args.connections)]
    b.start_xerod({"concurrent": 5, "per_minute": 60, "per_day": 5000, "app_per_minute": 10000},
                  names)
    per = args.invoices // len(names)
    files = {}
    for name in names:
        b.add(name, *b.org(name))
        files[name] = b.write_invoices(name, per, 1)
    start = time.monotonic()
    for p in [b.enqueue(n, files[n]) for n in names]:
        p.wait()
    # Each connection's progress, read from the simulator, while all are busy.
    spread = []

    def progress(_):
        counts = [t["invoices"] for t in http("GET", b.sim + "/_sim/stats")["tenants"].values()]
        if counts and 0 < min(counts) and max(counts) < per:
            spread.append((time.monotonic() - start, min(counts), max(counts)))
    wait_done(b, per * len(names), 3600, every=1.0, progress=progress)
    took = time.monotonic() - start
    stats = http("GET", b.sim + "/_sim/stats")["tenants"]
    limited = sum(t["rate_limited"] for t in stats.values())
    t, lo, hi = spread[len(spread) // 2] if spread else (0, 0, 0)
    print(f"fairness: {len(names)} connections x {per} invoices, Xero's limits: all done in "
          f"{took:.1f} s ({per * len(names) / took * 60:,.0f} invoices/min in all); half-way "
          f"(t={t:.0f} s) the connections had copied {lo}..{hi} invoices each (min/max "
          f"{lo / hi if hi else 0:.2f}); 429s: {limited}")


def memory(b, args):
    b.start_sim(limits_off=True)
    # "bulk" is configured but never added: its jobs are parked, so they stay queued.
    b.start_xerod({"concurrent": 5, "per_minute": 60, "per_day": 5000, "app_per_minute": 10000},
                  ["bulk"])
    time.sleep(2)
    idle = rss_kib(b.xerod.pid, "VmRSS")
    path = b.write_invoices("bulk", args.invoices, 1)
    b.enqueue("bulk", path).wait()
    s = b.status()
    queued = s["job_counts"]["queued"]
    time.sleep(2)
    print(f"memory: idle RSS {idle / 1024:.1f} MiB; with {queued} jobs queued: RSS "
          f"{rss_kib(b.xerod.pid, 'VmRSS') / 1024:.1f} MiB, peak {rss_kib(b.xerod.pid, 'VmHWM') / 1024:.1f} MiB")


def main():
    if not os.environ.get("XEROD_BENCH_BUS"):
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "env", "XEROD_BENCH_BUS=1",
                                       sys.executable, *sys.argv])
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("what", choices=["throughput", "backfill", "fairness", "memory"])
    p.add_argument("--invoices", type=int)
    p.add_argument("--connections", type=int)
    args = p.parse_args()
    defaults = {"throughput": (20000, 8), "backfill": (6000, 1), "fairness": (30000, 10),
                "memory": (100000, 1)}[args.what]
    args.invoices = args.invoices or defaults[0]
    args.connections = args.connections or defaults[1]
    work = tempfile.mkdtemp(prefix="xerod-bench.")
    b = Bench(os.path.abspath(args.build), work)
    try:
        {"throughput": throughput, "backfill": backfill, "fairness": fairness,
         "memory": memory}[args.what](b, args)
    finally:
        b.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
