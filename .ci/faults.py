"""Process-level fault tests for tokenfare. Usage: faults.py BINARY MODELS_JSON"""
import decimal
import json
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from faults_common import fake_upstream, base_database, binary, check, database, finish, models_path, run, serve, stop, wait_healthy, work

models = json.loads(models_path.read_text())
base_db = base_database()

# 1. SIGKILL in the middle of an ingest of a large catalogue: the database opens, passes
#    integrity_check, and holds exactly the old data or exactly the new, never a mix.
big = []
for copy in range(40):
    for m in models:
        clone = dict(m)
        clone["id"] = m["id"] if copy == 0 else f"{m['id'].split(':')[0]}-copy{copy}"
        big.append(clone)
big_path = work / "big.json"
big_path.write_text(json.dumps({"data": big}))
print(f"big catalogue: {len(big)} records", flush=True)
full = work / "full.db"
shutil.copy(base_db, full)
started = time.time()
run("--database", str(full), "ingest", "--file", str(big_path), "--as-of", "2026-08-09")
full_ingest = time.time() - started
print(f"full ingest of the big catalogue: {full_ingest:.2f} s (kills land in 0.05 s .. {1.3 * full_ingest:.2f} s)", flush=True)
outcomes = {"old": 0, "new": 0}
for attempt in range(8):
    db = work / f"kill{attempt}.db"
    shutil.copy(base_db, db)
    proc = subprocess.Popen([binary, "--database", str(db), "ingest", "--file", str(big_path), "--as-of", "2026-08-09"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.05, 1.3 * full_ingest))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    active = con.execute("SELECT COUNT(*) FROM models WHERE active = 1").fetchone()[0]
    total = con.execute("SELECT COUNT(*) FROM models").fetchone()[0]
    ok_runs = con.execute("SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'success'").fetchone()[0]
    history = con.execute("SELECT COUNT(*) FROM price_history").fetchone()[0]
    con.close()
    state = "old" if (active, total, ok_runs, history) == (400, 400, 1, 400) else (
        "new" if active == len({m["id"] for m in big}) and ok_runs == 2 else "mixed")
    if state in outcomes:
        outcomes[state] += 1
    check(integrity == "ok" and state != "mixed",
          f"SIGKILL #{attempt}: integrity {integrity}, {active} active / {total} models, {ok_runs} runs -> {state}")
    # The killed database still serves: a later ingest works on it.
    again = run("--database", str(db), "ingest", "--file", str(models_path), "--as-of", "2026-08-10")
    check(again.returncode == 0 or "shrank" in again.stderr, f"SIGKILL #{attempt}: database usable afterwards")
print(f"kill outcomes: {outcomes}", flush=True)

# 2. Serving under load while ingests commit: a fake OpenRouter alternates two catalogues
#    (B = every price doubled), the server refreshes every second; wrk must see zero failed
#    requests, and every JSON response must be wholly A or wholly B.
def doubled(m):
    m = json.loads(json.dumps(m))
    for k, v in list(m["pricing"].items()):
        if isinstance(v, str) and v not in ("0", "-1"):
            m["pricing"][k] = str(decimal.Decimal(v) * 2)
    m["pricing"].pop("overrides", None)
    return m


body_a = json.dumps({"data": [dict(m, pricing={k: v for k, v in m["pricing"].items() if k != "overrides"}) for m in models]}).encode()
body_b = json.dumps({"data": [doubled(m) for m in models]}).encode()
served = {"n": 0}


def fake_body(path):
    """The catalogue alternates between the listing and its doubled prices on every fetch."""
    if path.endswith("/models"):
        served["n"] += 1
        return body_a if served["n"] % 2 else body_b
    return b'{"data": {"endpoints": []}}'


fake = fake_upstream(fake_body)
db = work / "load.db"
server, port = serve(db, "--refresh-every", "1s", "--endpoints-timeout", "off",
                     "--openrouter-url", f"http://127.0.0.1:{fake.server_port}/api/v1", log=work / "serve.log")
check(wait_healthy(port), "server up with a fake OpenRouter")
time.sleep(2)
prices_a = {m["id"]: m["pricing"]["prompt"] for m in models}
mixed, seen = 0, set()
probing_done = threading.Event()


def consistency_probe():
    global mixed
    while not probing_done.is_set():
        try:
            data = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/models.json?author=openai", timeout=5))
        except Exception:
            continue
        versions = set()
        for row in data["models"]:
            a = prices_a.get(row["id"])
            if a in (None, "0", "-1") or not row["prompt_per_token"] or row["prompt_per_token"] in ("0", "-1"):
                continue
            ratio = float(row["prompt_per_token"]) / float(a)
            versions.add(round(ratio, 6))
        seen.update(versions)
        if len(versions) > 1:
            mixed += 1


probe = threading.Thread(target=consistency_probe)
probe.start()
wrk = subprocess.run(["wrk", "-t2", "-c256", "-d10s", f"http://127.0.0.1:{port}/models"], capture_output=True, text=True)
probing_done.set()
probe.join()
print(wrk.stdout, flush=True)
refreshes = served["n"]
check("Non-2xx" not in wrk.stdout and "Socket errors" not in wrk.stdout, "wrk at 256 connections: zero failed requests")
check(refreshes >= 4, f"{refreshes} refreshes committed during the load")
check(mixed == 0 and seen >= {1.0, 2.0}, f"every response wholly old or new data (ratios seen {sorted(seen)}, mixed {mixed})")

# 3. A 100 KB query over a real socket is refused with a 4xx, and the next request is fine.
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/models?q=" + "a" * 100_000, timeout=5)
    status = 200
except urllib.error.HTTPError as err:
    status = err.code
except Exception as err:  # connection closed by the server is also a refusal, but we want a status
    status = f"error {err}"
check(isinstance(status, int) and 400 <= status < 500, f"100 KB query -> {status}")
check(urllib.request.urlopen(f"http://127.0.0.1:{port}/models", timeout=5).status == 200, "next request served normally")

# 3b. Oversized request headers are refused (hyper's limits: 100 headers, bounded buffer) with a 4xx.
def raw_status(request_bytes):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_bytes)
        reply = sock.recv(4096).decode("latin-1")
    return reply.split("\r\n", 1)[0]


many = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(200))
line = raw_status(f"GET /models HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())
check(" 431 " in line or " 400 " in line, f"200 request headers -> {line!r}")
huge = "X-Big: " + "a" * 1_000_000 + "\r\n"
try:
    line = raw_status(f"GET /models HTTP/1.1\r\nHost: x\r\n{huge}\r\n".encode())
except (BrokenPipeError, ConnectionResetError):
    line = "connection closed"
check(" 431 " in line or " 400 " in line or line == "connection closed", f"1 MB header -> {line!r}")
check(urllib.request.urlopen(f"http://127.0.0.1:{port}/models", timeout=5).status == 200, "server still serving after header abuse")

# 4. SIGTERM: graceful shutdown, exit code 0, database intact.
code = stop(server, timeout=30)
check(code == 0, f"SIGTERM: exited with {code}")
con = sqlite3.connect(db)
check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "SIGTERM: database passes integrity_check")
con.close()
fake.shutdown()

# 5. SIGTERM while the server is ingesting a large catalogue: it finishes the ingest, commits
#    it whole, then exits 0.
big_body = big_path.read_bytes()
fetched = threading.Event()


class BigFake(BaseHTTPRequestHandler):
    def do_GET(self):
        body = big_body if self.path.endswith("/models") else b'{"data": {"endpoints": []}}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path.endswith("/models"):
            fetched.set()

    def log_message(self, *args):
        pass


big_fake = ThreadingHTTPServer(("127.0.0.1", 0), BigFake)
threading.Thread(target=big_fake.serve_forever, daemon=True).start()
db = database("term.db")
server, _ = serve(db, "--endpoints-timeout", "off", "--openrouter-url", f"http://127.0.0.1:{big_fake.server_port}/api/v1",
                  log=work / "term.log")
check(fetched.wait(30), "server fetched the large catalogue")
time.sleep(0.2)
code = stop(server, timeout=60)
con = sqlite3.connect(db)
integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
runs = con.execute("SELECT outcome, models_stored FROM ingest_runs ORDER BY id").fetchall()
active = con.execute("SELECT COUNT(*) FROM models WHERE active = 1").fetchone()[0]
con.close()
check(code == 0 and integrity == "ok", f"SIGTERM during an ingest: exit {code}, integrity {integrity}")
check(runs[-1] == ("success", len({m["id"] for m in big})) and active == runs[-1][1],
      f"SIGTERM during an ingest: the ingest finished and committed whole (runs {runs}, {active} active)")
big_fake.shutdown()

# 6. 1,100 silent sockets under a 1,024 open-files limit: the server caps its connections
#    below the limit (896), says so at warn, closes the silent ones after the 10 s head
#    timeout, and a new client is served within 15 s. Loopback only; bounded to ~30 s.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
fd_log = work / "fd.log"
server, fd_port = serve(database("fd.db"), "--refresh-every", "off", log=fd_log, wrap="ulimit -n 1024 &&")
check(wait_healthy(fd_port), "server up under ulimit -n 1024")
idle = []
for _ in range(1100):
    # Past the cap and the kernel's accept backlog a connect stalls; skip it and go on.
    try:
        idle.append(socket.create_connection(("127.0.0.1", fd_port), timeout=0.2))
    except OSError:
        pass
time.sleep(0.5)
started = time.time()
try:
    urllib.request.urlopen(f"http://127.0.0.1:{fd_port}/healthz", timeout=20)
    served_in = time.time() - started
except Exception as err:
    served_in = f"not served ({err})"
check(len(idle) > 1024 and isinstance(served_in, float) and served_in < 15,
      f"{len(idle)} idle sockets under a 1,024 limit: a new client served after {served_in if isinstance(served_in, str) else f'{served_in:.1f} s'}")
for sock in idle:
    sock.close()
check(urllib.request.urlopen(f"http://127.0.0.1:{fd_port}/models", timeout=5).status == 200, "serving normally once they are gone")
code = stop(server)
log_text = fd_log.read_text()
check("connection cap reached" in log_text and "WARN" in log_text, "the connection cap was logged at warn")
check(code == 0, f"SIGTERM after the idle flood: exit {code}")

finish("faults")
