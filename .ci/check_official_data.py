"""Checks what official-data.sh built against the saved files, with matching and change
detection written again here, independently of the Rust code."""
import json
import re
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

from real_data_common import check, finish, read

data, work = Path(sys.argv[1]), Path(sys.argv[2])


def load(path):
    raw = read(path)
    return json.loads(raw, parse_float=Decimal, parse_int=Decimal)


# ---- 1. Coverage of the catalogue's base models by the makers' own lists.
MAKERS = {
    "anthropic": ["anthropic"], "openai": ["openai"], "google": ["google"], "deepseek": ["deepseek"],
    "mistralai": ["mistral"], "x-ai": ["x-ai"], "moonshotai": ["moonshotai"], "minimax": ["minimax"],
    "cohere": ["cohere"], "perplexity": ["perplexity"], "z-ai": ["zai", "zhipuai"], "microsoft": ["azure"],
}


def fit(clause, name):
    """'no', 'part' or 'whole': whether the clause matches, and explains all of the name."""
    (kind, arg), = clause.items()
    if kind in ("or", "and"):
        fits = [fit(c, name) for c in arg]
        if kind == "or":
            return "whole" if "whole" in fits else ("part" if "part" in fits else "no")
        if "no" in fits or not fits:
            return "no"
        return "whole" if "whole" in fits else "part"
    if kind == "regex":
        m = re.search(arg, name)
        return "no" if not m else ("whole" if m.span() == (0, len(name)) else "part")
    arg = arg.lower()
    hit = {"equals": name == arg, "starts_with": name.startswith(arg),
           "ends_with": name.endswith(arg), "contains": arg in name}[kind]
    if not hit:
        return "no"
    return "whole" if len(name) == len(arg) else "part"


catalogue = json.loads((data / "openrouter/models-2026-08-08.json").read_text())
catalogue = catalogue["data"] if isinstance(catalogue, dict) else catalogue
looked_up = [m["id"] for m in catalogue
             if ":" not in m["id"] and not m["id"].startswith("~") and not m["id"].startswith("openrouter/")]
feed = load(data / "official/genai-prices-v2-2026-08-21.json")
providers = {p["id"]: p for p in feed}
overrides = [line.split("\t") for line in Path("data/official-overrides.tsv").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
by_clause = matched = refused = 0
for model_id in looked_up:
    author, slug = model_id.split("/", 1)
    slug = slug.lower()
    whole = part = False
    for pid in MAKERS.get(author, []):
        for entry in providers[pid]["models"]:
            f = fit(entry["match"], slug)
            if f == "part" and entry["id"].lower() == slug:
                f = "whole"
            whole |= f == "whole"
            part |= f == "part"
    for line in overrides:
        if line[0] == model_id and line[1] == "first-party":
            whole = line[3] != "-"
    by_clause += whole or part
    matched += whole
    refused += part and not whole
print(f"independent: {len(looked_up)} looked up, {by_clause} matched by the source's clauses, "
      f"{matched} explained whole, {refused} refused")
coverage = (work / "coverage.txt").read_text()
m = re.search(r"of (\d+) looked-up models: first-party (\d+) matched / (\d+) refused", coverage)
check(m is not None, "ingest printed its coverage line")
if m:
    ours = tuple(int(g) for g in m.groups())
    check(ours == (len(looked_up), matched, refused),
          f"first-party coverage {ours} equals the independent count {(len(looked_up), matched, refused)}")
check(150 <= by_clause <= 180, f"about 164 of 308 base models match by the source's clauses (got {by_clause})")
check(10 <= refused <= 25, f"the strict rules refuse about 19 (got {refused})")
for line in overrides:
    pid, entry = line[2], line[3]
    check(entry == "-" or any(e["id"] == entry for e in providers[pid]["models"]),
          f"override {line[0]} -> {pid}/{entry} names an entry of the real feed")

# ---- 2. One ingest stores every readable entry, with exact per-token prices.
db = sqlite3.connect(work / "one.db")
entries = sum(len(p["models"]) for p in feed)
stored = db.execute("SELECT COUNT(*) FROM official_models WHERE active = 1").fetchone()[0]
check(stored == entries, f"all {entries} entries stored (got {stored})")
row = db.execute("SELECT data FROM official_models WHERE provider_id = 'anthropic' AND model_id = 'claude-opus-4-8'").fetchone()
opus = json.loads(row[0])["schedule"][0]["pricing"]["base"] if row else {}
check(opus.get("prompt") == "0.000005" and opus.get("input_cache_read") == "0.0000005",
      f"Opus 4.8 on Anthropic: $5/M input, $0.50/M cache read, exactly ({opus})")


# ---- 3. Each day's stored changes equal the differences between consecutive files.
def comparable(entry):
    """An entry's prices as the store compares them: per-unit fields only, numbers as Decimal."""
    def clean(prices):
        return {k: v for k, v in prices.items() if k.endswith("_mtok") or k.endswith("_kcount")}
    prices = entry["prices"]
    if isinstance(prices, dict):
        schedule = [(None, clean(prices))]
    else:
        schedule = [(json.dumps(c.get("constraint"), sort_keys=True, default=str), clean(c["prices"])) for c in prices]
    batch = [clean(v["prices"]) for v in entry.get("price_variants", [])
             if v.get("when") == {"service_tier": "batch"}]
    return json.dumps([schedule, batch[:1]], sort_keys=True, default=str)


files = sorted((data / "official/daily").glob("genai-prices-v2-*.json.gz"))
hdb = sqlite3.connect(work / "history.db")
runs = dict(hdb.execute("SELECT substr(as_of, 1, 10), id FROM official_runs WHERE outcome = 'success'"))
check(len(runs) == len(files), f"{len(files)} daily feeds imported (got {len(runs)})")
previous = None
expected = {}
for path in files:
    day = path.name[len("genai-prices-v2-"):][:10]
    current = {(p["id"], e["id"]): comparable(e) for p in load(path) for e in p["models"]}
    run = runs.get(day)
    rows = {(p, m) for p, m in hdb.execute(
        "SELECT provider_id, model_id FROM official_price_history WHERE run_id = ?", (run,))}
    events = {(kind, p, m) for kind, p, m in hdb.execute(
        "SELECT kind, provider_id, model_id FROM official_events WHERE run_id = ?", (run,))}
    if previous is None:
        check(rows == set(current), f"{day}: first day stores every entry once ({len(rows)})")
    else:
        changed = {k for k in current if k in previous and current[k] != previous[k]}
        added = {k for k in current if k not in previous}
        removed = {k for k in previous if k not in current}
        check(rows == changed | added,
              f"{day}: {len(changed)} price changes and {len(added)} new entries, as the files differ "
              f"(stored {len(rows)}: {sorted(rows ^ (changed | added))[:5]})")
        check(events == {("added", *k) for k in added} | {("removed", *k) for k in removed},
              f"{day}: {len(added)} added and {len(removed)} removed events")
        expected[day] = ({("price", *k) for k in changed} | {("added", *k) for k in added}
                         | {("removed", *k) for k in removed})
    previous = current

# ---- 4. The served changes (/api/changes.json, source "official") are those differences.
if len(sys.argv) > 3:
    import time
    import urllib.error
    import urllib.request
    base = sys.argv[3]

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return json.loads(response.read())

    for _ in range(100):
        try:
            get("/healthz")
            break
        except (urllib.error.URLError, ConnectionError, ValueError):
            time.sleep(0.2)
    for day, wanted in sorted(expected.items()):
        try:
            served = get(f"/api/changes.json?date={day}")["changes"]
        except urllib.error.HTTPError as e:
            check(False, f"{day}: /api/changes.json answered {e.code}")
            continue
        official = {(c["kind"], c["provider"], c["entry"]) for c in served if c["source"] == "official"}
        check(official == wanted,
              f"{day}: /api/changes.json serves the {len(wanted)} official changes the files differ by "
              f"(served {len(official)}: {sorted(official ^ wanted)[:5]})")
        check(all(c["source"] in ("official", "openrouter") for c in served),
              f"{day}: every served change names its source")

finish("official data")
