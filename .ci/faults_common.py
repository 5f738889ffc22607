"""What the process-level fault scripts (faults.py, faults_data.py, faults_ops.py, ...) share: their arguments and
scratch directory, the check list, and starting, probing and stopping `tokenfare serve`.
Usage from a script run as `python3 .ci/SCRIPT.py BINARY MODELS_JSON`:

    from faults_common import binary, models_path, work, check, ...
"""
import json
import shutil
import threading
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

binary, models_path = sys.argv[1], Path(sys.argv[2])
work = Path(tempfile.mkdtemp())
failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message, flush=True)
    if not ok:
        failures.append(message)


def run(*args, timeout=300, **kw):
    """Runs the binary to completion with these arguments."""
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port):
    """(status, parsed body) of /healthz, whatever the status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def wait_healthy(port, timeout=15):
    """Whether the server answers /healthz (with any status) within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            healthz(port)
            return True
        except Exception:
            time.sleep(0.1)
    return False


def base_database():
    """A database holding the 400-model catalogue as of 2026-08-08, made once and copied."""
    base = work / "base.db"
    if not base.exists():
        done = run("--database", str(base), "ingest", "--file", str(models_path), "--as-of", "2026-08-08")
        check(done.returncode == 0, "base database with the 400-model catalogue")
    return base


def database(name):
    """A fresh copy of the base database under `name`."""
    db = work / name
    shutil.copy(base_database(), db)
    return db


def serve(db, *args, port=None, log=None, wrap=None, binary_path=None, **popen):
    """Starts `tokenfare --database DB serve --addr 127.0.0.1:PORT ARGS...` and returns
    (process, port); stderr goes to `log` (a path) or nowhere. `wrap` is a shell prefix such
    as `ulimit -n 1024 &&` to run the server under; `binary_path` another copy of the binary."""
    port = port or free_port()
    command = [binary_path or binary, "--database", str(db), "serve", "--addr", f"127.0.0.1:{port}", *args]
    if wrap:
        command = ["bash", "-c", f'{wrap} exec "$0" "$@"', *command]
    stderr = open(log, "w") if log else subprocess.DEVNULL
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, **popen), port


def stop(proc, timeout=15):
    """SIGTERM, then the exit code, or "timeout" (and SIGKILL) if it took longer than `timeout`."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "timeout"


def finish(name):
    """Removes the scratch directory and exits non-zero if any check failed."""
    shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{name}: {len(failures)} checks failed")
        sys.exit(1)
    print(f"{name}: all checks passed")


def fake_upstream(body_for):
    """A fake upstream on a free loopback port answering every GET with 200 and the JSON
    bytes `body_for(path)` returns; the caller shuts it down."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = body_for(self.path)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
