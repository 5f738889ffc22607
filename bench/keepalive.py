"""Asks for one URL a given number of times on one keep-alive connection, with
`Accept-Encoding: br`, and prints how many answers had which status and how many distinct
ETags and body lengths came back (used by bench/hit-instructions.sh).

Usage: keepalive.py URL REQUESTS"""

import collections
import http.client
import sys
import urllib.parse

url, requests = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2])
path = url.path + (f"?{url.query}" if url.query else "")
connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
statuses, etags, lengths = collections.Counter(), set(), set()
for _ in range(requests):
    connection.request("GET", path, headers={"Accept-Encoding": "br"})
    response = connection.getresponse()
    body = response.read()
    statuses[response.status] += 1
    etags.add(response.getheader("ETag"))
    lengths.add(len(body))
print(
    f"statuses {dict(statuses)}, {len(etags)} ETag(s), body lengths {sorted(lengths)}"
)
