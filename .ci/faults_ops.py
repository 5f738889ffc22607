"""Process-level checks of running tokenfare for real (issue 26), each against real processes:

1. `tokenfare backup` while a writer process commits ingests in a loop: every copy opens,
   passes integrity_check, holds the last run committed before it began (or a later one), and
   holds that run wholly; an existing file is never overwritten.
2. `serve --read-only` replicas beside a writer process: two replicas of one release (two
   copies of the binary with different mtimes) answer the same ETag for the same data; the
   writer's new data is served within seconds; a writer SIGKILLed mid-ingest leaves the
   replica serving the last committed data, wholly; a database whose schema is older than the
   binary's is refused at start, naming both versions, and left unmigrated. One replica also
   serves its metrics (`--metrics-addr`): answered over a socket with the families, while
   the public ports answer `/metrics` with a 404.

Usage: faults_ops.py BINARY MODELS_JSON
"""
import datetime
import decimal
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

from faults_common import (binary, check, database, finish, free_port, healthz, models_path, run, serve, stop,
                           wait_healthy, work)

models = json.loads(models_path.read_text())


def without_overrides(m):
    return dict(m, pricing={k: v for k, v in m["pricing"].items() if k != "overrides"})


def doubled(m):
    m = json.loads(json.dumps(without_overrides(m)))
    for k, v in list(m["pricing"].items()):
        if isinstance(v, str) and v not in ("0", "-1"):
            m["pricing"][k] = str(decimal.Decimal(v) * 2)
    return m


catalogue_a = work / "a.json"
catalogue_a.write_text(json.dumps({"data": [without_overrides(m) for m in models]}))
catalogue_b = work / "b.json"
catalogue_b.write_text(json.dumps({"data": [doubled(m) for m in models]}))
# Every model whose input price is neither zero nor variable changes price in every run of
# the loop below (A, B, A, ... after the original): a copy that holds a run wholly has each
# such model's newest price row written by that very run.
priced = {m["id"] for m in models if m["pricing"].get("prompt") not in (None, "0", "-1")}


def sql(db, query, *args):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def day(n):
    """2026-08-09 plus n days."""
    return (datetime.date(2026, 8, 9) + datetime.timedelta(days=n)).isoformat()


# 1. Backups while a writer process commits.
live = database("live.db")
stop_writing = threading.Event()
written = []


def writer_loop():
    n = 0
    while not stop_writing.is_set() and n < 60:
        source = catalogue_b if n % 2 == 0 else catalogue_a
        done = run("--database", str(live), "ingest", "--file", str(source), "--as-of", day(n))
        written.append(done.returncode)
        n += 1


writer = threading.Thread(target=writer_loop)
writer.start()
time.sleep(0.5)
for k in range(8):
    before = sql(live, "SELECT MAX(id) FROM ingest_runs")[0][0]
    copy = work / f"backup-{k}.db"
    started = time.time()
    done = run("--database", str(live), "backup", str(copy))
    took = time.time() - started
    after = sql(live, "SELECT MAX(id) FROM ingest_runs")[0][0]
    integrity = sql(copy, "PRAGMA integrity_check")[0][0] if copy.exists() else "missing"
    held = sql(copy, "SELECT MAX(id) FROM ingest_runs")[0][0] if copy.exists() else None
    newest_ok = sql(copy, "SELECT MAX(id) FROM ingest_runs WHERE outcome = 'success'")[0][0] if copy.exists() else None
    stale = sql(copy, """SELECT COUNT(*) FROM models m WHERE m.active = 1 AND m.id IN (SELECT value FROM json_each(?))
                         AND (SELECT h.run_id FROM price_history h WHERE h.model_id = m.id ORDER BY h.id DESC LIMIT 1) != ?""",
                json.dumps(sorted(priced)), newest_ok)[0][0] if copy.exists() else None
    check(done.returncode == 0 and "integrity check ok" in done.stdout and f"newest catalogue run: #{held}" in done.stdout,
          f"backup {k} ({took:.2f} s) exits 0 and reports its newest run #{held}: {done.stdout.strip().splitlines()[:1]} {done.stderr.strip()}")
    check(integrity == "ok" and held is not None and before <= held <= after,
          f"backup {k}: integrity {integrity}; holds run #{held}, committed before it began #{before}, after it ended #{after}")
    check(stale == 0, f"backup {k}: run #{newest_ok} held wholly ({stale} priced models with an older newest price row)")
stop_writing.set()
writer.join()
check(len(written) >= 4 and all(code == 0 for code in written),
      f"the writer committed {len(written)} ingests during the backups (exit codes {sorted(set(written))})")
taken = work / "backup-0.db"
size_before = taken.stat().st_size
done = run("--database", str(live), "backup", str(taken))
check(done.returncode != 0 and "never overwrites" in done.stderr and taken.stat().st_size == size_before,
      f"a backup onto an existing file is refused and leaves it alone: {done.stderr.strip()}")


# 2. Read-only replicas beside a writer process.
def get(port, path, headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


shared = database("shared.db")
# Two installs of one release, copied at different times: their executables' mtimes differ.
release_a, release_b = work / "release-a" / "tokenfare", work / "release-b" / "tokenfare"
for path, mtime in ((release_a, 1_700_000_000), (release_b, 1_800_000_000)):
    path.parent.mkdir()
    shutil.copy2(binary, path)
    os.utime(path, (mtime, mtime))
replicas = []
metrics_port = free_port()
for release in (release_a, release_b):
    # Replica A also serves its metrics, on a listener of their own.
    metrics = ["--metrics-addr", f"127.0.0.1:{metrics_port}"] if release == release_a else []
    proc, port = serve(shared, "--read-only", *metrics, log=work / f"replica-{release.parent.name}.log",
                       binary_path=str(release))
    replicas.append((proc, port))
(replica_a, port_a), (replica_b, port_b) = replicas
check(wait_healthy(port_a) and wait_healthy(port_b), "two read-only replicas up on one database")
get(port_a, "/models")
status, headers, text = get(metrics_port, "/metrics")
text = text.decode()
families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
wanted = {"tokenfare_http_requests", "tokenfare_page_cache_hits", "tokenfare_feed_runs", "tokenfare_data_age_seconds",
          "tokenfare_database_size_bytes", "process_resident_memory_bytes", "process_open_fds"}
check(status == 200 and headers.get("content-type", "").startswith("application/openmetrics-text")
      and wanted <= families and 'tokenfare_http_requests_total{route="/models",status="200"} 1' in text,
      f"the metrics listener answers over a socket with the families ({status}, {len(families)} families, "
      f"missing {sorted(wanted - families)})")
check(get(port_a, "/metrics")[0] == 404 and get(port_b, "/metrics")[0] == 404, "the public ports answer /metrics with a 404")
status, body = healthz(port_a)
check(status == 200 and body["models"] == 400 and body["as_of"].startswith("2026-08-08"),
      f"replica serves the writer's data: {status}, {body.get('models')} models as of {body.get('as_of')}")

for path in ("/", "/models", "/ranking?sort=price", "/calculator"):
    tags = [get(port, path, {"Accept-Encoding": "br"})[1].get("etag") for port in (port_a, port_b)]
    check(tags[0] is not None and tags[0] == tags[1] and not tags[0].startswith("W/"),
          f"{path}: both replicas of one release answer the same strong ETag {tags}")

# The writer commits new data (every price doubled); the replicas show it within seconds.
started = time.time()
done = run("--database", str(shared), "ingest", "--file", str(catalogue_b), "--as-of", "2026-08-09")
committed = time.time()
check(done.returncode == 0, f"the writer process ingests into the replicas' database: {done.stderr.strip()[-200:]}")
seen_in = None
while time.time() - committed < 10:
    if healthz(port_a)[1].get("as_of", "").startswith("2026-08-09") and healthz(port_b)[1].get("as_of", "").startswith("2026-08-09"):
        seen_in = time.time() - committed
        break
    time.sleep(0.1)
check(seen_in is not None and seen_in <= 5, f"both replicas serve the writer's new data {seen_in if seen_in is None else f'{seen_in:.1f}'} s after its commit")

prices_a = {m["id"]: m["pricing"].get("prompt") for m in models}


def price_ratios(port):
    """The set of (served input price / catalogue A's) over the openai models, and the status."""
    status, _, body = get(port, "/api/models.json?author=openai")
    if status != 200:
        return status, set()
    ratios = set()
    for row in json.loads(body)["models"]:
        a = prices_a.get(row["id"])
        if a in (None, "0", "-1") or row["prompt_per_token"] in (None, "0", "-1"):
            continue
        ratios.add(round(float(row["prompt_per_token"]) / float(a), 6))
    return status, ratios


check(price_ratios(port_a) == (200, {2.0}), f"replica serves catalogue B wholly: {price_ratios(port_a)}")

# A writer SIGKILLed in the middle of a large ingest: the replica goes on serving catalogue B,
# wholly, throughout and after; the database then takes the next writer's ingest.
big = []
for n in range(80):
    for m in models:
        clone = without_overrides(m)
        clone["id"] = m["id"] if n == 0 else f"{m['id'].replace(':', '-')}-copy{n}"
        big.append(clone)
big_path = work / "big.json"
big_path.write_text(json.dumps({"data": big}))
def ingest_holds_lock(db, process):
    """Whether `process` is inside its ingest's write transaction: the write lock is held, and
    still held a tenth of a second later (opening the database takes it for a moment too)."""
    if process.poll() is not None or not write_locked(db):
        return False
    time.sleep(0.1)
    return process.poll() is None and write_locked(db)


def write_locked(db):
    """Whether another connection holds the database's write lock (an ingest inside its
    transaction): BEGIN IMMEDIATE without waiting fails then. When it succeeds the lock is
    given straight back; the writer's own busy timeout covers that instant."""
    con = sqlite3.connect(db, timeout=0)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()



# How long the big ingest holds the write lock (its transaction), measured on a copy: the
# kills below land inside that window, at a random moment of its first half or so.
timing = database("timing.db")
timer = subprocess.Popen([binary, "--database", str(timing), "ingest", "--file", str(big_path), "--as-of", "2026-08-10"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
started = time.time()
while not ingest_holds_lock(timing, timer) and timer.poll() is None:
    time.sleep(0.005)
locked_at = time.time() - 0.1
timer.wait()
in_tx = time.time() - locked_at
print(f"the ingest of {len(big)} records holds the write lock {in_tx:.2f} s of its {time.time() - started:.2f} s", flush=True)


for attempt in range(3):
    probes, bad = 0, []
    writer_log = work / f"writer-{attempt}.log"
    writer = subprocess.Popen([binary, "--database", str(shared), "ingest", "--file", str(big_path), "--as-of", "2026-08-10"],
                              stdout=subprocess.DEVNULL, stderr=open(writer_log, "w"))
    spawned = time.time()
    # Killed inside its write transaction, while it writes rows: once it has held the write
    # lock for a tenth of a second, at a random moment of the next 0.05-0.4 s (the transaction
    # takes seconds; on a busy machine its length varies too much to aim at a fraction of
    # it), checked to hold the lock still just before the kill.
    deadline = time.time() + 60
    while not ingest_holds_lock(shared, writer) and writer.poll() is None and time.time() < deadline:
        result = price_ratios(port_a)
        probes += 1
        if result != (200, {2.0}):
            bad.append(result)
    locked_after = time.time() - spawned
    kill_at = time.time() + random.uniform(0.05, 0.4) * min(in_tx, 1.0)
    while time.time() < kill_at and writer.poll() is None:
        result = price_ratios(port_a)
        probes += 1
        if result != (200, {2.0}):
            bad.append(result)
    exited = writer.poll()
    in_transaction = exited is None and write_locked(shared)
    killed_after = time.time() - spawned
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    check(in_transaction, f"writer #{attempt} killed while it held the write lock, inside its transaction "
                          f"(lock seen {locked_after:.2f} s after its start, killed at {killed_after:.2f} s; "
                          f"{'running' if exited is None else f'had exited with {exited}'}"
                          f"{'' if in_transaction else ': ' + writer_log.read_text().strip()[-300:]})")
    if not in_transaction:
        # It committed: the checks below would test another thing.
        break
    for _ in range(20):
        result = price_ratios(port_a)
        probes += 1
        if result != (200, {2.0}):
            bad.append(result)
        time.sleep(0.1)
    status, body = healthz(port_a)
    check(not bad and status == 200 and body["models"] == 400 and body["as_of"].startswith("2026-08-09"),
          f"writer killed mid-ingest #{attempt}: the replica served catalogue B wholly in {probes} probes "
          f"(bad {bad[:3]}), {body.get('models')} models as of {body.get('as_of')}")
done = run("--database", str(shared), "ingest", "--file", str(catalogue_a), "--as-of", "2026-08-11")
check(done.returncode == 0, f"after the kills a writer ingests again: {done.stderr.strip()[-200:]}")
seen_in = None
committed = time.time()
while time.time() - committed < 10:
    if price_ratios(port_b) == (200, {1.0}):
        seen_in = time.time() - committed
        break
    time.sleep(0.1)
check(seen_in is not None and seen_in <= 5, f"and the replicas serve it {seen_in} s later")
for proc, _ in replicas:
    code = stop(proc)
    check(code == 0, f"replica stops on SIGTERM with exit {code}")

# A database whose schema is one migration behind the binary's: refused at start, both
# versions named, and not migrated.
old = database("old-schema.db")
newest = sql(old, "SELECT MAX(version) FROM _sqlx_migrations")[0][0]
con = sqlite3.connect(old)
con.execute("DELETE FROM _sqlx_migrations WHERE version = ?", (newest,))
con.commit()
con.close()
proc, port = serve(old, "--read-only", log=work / "old.log")
try:
    code = proc.wait(timeout=15)
except subprocess.TimeoutExpired:
    proc.kill()
    code = "still running"
message = (work / "old.log").read_text()
check(code not in (0, "still running") and f"version {newest - 1}" in message and f"this binary's {newest}" in message,
      f"a replica refuses an older schema: exit {code}, {message.strip().splitlines()[-1:]}")
check(sql(old, "SELECT MAX(version) FROM _sqlx_migrations")[0][0] == newest - 1, "and leaves it unmigrated")

finish("faults_ops")
