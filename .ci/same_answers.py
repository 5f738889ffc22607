"""The comparing half of .ci/same-answers.sh (read its header first): prepares one database
with the OLD build from the real saved data, serves a copy of it with each build at once and
compares the answers to a fixed list of URLs byte for byte.

Usage (the shell script's call): same_answers.py OLD_BINARY MODELS_JSON NEW_BINARY DATA_DIR [KEEP_DIR]

The argument order is faults_common's (BINARY MODELS_JSON first), so its helpers run the
OLD binary and its scratch directory holds the databases. KEEP_DIR, when given, receives both
builds' bodies of every URL that differs.
"""
import difflib
import http.client
import json
import shutil
import sys
import time
from pathlib import Path

import faults_common
from faults_common import check, fake_upstream, run, serve, stop, wait_healthy, work

old_binary, new_binary = faults_common.binary, sys.argv[3]
data = Path(sys.argv[4])
keep = Path(sys.argv[5]) if len(sys.argv) > 5 else None
openrouter, official = data / "openrouter", data / "official"

# Both servers write this origin into canonical links, feeds and the sitemap, and every request
# names it in its Host header, so neither server's port can reach a body.
PUBLIC_URL = "https://tokenfare.example"
HOST = "tokenfare.example"

# A workload the calculator URLs share (the one bench/run.sh measures).
WORKLOAD = "requests=100000&input_tokens=3000&output_tokens=800&cache_hit=50&batch=20"
GPT4O = "openai/gpt-4o"  # the one model with saved provider endpoints (OpenAI and Azure)
OPUS = "anthropic/claude-opus-4.8"

URLS = [
    # Prose, health, search engines, static, not found.
    "/",
    "/about",
    "/guide/why-prices-differ",
    "/healthz",
    "/robots.txt",
    "/sitemap.xml",
    "/static/style.css",
    "/no-such-page",
    # The catalogue: filters, sorts, search, a bad sort (400), a parameter it does not read.
    "/models",
    "/models?sort=input",
    "/models?sort=context&dir=asc",
    "/models?q=claude&author=anthropic",
    "/models?free=only&sort=output&dir=desc",
    "/models?has_cache=1&has_batch=1&modality=image&min_context=200000&max_input=5",
    "/models?include_inactive=1&sort=intelligence",
    "/models?sort=bogus",
    "/models?no_such_parameter=1",
    # Model pages: a base model, one with providers (and its where-to-buy filters), the
    # listing variants, an alias, a delisted model, a capitalised id (308), an unknown id
    # (404) and a bad filter (400).
    f"/models/{OPUS}",
    f"/models/{GPT4O}",
    f"/models/{GPT4O}?dc=US&min_uptime=90&tools=1",
    f"/models/{GPT4O}?hq=EU&full_precision=1&structured_outputs=1",
    f"/models/{OPUS}:batch",
    "/models/inclusionai/ling-3.0-tiny:free",
    f"/models/{OPUS}-fast",
    "/models/~anthropic/claude-opus-latest",
    "/models/openai/gpt-5-chat",
    "/models/OpenAI/GPT-4o",
    "/models/nobody/nothing",
    f"/models/{GPT4O}?min_uptime=abc",
    # Compare: three models, and one alone (400).
    f"/compare?ids={OPUS},{GPT4O},deepseek/deepseek-v4-flash",
    f"/compare?ids={GPT4O}",
    # The calculator: default, a workload in each source, by provider, the exports, every
    # row, a bad volume (400), blank fields (303), and the itemised bill.
    "/calculator",
    f"/calculator?{WORKLOAD}",
    f"/calculator?{WORKLOAD}&source=official",
    f"/calculator?{WORKLOAD}&source=cheapest",
    f"/calculator?{WORKLOAD}&sellers=all",
    f"/calculator?{WORKLOAD}&sellers=all&maker_and_clouds=1&full_precision=1",
    f"/calculator?{WORKLOAD}&sellers=all&format=json",
    f"/calculator/bill?{WORKLOAD}&id={OPUS}&sellers=all",
    f"/calculator?{WORKLOAD}&all=1&author=openai",
    f"/calculator?{WORKLOAD}&by_provider=1&ids={GPT4O}",
    f"/calculator?{WORKLOAD}&ids={OPUS},{OPUS}:batch&separate=1",
    f"/calculator?{WORKLOAD}&format=json",
    f"/calculator?{WORKLOAD}&format=csv&source=official",
    "/calculator?requests=-5",
    "/calculator?requests=&input_tokens=3000",
    f"/calculator/bill?{WORKLOAD}&id={OPUS}",
    f"/calculator/bill?{WORKLOAD}&id={GPT4O}&source=official",
    f"/calculator/bill?{WORKLOAD}&id=nobody/nothing",
    # Ranking: default, another index and sort, as JSON, a bad index (400).
    "/ranking",
    "/ranking?index=coding&ratio=1&sort=-price",
    "/ranking?format=json&batch=1&cache_hit=50",
    "/ranking?index=bogus",
    # Changes: every filter, both sources, the feeds and the JSON (which needs a date: 400
    # without), a bad date (400).
    "/changes",
    "/changes?source=official",
    "/changes?source=openrouter&from=2026-08-01&to=2026-08-05&kind=cut",
    "/changes?author=anthropic&kind=added",
    f"/changes?model={GPT4O}&from=2026-07-20",
    "/changes?from=2026-13-01",
    "/changes.atom",
    "/changes.atom?source=official",
    "/api/changes.json",
    "/api/changes.json?date=2026-08-05",
    "/api/changes.json?date=2026-08-05&source=official",
    f"/feeds/models/{OPUS}",
    "/feeds/models/openai/gpt-5-chat",
    # Exports and price tags.
    "/api/models.json",
    "/api/models.json?author=openai&sort=input",
    "/api/models.csv",
    "/api/models.csv?free=hide&q=gemini",
    "/api/price-tags.json",
    "/api/price-tags.json?kind=cloud",
    f"/api/price-tags.csv?id={GPT4O}",
    "/api/price-tags.json?kind=nope",
    "/discrepancies",
    "/api/discrepancies.json",
    # OpenRouter's providers: the index, two with endpoints, one without, an unknown one.
    "/providers",
    "/providers/openai",
    "/providers/azure",
    "/providers/arcee-ai",
    "/providers/no-such-provider",
]


def timed(step, *args):
    """Runs the OLD binary with `args`, checks it succeeded, and says how long it took."""
    started = time.time()
    done = run(*args, timeout=900)
    check(done.returncode == 0, f"{step} ({time.time() - started:.1f} s)")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
        faults_common.finish("same-answers")
    return done


def prepare():
    """One database from the real saved data, written by the OLD build."""
    db = work / "prepared.db"
    timed("import-history: 22 daily catalogues", "--database", str(db), "import-history", str(openrouter / "daily"))
    timed("ingest --file models-2026-08-08.json", "--database", str(db), "ingest", "--file",
          str(openrouter / "models-2026-08-08.json"))
    timed("import-history --source official: 8 dated feeds", "--database", str(db), "import-history",
          "--source", "official", str(official / "daily"))
    # A fake OpenRouter on loopback serving the saved files: the catalogue again, the provider
    # list, and the one saved endpoint list; every other model's endpoints come back empty
    # (a refused list, recorded as that model's failed fetch), the answer faults_common gives.
    # The saved catalogue is the `data` array alone; wrapped byte for byte in the API's envelope.
    catalogue = b'{"data": ' + (openrouter / "models-2026-08-08.json").read_bytes() + b"}"
    saved = {
        "/api/v1/models": catalogue,
        "/api/v1/providers": (openrouter / "providers-2026-05-20.json").read_bytes(),
        f"/api/v1/models/{GPT4O}/endpoints": (openrouter / "endpoints-openai-gpt-4o-undated.json").read_bytes(),
    }
    upstream = fake_upstream(lambda path: saved.get(path, b'{"data": {"endpoints": []}}'))
    try:
        done = timed("ingest from the fake OpenRouter: catalogue, provider list, endpoints pass",
                     "--database", str(db), "--openrouter-url", f"http://127.0.0.1:{upstream.server_port}/api/v1",
                     "ingest")
    finally:
        upstream.shutdown()
    for line in done.stdout.splitlines():
        print(f"     {line[:160]}")
    return db


def copy_database(db, name):
    """A copy of `db` (with any write-ahead log) for one build."""
    copy = work / name
    for suffix in ["", "-wal", "-shm"]:
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
    return copy


def start(binary, db, name):
    """`serve` with `binary` on its own copy of the database; faults_common.serve starts its
    module's `binary`, so it is pointed at this build for the call."""
    faults_common.binary = binary
    try:
        proc, port = serve(db, "--refresh-every", "off", "--public-url", PUBLIC_URL,
                           "--openrouter-url", "http://127.0.0.1:9/off", "--official-url", "http://127.0.0.1:9/off",
                           log=work / f"{name}.log")
    finally:
        faults_common.binary = old_binary
    if not wait_healthy(port, timeout=60):
        check(False, f"{name} build serves")
        print((work / f"{name}.log").read_text()[-3000:])
        stop(proc)
        faults_common.finish("same-answers")
    return proc, port


def fetch(port, url):
    """(status, content-type, location, body) of a GET, uncompressed and not redirected."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", url, headers={"Host": HOST, "Accept-Encoding": "identity"})
        response = connection.getresponse()
        return (response.status, response.getheader("content-type"), response.getheader("location"),
                response.read())
    finally:
        connection.close()


def readable(answer):
    """The lines a difference is shown in: the head, then the body (JSON indented, so one long
    line becomes many)."""
    status, content_type, location, body = answer
    head = [f"status: {status}", f"content-type: {content_type}", f"location: {location}"]
    text = body.decode("utf-8", errors="replace")
    if content_type and "json" in content_type:
        try:
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    return head + [line[:200] for line in text.splitlines()]


def show_difference(index, url, old, new):
    diff = list(difflib.unified_diff(readable(old), readable(new), "old", "new", n=2, lineterm=""))
    print(f"--- differs: {url}")
    for line in diff[:60]:
        print(f"    {line}")
    if len(diff) > 60:
        print(f"    … {len(diff) - 60} more diff lines")
    if keep:
        for side, answer in [("old", old), ("new", new)]:
            (keep / side).mkdir(parents=True, exist_ok=True)
            (keep / side / f"{index:02d}.body").write_bytes(answer[3])
        print(f"    bodies: {keep}/old/{index:02d}.body and {keep}/new/{index:02d}.body")


def main():
    started = time.time()
    db = prepare()
    prepared = time.time()
    old_proc, old_port = start(old_binary, copy_database(db, "old.db"), "old")
    new_proc, new_port = start(new_binary, copy_database(db, "new.db"), "new")
    differ = 0
    try:
        for index, url in enumerate(URLS):
            old, new = fetch(old_port, url), fetch(new_port, url)
            same = old == new
            differ += not same
            print(f"{'same  ' if same else 'DIFFER'} {old[0]} {len(old[3]):>8} B  {url}", flush=True)
            if not same:
                show_difference(index, url, old, new)
    finally:
        codes = stop(old_proc), stop(new_proc)
    check(codes == (0, 0), f"both servers stopped cleanly on SIGTERM ({codes})")
    print(f"database prepared in {prepared - started:.1f} s; URLs fetched in {time.time() - prepared:.1f} s")
    print(f"{len(URLS)} URLs compared, {differ} differ")
    if differ:
        faults_common.failures.append(f"{differ} URLs differ")
    faults_common.finish("same-answers")


main()
