"""One client on one keep-alive connection, asking for a page again and again for a while,
timing every request on its own. Prints one line:

    probe: 120596 requests, 0 non-2xx, 0 errors; p50 0.08 ms, p99 0.62 ms, p99.9 2.49 ms, max 34.5 ms

Usage: probe.py URL SECONDS [HEADER: VALUE ...]

Why not `wrk -c1 --latency` alone: on our box its figures for one connection do not add up.
In a 3 s run against the cached /models, wrk (Debian's 4.1.0) counted 51,633 requests but
reported a mean latency of 1.51 ms, which would make 78 s of waiting in 3 s; the requests
themselves were answered in about 0.06 ms each (3 s / 51,633). Whatever it bins, its "p99"
of such a run is not the p99 of the requests. This probe times each request from before it
is written to after its body is read, Python's own overhead included (about 0.1 ms a
request), so it errs on the slow side."""

import http.client
import sys
import time
import urllib.parse

url, seconds = urllib.parse.urlsplit(sys.argv[1]), float(sys.argv[2])
headers = dict(h.split(": ", 1) for h in sys.argv[3:])
path = url.path + (f"?{url.query}" if url.query else "")


def connect():
    return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)


connection = connect()
latencies, non_2xx, errors = [], 0, 0
end = time.perf_counter() + seconds
while time.perf_counter() < end:
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        errors += 1
        connection.close()
        connection = connect()
        continue
    latencies.append(time.perf_counter() - started)
    if not 200 <= response.status < 300:
        non_2xx += 1
latencies.sort()


def at(fraction):
    return latencies[min(len(latencies) - 1, int(len(latencies) * fraction))] * 1000 if latencies else float("nan")


print(f"probe: {len(latencies)} requests, {non_2xx} non-2xx, {errors} errors; p50 {at(0.5):.2f} ms, "
      f"p99 {at(0.99):.2f} ms, p99.9 {at(0.999):.2f} ms, max {at(1.0):.1f} ms", flush=True)
