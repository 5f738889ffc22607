"""Process-level fault tests for bad upstreams and broken disks (issue 13).
Usage: faults_data.py BINARY MODELS_JSON

1. A 32 MB hostile body of [0,0,...]: the ingest fails cleanly and its peak RSS stays under 300 MB.
2. SIGTERM while the refresh waits on an upstream that accepted the connection and went silent:
   the server exits within 10 s.
3. A disk that will not take the failure record (a file-size limit, RLIMIT_FSIZE): /healthz
   still shows the failure, from memory.
4. The database file deleted under a running server: /healthz answers 503 and says so.
Every step is bounded in time."""
import base64
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time

from faults_common import fake_upstream, binary, check, database, finish, healthz, models_path, serve, stop, wait_healthy, work


def fake_serving(body):
    return fake_upstream(lambda _path: body)





# 1. 32 MB of [0,0,...] through the API client. Peak RSS of that process alone (wait4).
zeros = b'{"data":[' + b"0," * 15_999_995 + b"0]}"
print(f"hostile body: {len(zeros):,} bytes", flush=True)
fake = fake_serving(zeros)
db = database("zeros.db")
started = time.time()
proc = subprocess.Popen([binary, "--database", str(db), "ingest", "--endpoints-timeout", "off",
                         "--openrouter-url", f"http://127.0.0.1:{fake.server_port}/api/v1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
elapsed = time.time() - started
stderr = proc.stderr.read().decode(errors="replace")
proc.returncode = os.waitstatus_to_exitcode(status)
peak_mb = usage.ru_maxrss / 1024  # Linux reports KiB
print(f"32 MB body: exit {proc.returncode} in {elapsed:.2f} s, peak RSS {peak_mb:.0f} MB", flush=True)
check(proc.returncode != 0 and "more than the 20000" in stderr, f"32 MB body refused: {stderr.strip()[-160:]}")
check(peak_mb < 300, f"32 MB body: peak RSS {peak_mb:.0f} MB < 300 MB")
fake.shutdown()

# 2. SIGTERM with a stalled upstream: it accepts, reads the request, and never answers.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
held = []


def hold():
    while True:
        try:
            conn, _ = silent.accept()
        except OSError:
            return
        held.append(conn)


threading.Thread(target=hold, daemon=True).start()
server, port = serve(database("stall.db"), "--endpoints-timeout", "off",
                     "--openrouter-url", f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1", log=work / "stall.log")
check(wait_healthy(port), "server up with a silent upstream")
deadline = time.time() + 10
while not held and time.time() < deadline:
    time.sleep(0.05)
check(bool(held), "the refresh connected to the silent upstream")
time.sleep(1)
started = time.time()
code = stop(server, timeout=30)
took = time.time() - started
print(f"SIGTERM with a stalled upstream: exit {code} after {took:.2f} s", flush=True)
check(code == 0 and took < 10, f"SIGTERM with a stalled upstream: exit {code} within 10 s ({took:.2f} s)")
silent.close()
for conn in held:
    conn.close()

# 3. The disk will not take the failure record. A file-size limit just above every file the
#    database has makes the write of a failed run with a large raw body fail (EFBIG, with
#    SIGXFSZ ignored so the process is not killed); /healthz must still show the failure.
db = database("full.db")
largest = max(p.stat().st_size for p in work.glob("full.db*"))
limit = largest + 1024 * 1024
# Incompressible and not JSON: fails to parse, and its gzip is still bigger than the limit.
junk = b"<html>" + base64.b64encode(os.urandom(max(3 * limit, 8 * 1024 * 1024))) + b"</html>"
check(len(junk) < 32 * 1024 * 1024, f"junk body of {len(junk):,} bytes fits the client's cap")
fake = fake_serving(junk)


def limited():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


server, port = serve(db, "--endpoints-timeout", "off", "--openrouter-url", f"http://127.0.0.1:{fake.server_port}/api/v1",
                     preexec_fn=limited)
check(wait_healthy(port), f"server up under a {limit:,}-byte file-size limit")
error = None
deadline = time.time() + 20
while time.time() < deadline:
    status, body = healthz(port)
    error = (body.get("last_failure") or {}).get("error")
    if error:
        break
    time.sleep(0.2)
print(f"disk full: /healthz last_failure = {error!r}"[:300], flush=True)
check(bool(error) and "not JSON" in error and "could not be written to the database" in error,
      "disk full: /healthz shows the failure that could not be recorded")
stored = subprocess.run(["sqlite3", str(db), "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'failed'"],
                        capture_output=True, text=True).stdout.strip() if shutil.which("sqlite3") else "0"
check(stored in ("0", ""), f"disk full: the failure really was not written (stored failures: {stored})")
stop(server)
fake.shutdown()

# 4. The database file deleted under a running server.
server, port = serve(database("deleted.db"), "--refresh-every", "off")
check(wait_healthy(port), "server up")
check(healthz(port)[0] == 200, "healthz 200 before the file is deleted")
for path in work.glob("deleted.db*"):
    path.unlink()
status, body = healthz(port)
check(status == 503 and "deleted" in (body.get("error") or ""),
      f"database deleted: /healthz {status} {body.get('status')!r}: {body.get('error')!r}")
stop(server)

finish("faults_data")
