"""Checks the databases built by real-data.sh against the saved files themselves."""
import json
import re
import sqlite3
import sys
from pathlib import Path

from real_data_common import check, finish, read

data, work = Path(sys.argv[1]), Path(sys.argv[2])


def load(path):
    raw = read(path)
    value = json.loads(raw)
    return value["data"] if isinstance(value, dict) else value


def prices(model):
    """A model's pricing as comparable data: every price string, and the overrides."""
    pricing = model.get("pricing") or {}
    return json.dumps(pricing, sort_keys=True)


# 1. All 400 models of the 2026-08-08 catalogue are stored, with exact price strings.
models = load(data / "models-2026-08-08.json")
db = sqlite3.connect(work / "one.db")
stored = dict(db.execute("SELECT id, data FROM models WHERE active = 1"))
check(len(stored) == len(models) == 400, f"400 models stored (got {len(stored)})")
mismatched = [
    m["id"]
    for m in models
    if json.loads(stored.get(m["id"], "{}")).get("pricing", {}).get("base", {}).get("prompt")
    != m["pricing"]["prompt"]
]
check(not mismatched, f"prompt prices stored exactly as strings ({len(mismatched)} differ: {mismatched[:3]})")
with_aa = sum(1 for m in models if ((m.get("benchmarks") or {}).get("artificial_analysis") or {}).get("intelligence_index") is not None)
stored_aa = db.execute("SELECT COUNT(*) FROM models WHERE intelligence_index IS NOT NULL").fetchone()[0]
check(stored_aa == with_aa, f"intelligence index stored for {stored_aa} of {with_aa} models that have one")
run = db.execute("SELECT outcome, models_seen, skipped FROM ingest_runs").fetchone()
check(run == ("success", 400, 0), f"one successful run, 400 seen, 0 skipped (got {run})")

old = load(data / "models-2026-01-29.json")
db_old = sqlite3.connect(work / "old.db")
n_old = db_old.execute("SELECT COUNT(*) FROM models").fetchone()[0]
check(n_old == len({m["id"] for m in old}), f"older catalogue: {n_old} of {len(old)} models stored")

# 2. The daily replay: every day ingested, and each day's price changes, additions and removals
#    match the differences between consecutive files.
files = sorted(p for p in (data / "daily").iterdir() if re.match(r"models-\d{4}-\d{2}-\d{2}\.json(\.gz)?$", p.name))
hist = sqlite3.connect(work / "history.db")
runs = hist.execute(
    "SELECT substr(as_of, 1, 10), outcome, price_changes, added, removed FROM ingest_runs ORDER BY id"
).fetchall()
check(len(runs) == len(files), f"{len(files)} daily files, {len(runs)} runs")
last_price, active = {}, set()
for path, (day, outcome, changes, added, removed) in zip(files, runs):
    date = path.name[7:17]
    day_models = {m["id"]: m for m in load(path)}
    expected_changes = sum(1 for i, m in day_models.items() if i in last_price and last_price[i] != prices(m))
    expected_added = len(set(day_models) - active)
    expected_removed = len(active - set(day_models))
    got = (day, outcome, changes, added, removed)
    want = (date, "success", expected_changes, expected_added, expected_removed)
    check(got == want, f"{date}: changes/added/removed {got[2:]} == {want[2:]}")
    for i, m in day_models.items():
        last_price[i] = prices(m)
    active = set(day_models)

history_rows = hist.execute("SELECT COUNT(*) FROM price_history").fetchone()[0]
total_changes = sum(r[2] for r in runs)
distinct = hist.execute("SELECT COUNT(*) FROM models").fetchone()[0]
check(history_rows == distinct + total_changes, f"history rows {history_rows} == first prices {distinct} + changes {total_changes}")

finish("real-data")
