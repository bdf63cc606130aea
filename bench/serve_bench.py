#!/usr/bin/env python3
"""Helpers of bench/run_serve_bench.sh (Python 3 standard library only).

  serve_bench.py pace    --url URL --secret S --bookings FILE --prefix P --rate R --seconds T
  serve_bench.py burst   --url URL --secret S --bookings FILE --prefix P --count N [--concurrency C]
  serve_bench.py wait    --state FILE --prefix P --expect N [--metrics URL] [--timeout S]
  serve_bench.py rows    --state FILE [--prefix P]
  serve_bench.py metrics --metrics URL
  serve_bench.py prefill --state FILE --bookings FILE --count N
  serve_bench.py retention --state FILE
  serve_bench.py cpu     --pid PID

Every command prints one JSON object on stdout. Times in the state file are milliseconds since
the epoch: received_at is stamped inside the group commit (just before the 200 is sent),
updated_at when the booking's delivery finished, so updated_at - received_at is the booking's
ack-to-in-HubSpot latency.
"""
import argparse
import http.client
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.parse
import urllib.request

FINAL = ("delivered", "skipped", "invalid", "failed", "parked")


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def load_bookings(path, prefix, count):
    """The generator's bookings, event.id made unique to this run (prefix + the original id)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(out) == count:
                break
            line = line.strip()
            if not line:
                continue
            doc = json.loads(line)
            event = doc.get("event") or {}
            event["id"] = "%s%s" % (prefix, event.get("id", len(out)))
            doc["event"] = event
            out.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if len(out) < count:
        sys.exit("serve_bench: %s holds only %d bookings, %d needed" % (path, len(out), count))
    return out


class Poster:
    """One keep-alive connection to serve's webhook path."""

    def __init__(self, url, secret):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.path = (u.path or "/webhooks/timerex")
        self.headers = {"Content-Type": "application/json", "x-timerex-authorization": secret}
        self.conn = None

    def post(self, body):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request("POST", self.path, body=body, headers=self.headers)
                r = self.conn.getresponse()
                r.read()
                return r.status
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt:
                    return 0
        return 0


def cmd_pace(a):
    bodies = load_bookings(a.bookings, a.prefix, int(a.rate * a.seconds))
    poster = Poster(a.url, a.secret)
    statuses, lat = {}, []
    start = time.monotonic()
    late = 0
    for i, body in enumerate(bodies):
        due = start + i / a.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        elif now - due > 0.05:
            late += 1
        t = time.monotonic()
        s = poster.post(body)
        lat.append((time.monotonic() - t) * 1000)
        statuses[s] = statuses.get(s, 0) + 1
    took = time.monotonic() - start
    print(json.dumps({"sent": len(bodies), "ok": statuses.get(200, 0), "statuses": statuses, "seconds": round(took, 2),
                      "rate": round(len(bodies) / took, 2), "late_sends": late,
                      "ack_p50_ms": round(percentile(lat, 50), 2), "ack_p99_ms": round(percentile(lat, 99), 2)}))


def cmd_burst(a):
    bodies = load_bookings(a.bookings, a.prefix, a.count)
    lock = threading.Lock()
    statuses, lat = {}, []
    next_i = [0]

    def worker():
        poster = Poster(a.url, a.secret)
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= len(bodies):
                return
            t = time.monotonic()
            s = poster.post(bodies[i])
            ms = (time.monotonic() - t) * 1000
            with lock:
                statuses[s] = statuses.get(s, 0) + 1
                lat.append(ms)

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    print(json.dumps({"sent": len(bodies), "ok": statuses.get(200, 0), "statuses": statuses, "seconds": round(took, 2),
                      "rate": round(len(bodies) / took, 1), "ack_p50_ms": round(percentile(lat, 50), 2),
                      "ack_p99_ms": round(percentile(lat, 99), 2)}))


def connect_ro(state):
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(state)), uri=True, timeout=30)
    db.execute("PRAGMA busy_timeout=30000")
    return db


def scrape(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        text = r.read().decode("utf-8")
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        try:
            samples[name_labels] = float(value)
        except ValueError:
            pass
    return samples


def metric_sum(samples, name, where=None):
    total = 0.0
    for key, value in samples.items():
        if key == name or key.startswith(name + "{"):
            if where is None or where(key):
                total += value
    return total


def is_search(key):
    return "search" in key


def hubspot_calls(samples):
    """(all calls, calls counted in the burst limit: all but searches)"""
    name = "hubrules_hubspot_requests_total"
    return metric_sum(samples, name), metric_sum(samples, name, lambda k: not is_search(k))


def cmd_metrics(a):
    s = scrape(a.metrics)
    calls, burst_calls = hubspot_calls(s)
    out = {
        "commits": metric_sum(s, "hubrules_journal_commit_group_size_count"),
        "commit_seconds": metric_sum(s, "hubrules_journal_commit_seconds_sum"),
        "committed_writes": metric_sum(s, "hubrules_journal_commit_group_size_sum"),
        "webhooks_journaled": metric_sum(s, "hubrules_webhooks_total", lambda k: 'result="journaled"' in k),
        "webhooks_total": metric_sum(s, "hubrules_webhooks_total"),
        "ack_to_delivered_count": metric_sum(s, "hubrules_ack_to_delivered_seconds_count"),
        "hubspot_calls": calls,
        "hubspot_burst_calls": burst_calls,
        "hubspot_429": metric_sum(s, "hubrules_hubspot_requests_total", lambda k: 'status="429"' in k),
    }
    print(json.dumps(out))


def final_clause():
    return "state IN (%s)" % ",".join("'%s'" % s for s in FINAL)


def cmd_rows(a):
    db = connect_ro(a.state)
    where = "WHERE event_id LIKE ?" if a.prefix else ""
    args = (a.prefix + "%",) if a.prefix else ()
    rows = dict(db.execute("SELECT state, count(*) FROM bookings %s GROUP BY state" % where, args).fetchall())
    print(json.dumps({"rows": sum(rows.values()), "by_state": rows}))


def cmd_wait(a):
    """Polls the state until the run's bookings are all final; samples /metrics every second
    meanwhile (HubSpot calls over time: the busiest 10 s window)."""
    db = connect_ro(a.state)
    like = a.prefix + "%"
    started = time.monotonic()
    samples = []  # (t, calls, burst calls)
    final = 0
    while True:
        if a.metrics:
            try:
                calls, burst = hubspot_calls(scrape(a.metrics))
                samples.append((time.monotonic(), calls, burst))
            except OSError:
                pass
        final = db.execute("SELECT count(*) FROM bookings WHERE event_id LIKE ? AND %s" % final_clause(),
                           (like,)).fetchone()[0]
        if final >= a.expect or time.monotonic() - started > a.timeout:
            break
        time.sleep(a.poll)
    rows = db.execute("SELECT state, received_at, updated_at FROM bookings WHERE event_id LIKE ?", (like,)).fetchall()
    delivered = [u - r for (s, r, u) in rows if s == "delivered"]
    states = {}
    for s, _, _ in rows:
        states[s] = states.get(s, 0) + 1
    first_received = min((r for _, r, _ in rows), default=0)
    last_final = max((u for s, _, u in rows if s in FINAL), default=0)
    out = {
        "rows": len(rows), "final": final, "by_state": states, "timed_out": final < a.expect,
        "delivered": len(delivered),
        "latency_p50_s": percentile(delivered, 50) / 1000 if delivered else None,
        "latency_p99_s": percentile(delivered, 99) / 1000 if delivered else None,
        "latency_max_s": max(delivered) / 1000 if delivered else None,
        "first_received_to_last_final_s": (last_final - first_received) / 1000 if rows else None,
    }
    if len(samples) >= 2:
        out["hubspot_calls"] = samples[-1][1] - samples[0][1]
        out["hubspot_burst_calls"] = samples[-1][2] - samples[0][2]
        busiest = 0
        for i, (t, _, b) in enumerate(samples):
            j = i
            while j + 1 < len(samples) and samples[j + 1][0] - t <= 10.0:
                j += 1
            # calls made between sample i and sample j (at most 10 s apart)
            busiest = max(busiest, samples[j][2] - b)
        out["busiest_10s_burst_calls"] = busiest
        out["sampled_seconds"] = round(samples[-1][0] - samples[0][0], 1)
    print(json.dumps(out))


def cmd_prefill(a):
    """N finished (delivered) bookings as a long-running serve leaves them: the booking with its
    payload, its outcome, the contact and the company it created. Received 40 days ago."""
    template = None
    with open(a.bookings, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc.get("webhook_type") == "event_confirmed":
                template = doc
                break
    db = sqlite3.connect(a.state, timeout=60)
    db.execute("PRAGMA busy_timeout=60000")
    connection = db.execute("SELECT id FROM connections LIMIT 1").fetchone()
    connection = connection[0] if connection else None
    now = int(time.time() * 1000)
    t0 = now - 40 * 86400 * 1000
    started = time.monotonic()

    def docs():
        for i in range(a.count):
            template["event"]["id"] = "prefill-%d" % i
            for entry in template["event"].get("form", []):
                if entry.get("field_type") == "guest_email":
                    entry["value"] = "guest%d@prefill%d.example.com" % (i, i)
            yield i, json.dumps(template, ensure_ascii=False, separators=(",", ":"))

    with db:
        ts = lambda i: t0 + i * 10  # noqa: E731 — spread over the 40 days' first half hour
        # As the store writes them since migration 7: the payload in booking_payloads, keyed by
        # the booking's intake_sequence.
        for i, body in docs():
            cursor = db.execute(
                "INSERT INTO bookings (event_id, payload, state, attempts, received_at, updated_at, last_attempt_at,"
                " connection_id, integration) VALUES (?, '', 'delivered', 1, ?, ?, ?, ?, 'default')",
                ("prefill-%d" % i, ts(i), ts(i) + 1500, ts(i) + 1000, connection))
            db.execute("INSERT INTO booking_payloads (intake_sequence, payload) VALUES (?, ?)", (cursor.lastrowid, body))
        db.executemany(
            "INSERT INTO outcomes (event_id, contact_id, company_id, contact_disposition, company_disposition,"
            " associated, updated_at) VALUES (?, ?, ?, 'created', 'created', 1, ?)",
            (("prefill-%d" % i, str(10_000_000 + i), str(20_000_000 + i), ts(i) + 1500) for i in range(a.count)))
        db.executemany(
            "INSERT INTO created_contacts (connection_id, email, hubspot_id, created_at) VALUES (?, ?, ?, ?)",
            ((connection or "", "guest%d@prefill%d.example.com" % (i, i), str(10_000_000 + i), ts(i) + 1200)
             for i in range(a.count)))
        db.executemany(
            "INSERT INTO created_companies (hubspot_id, domain, name, created_at, connection_id) VALUES (?, ?, ?, ?, ?)",
            ((str(20_000_000 + i), "prefill%d.example.com" % i, "Prefill %d Inc." % i, ts(i) + 1100, connection or "")
             for i in range(a.count)))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(json.dumps({"prefilled": a.count, "seconds": round(time.monotonic() - started, 1),
                      "state_bytes": os.path.getsize(a.state)}))


def cmd_retention(a):
    """The state file's size, then what drop_payloads_before does (the same SQL as
    SqliteStateStore::drop_payloads_before: delete the payloads of finished bookings and the settled
    create intents, then an incremental vacuum), and the size after."""
    db = sqlite3.connect(a.state, timeout=60)
    db.execute("PRAGMA foreign_keys=ON")  # as the store: an intent's keys go with it
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = db.execute("SELECT count(*) FROM bookings").fetchone()[0]
    before = os.path.getsize(a.state)
    with db:
        until = int(time.time() * 1000) + 1
        dropped = db.execute(
            "DELETE FROM booking_payloads WHERE intake_sequence IN (SELECT p.intake_sequence FROM booking_payloads p "
            "JOIN bookings b ON b.intake_sequence = p.intake_sequence "
            "WHERE b.state IN ('delivered', 'skipped', 'invalid') AND b.updated_at < ?)", (until,)).rowcount
        db.execute("DELETE FROM create_intents WHERE status <> 'unresolved' AND resolved_at < ?", (until,))
    db.executescript("PRAGMA incremental_vacuum;")  # sqlite3_exec runs it to the end, as the store does
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = os.path.getsize(a.state)
    # What a full VACUUM would give (serve never runs one), for comparison: the payloads live in a
    # table of their own keyed by arrival, so dropping the oldest frees whole pages.
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    vacuumed = os.path.getsize(a.state)
    db.close()
    per = lambda b: round(b / max(rows, 1) * 100000 / 1e6, 1)  # noqa: E731
    print(json.dumps({"rows": rows, "dropped": dropped, "bytes_before": before, "bytes_after": after,
                      "bytes_after_vacuum": vacuumed, "mb_per_100k_before": per(before),
                      "mb_per_100k_after": per(after), "mb_per_100k_after_vacuum": per(vacuumed)}))


def cmd_cpu(a):
    """CPU seconds (user + system) the process has used so far."""
    with open("/proc/%d/stat" % a.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    print(json.dumps({"cpu_s": (int(fields[11]) + int(fields[12])) / ticks}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("pace", "burst"):
        s = sub.add_parser(name)
        s.add_argument("--url", required=True)
        s.add_argument("--secret", default="s3cret")
        s.add_argument("--bookings", required=True)
        s.add_argument("--prefix", required=True)
        if name == "pace":
            s.add_argument("--rate", type=float, default=20)
            s.add_argument("--seconds", type=float, default=60)
        else:
            s.add_argument("--count", type=int, default=5000)
            s.add_argument("--concurrency", type=int, default=16)
    s = sub.add_parser("wait")
    s.add_argument("--state", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--expect", type=int, required=True)
    s.add_argument("--metrics")
    s.add_argument("--timeout", type=float, default=600)
    s.add_argument("--poll", type=float, default=1.0)
    s = sub.add_parser("rows")
    s.add_argument("--state", required=True)
    s.add_argument("--prefix")
    s = sub.add_parser("metrics")
    s.add_argument("--metrics", required=True)
    s = sub.add_parser("prefill")
    s.add_argument("--state", required=True)
    s.add_argument("--bookings", required=True)
    s.add_argument("--count", type=int, required=True)
    s = sub.add_parser("retention")
    s.add_argument("--state", required=True)
    s = sub.add_parser("cpu")
    s.add_argument("--pid", type=int, required=True)
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
