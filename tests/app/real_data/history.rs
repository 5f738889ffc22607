//! The real 22-day daily series (`../shared/data/openrouter/daily/`, never copied into the
//! repository) replayed with `import-history`, and every day's `/api/changes.json` checked
//! against the differences computed here straight from the files: no store or catalogue
//! code is used to work out what is expected.
//!
//! Ignored by default (the data lives outside the repository); `.ci/run` runs it with
//! `cargo test --test app real_data::history -- --ignored --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::common::TestApp;
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use serde_json::Value;

/// (component name, long-context threshold) -> the price string as written in the file.
type Prices = BTreeMap<(String, Option<u64>), String>;

/// (id, kind, sorted components as (name, threshold, old, new)).
type Expected = BTreeSet<(
    String,
    String,
    Vec<(String, Option<u64>, Option<String>, Option<String>)>,
)>;

fn daily_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/openrouter/daily")
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).expect("read file");
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .expect("gunzip");
        out
    } else {
        String::from_utf8(bytes).expect("utf-8")
    };
    serde_json::from_str(&text).expect("JSON")
}

fn price_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every model's price components as the file states them.
fn prices_of(file: &Value) -> BTreeMap<String, Prices> {
    let records = file
        .get("data")
        .unwrap_or(file)
        .as_array()
        .expect("a model list");
    let mut out = BTreeMap::new();
    for record in records {
        let id = record["id"].as_str().expect("id").to_string();
        let mut prices = Prices::new();
        if let Some(pricing) = record["pricing"].as_object() {
            for (key, value) in pricing {
                // `discount` is a number of another kind, not a per-unit price.
                if key == "overrides" || key == "discount" {
                    continue;
                }
                if let Some(text) = price_string(value) {
                    prices.insert((key.clone(), None), text);
                }
            }
            for tier in pricing
                .get("overrides")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let min = tier["min_prompt_tokens"].as_u64();
                assert!(min.is_some(), "{id}: an override without a threshold");
                for (key, value) in tier.as_object().expect("override object") {
                    if key == "min_prompt_tokens" {
                        continue;
                    }
                    if let Some(text) = price_string(value) {
                        prices.insert((key.clone(), min), text);
                    }
                }
            }
        }
        out.insert(id, prices);
    }
    out
}

/// `seen`: every id listed on an earlier day; one listed again after an absence is
/// "returned", one listed for the first time "added".
fn expected_changes(
    before: &BTreeMap<String, Prices>,
    after: &BTreeMap<String, Prices>,
    seen: &BTreeSet<String>,
) -> Expected {
    let mut out = Expected::new();
    for (id, now) in after {
        match before.get(id) {
            None => {
                let kind = if seen.contains(id) {
                    "returned"
                } else {
                    "added"
                };
                out.insert((id.clone(), kind.into(), Vec::new()));
            }
            Some(was) if was != now => {
                let keys: BTreeSet<_> = was.keys().chain(now.keys()).collect();
                let components: Vec<_> = keys
                    .into_iter()
                    .filter(|k| was.get(*k) != now.get(*k))
                    .map(|k| (k.0.clone(), k.1, was.get(k).cloned(), now.get(k).cloned()))
                    .collect();
                out.insert((id.clone(), "price".into(), components));
            }
            Some(_) => {}
        }
    }
    for id in before.keys() {
        if !after.contains_key(id) {
            out.insert((id.clone(), "removed".into(), Vec::new()));
        }
    }
    out
}

fn actual_changes(body: &Value) -> Expected {
    body["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let mut components: Vec<_> = c["components"]
                .as_array()
                .expect("components")
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().expect("name").to_string(),
                        p.get("min_prompt_tokens").and_then(Value::as_u64),
                        p["old"].as_str().map(str::to_string),
                        p["new"].as_str().map(str::to_string),
                    )
                })
                .collect();
            components.sort();
            (
                c["id"].as_str().expect("id").to_string(),
                c["kind"].as_str().expect("kind").to_string(),
                components,
            )
        })
        .collect()
}

fn file_date(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    let date = name.strip_prefix("models-")?.get(..10)?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

#[tokio::test]
#[ignore = "needs ../shared/data/openrouter/daily; run by .ci/run"]
async fn every_days_json_matches_the_differences_between_the_saved_files() {
    let dir = daily_dir();
    if !dir.is_dir() {
        eprintln!("{} not found; nothing to check", dir.display());
        return;
    }
    let mut files: Vec<(NaiveDate, PathBuf)> = std::fs::read_dir(&dir)
        .expect("list daily dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| file_date(&p).map(|d| (d, p)))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "a series needs two days");

    let app = TestApp::empty().await;
    let started = Instant::now();
    tokenfare::cli::import_history(&app.store, &dir)
        .await
        .expect("import-history");
    let replay = started.elapsed();
    let started = Instant::now();
    app.state.reload().await.expect("reload");
    let build = started.elapsed();
    eprintln!(
        "replayed {} files in {:.2} s; catalogue with change log built in {} ms",
        files.len(),
        replay.as_secs_f64(),
        build.as_millis()
    );
    // Every file was a successful run with no record skipped, so the files are the truth.
    let runs = app.store.recent_runs(1000).await.expect("runs");
    assert_eq!(runs.len(), files.len());
    assert!(runs.iter().all(|r| r.success && r.skipped == 0));

    let mut previous: Option<BTreeMap<String, Prices>> = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let (mut days, mut total) = (0, 0);
    for (date, path) in &files {
        let current = prices_of(&read_json(path));
        let response = app.get(&format!("/api/changes.json?date={date}")).await;
        assert_eq!(response.status, StatusCode::OK, "{date}");
        let body = response.json();
        let actual = actual_changes(&body);
        match &previous {
            None => {
                assert_eq!(body["baseline"], true, "{date}");
                assert!(actual.is_empty(), "{date}: the first day has no changes");
            }
            Some(before) => {
                let expected = expected_changes(before, &current, &seen);
                let missing: Vec<_> = expected.difference(&actual).collect();
                let extra: Vec<_> = actual.difference(&expected).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{date}: missing {missing:#?}\nunexpected {extra:#?}"
                );
                total += expected.len();
            }
        }
        assert_eq!(body["listed"], current.len(), "{date}");
        seen.extend(current.keys().cloned());
        previous = Some(current);
        days += 1;
    }
    // Dates between the first and last file without a file of their own are not days.
    let (first, last) = (files[0].0, files[files.len() - 1].0);
    let mut date = first;
    let mut gaps = Vec::new();
    while date <= last {
        if !files.iter().any(|(d, _)| *d == date) {
            let response = app.get(&format!("/api/changes.json?date={date}")).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{date}");
            gaps.push(date);
        }
        date += Duration::days(1);
    }
    eprintln!("{days} days checked, {total} changes matched; days without a file (404): {gaps:?}");
}
