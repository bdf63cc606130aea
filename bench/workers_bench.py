#!/usr/bin/env python3
"""Helpers of bench/run_workers_bench.sh (Python 3 standard library only; PostgreSQL through
`psql -X -At`, whose connection the PGHOST/PGPORT/PGUSER environment gives).

  workers_bench.py rows     --state LOC [--prefix P]
  workers_bench.py config   --out FILE --state URL --rules FILE --fleet FLEET_OUT --tokens DIR [--lease-s 15]
  workers_bench.py spread   --state URL --portals N --workers W [--timeout S]
  workers_bench.py trickle  --urls U1,U2,… --secret S --bookings FILE --portals N --prefix P --rate R --seconds T
  workers_bench.py wait     --state LOC --prefix P --expect N [--timeout S]
  workers_bench.py cpu      --pids P1,P2,… [--children-of PID]

LOC is a SQLite file or a postgresql:// URL; for a URL the database name is taken from its path
and psql connects through the environment's PGHOST/PGPORT/PGUSER. Every command prints one JSON
object. Times in the journal are milliseconds since the epoch in both stores: received_at is
stamped inside the intake's commit (just before the 200), updated_at when the booking's delivery
finished, so updated_at - received_at is its ack-to-in-HubSpot latency.
"""
import argparse
import json
import math
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_bench import FINAL, Poster, load_bookings, percentile  # noqa: E402  (the serve bench's, shared)


# ---------------------------------------------------------------- the store, either kind

def is_pg(loc):
    return loc.startswith("postgresql://") or loc.startswith("postgres://")


def query(loc, sql, args=()):
    """Rows of a query, as lists of strings (PostgreSQL) or values (SQLite). `args` are
    substituted as quoted literals for psql: only ever the bench's own prefixes."""
    if is_pg(loc):
        for a in args:
            sql = sql.replace("?", "'%s'" % str(a).replace("'", "''"), 1)
        db = urllib.parse.urlsplit(loc).path.lstrip("/") or "postgres"
        out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(loc)), uri=True, timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def cmd_rows(a):
    where, args = ("WHERE event_id LIKE ?", (a.prefix + "%",)) if a.prefix else ("", ())
    rows = {s: int(n) for s, n in query(a.state, "SELECT state, count(*) FROM bookings %s GROUP BY state" % where, args)}
    print(json.dumps({"rows": sum(rows.values()), "by_state": rows}))


def cmd_wait(a):
    """Polls until the run's bookings are all final, then the latencies of the delivered ones."""
    final_in = "state IN (%s)" % ",".join("'%s'" % s for s in FINAL)
    like = a.prefix + "%"
    started = time.monotonic()
    while True:
        final = int(query(a.state, "SELECT count(*) FROM bookings WHERE event_id LIKE ? AND %s" % final_in, (like,))[0][0])
        if final >= a.expect or time.monotonic() - started > a.timeout:
            break
        time.sleep(a.poll)
    full = query(a.state, "SELECT state, received_at, updated_at, event_id, integration, attempts FROM bookings "
                 "WHERE event_id LIKE ? ORDER BY received_at", (like,))
    if a.dump:
        with open(a.dump, "w") as f:
            f.write("event_id\tintegration\tstate\tattempts\treceived_at\tlatency_ms\n")
            for s, r, u, event, integration, attempts in full:
                f.write("\t".join(map(str, [event, integration, s, attempts, r, int(u) - int(r)])) + "\n")
    rows = [(s, int(r), int(u)) for s, r, u, *_ in full]
    delivered = [u - r for s, r, u in rows if s == "delivered"]
    states = {}
    for s, _, _ in rows:
        states[s] = states.get(s, 0) + 1
    print(json.dumps({
        "rows": len(rows), "final": final, "by_state": states, "timed_out": final < a.expect,
        "waited_s": round(time.monotonic() - started, 1),
        "latency_p50_s": percentile(delivered, 50) / 1000 if delivered else None,
        "latency_p99_s": percentile(delivered, 99) / 1000 if delivered else None,
        "latency_max_s": max(delivered) / 1000 if delivered else None,
    }))


# ---------------------------------------------------------------- 1,000 portals

def read_fleet(path):
    """sandbox_fleet's `SANDBOX i URL TOKEN` lines."""
    fleet = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "SANDBOX":
                fleet.append((int(parts[1]), parts[2], parts[3]))
    return fleet


def cmd_config(a):
    """One config for every worker: an integration per portal, each with its own private-app
    token (a file of its own, 0600, as a deployment would keep it) and its own sandbox as its
    hubspot_url; all share the webhook secret from TIMEREX_WEBHOOK_SECRET."""
    fleet = read_fleet(a.fleet)
    os.makedirs(a.tokens, exist_ok=True)
    lines = [
        "# Written by bench/workers_bench.py config: %d portals, one sandbox each." % len(fleet),
        'state = "%s"' % a.state,
        "lease_s = %d" % a.lease_s,
        "shutdown_timeout_s = 5",
        "",
        "[hubspot]",
        'url = "http://127.0.0.1:1"',
        "portal_schema = false  # 1,000 portals would each be asked for their properties at start",
        "",
    ]
    for i, url, token in fleet:
        path = os.path.join(a.tokens, "p%d" % i)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        lines += ["[[integration]]", 'name = "p%d"' % i, 'rules = "%s"' % os.path.abspath(a.rules),
                  'token_file = "%s"' % os.path.abspath(path), 'secret_env = "TIMEREX_WEBHOOK_SECRET"',
                  'hubspot_url = "%s"' % url, ""]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print(json.dumps({"portals": len(fleet), "config": a.out}))


def cmd_spread(a):
    """Waits until every portal's lease is held by the workers and the split has stayed the same
    for 5 s: the state the workers settle into, which a trickle should meet. (The balance aims at
    ceil(portals / workers) each; a worker may sit one above it for a while.)"""
    started = time.monotonic()
    by_owner, last, stable_since = {}, None, None
    while time.monotonic() - started < a.timeout:
        rows = query(a.state, "SELECT owner, count(*) FROM leases WHERE expires_at > %s GROUP BY owner" % a.now_sql)
        by_owner = {o: int(n) for o, n in rows}
        split = sorted(by_owner.values())
        if sum(split) >= a.portals and len(split) >= a.workers:
            if split != last:
                last, stable_since = split, time.monotonic()
            elif time.monotonic() - stable_since >= 5:
                print(json.dumps({"spread": True, "seconds": round(stable_since - started, 1), "leases_by_worker": split,
                                  "share": math.ceil(a.portals / a.workers)}))
                return
        else:
            last = None
        time.sleep(1)
    print(json.dumps({"spread": False, "seconds": round(time.monotonic() - started, 1),
                      "leases_by_worker": sorted(by_owner.values()), "share": math.ceil(a.portals / a.workers)}))


def cmd_trickle(a):
    """Booking k goes to portal k mod N, through worker k mod W: every portal gets a trickle
    (rate / N each) and any worker takes any portal's webhooks, as behind a load balancer. One
    keep-alive connection and one fixed schedule per worker, so a slow answer on one does not
    delay the others' sends."""
    urls = a.urls.split(",")
    n = int(a.rate * a.seconds)
    bodies = load_bookings(a.bookings, a.prefix, n)
    lock = threading.Lock()
    statuses, lat, late = {}, [], [0]
    start = time.monotonic() + 0.2

    def sender(w):
        poster = Poster(urls[w] + "/webhooks/timerex", a.secret)  # one keep-alive connection
        for k in range(w, n, len(urls)):
            poster.path = "/webhooks/timerex/p%d" % (k % a.portals)
            due = start + k / a.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            elif now - due > 0.05:
                with lock:
                    late[0] += 1
            t = time.monotonic()
            s = poster.post(bodies[k])
            ms = (time.monotonic() - t) * 1000
            with lock:
                statuses[s] = statuses.get(s, 0) + 1
                lat.append(ms)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(len(urls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    print(json.dumps({"sent": n, "ok": statuses.get(200, 0), "statuses": statuses, "seconds": round(took, 1),
                      "rate": round(n / took, 1), "late_sends": late[0],
                      "ack_p50_ms": round(percentile(lat, 50), 2), "ack_p99_ms": round(percentile(lat, 99), 2)}))


# ---------------------------------------------------------------- CPU

def proc_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def cmd_cpu(a):
    """CPU seconds (user + system) used so far by the given processes and, with --children-of,
    by that process and its children (PostgreSQL's postmaster and its backends)."""
    pids = [int(p) for p in a.pids.split(",") if p] if a.pids else []
    total = sum(proc_cpu(p)[0] for p in pids)
    pg = 0.0
    if a.children_of:
        root = int(a.children_of)
        for name in os.listdir("/proc"):
            if name.isdigit():
                cpu, ppid = proc_cpu(int(name))
                if int(name) == root or ppid == root:
                    pg += cpu
    print(json.dumps({"cpu_s": round(total, 3), "pg_cpu_s": round(pg, 3)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("rows")
    s.add_argument("--state", required=True)
    s.add_argument("--prefix")
    s = sub.add_parser("config")
    for k in ("--out", "--state", "--rules", "--fleet", "--tokens"):
        s.add_argument(k, required=True)
    s.add_argument("--lease-s", type=int, default=15)
    s = sub.add_parser("spread")
    s.add_argument("--state", required=True)
    s.add_argument("--portals", type=int, required=True)
    s.add_argument("--workers", type=int, required=True)
    s.add_argument("--timeout", type=float, default=300)
    # The leases table's expiry as the store keeps it (milliseconds since the epoch).
    s.add_argument("--now-sql", default="(extract(epoch from clock_timestamp()) * 1000)::bigint")
    s = sub.add_parser("trickle")
    s.add_argument("--urls", required=True)
    s.add_argument("--secret", default="s3cret")
    s.add_argument("--bookings", required=True)
    s.add_argument("--portals", type=int, required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--rate", type=float, default=50)
    s.add_argument("--seconds", type=float, default=60)
    s = sub.add_parser("wait")
    s.add_argument("--state", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--expect", type=int, required=True)
    s.add_argument("--timeout", type=float, default=300)
    s.add_argument("--poll", type=float, default=1.0)
    s.add_argument("--dump", help="write every booking's row and latency here (TSV)")
    s = sub.add_parser("cpu")
    s.add_argument("--pids", default="")
    s.add_argument("--children-of")
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
