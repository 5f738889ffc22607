//! The export filters against the real 400-model catalogue (`../shared/data/openrouter/
//! models-2026-08-08.json`, never copied into the repository): every row of
//! `/api/models.json` and `/api/models.csv` must satisfy the filters it was asked for, on its
//! own prices and window, and every listing of the file that satisfies them must be exported.
//! What a row should satisfy is worked out here from the file's own JSON, not with the
//! catalogue's model code.
//!
//! Ignored by default (the data lives outside the repository); `.ci/run` runs it with
//! `cargo test --test app real_data::exports -- --ignored --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use crate::common::TestApp;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;

/// One listing of the file, reduced to what the filters look at.
struct Listing {
    author: String,
    context: Option<u64>,
    /// Per-million input and output prices; `None` when absent, variable (`-1`) or not per
    /// token (a listing billed per item fails every price ceiling).
    input: Option<Decimal>,
    output: Option<Decimal>,
    has_cache_read: bool,
    modalities: Vec<String>,
    free: bool,
}

fn per_million(value: Option<&Value>) -> Option<Decimal> {
    let text = value?.as_str()?;
    let price = Decimal::from_str(text).ok()?;
    (price >= Decimal::ZERO).then(|| price * Decimal::from(1_000_000))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether every listed token price is exactly zero.
fn token_prices_all_zero(record: &Value) -> bool {
    let pricing = record.get("pricing").and_then(Value::as_object);
    let prices: Vec<Decimal> = pricing
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_str())
        .filter_map(|s| Decimal::from_str(s).ok())
        .collect();
    !prices.is_empty() && prices.iter().all(|p| p.is_zero())
}

fn outputs_only_text(record: &Value) -> bool {
    strings(record.pointer("/architecture/output_modalities"))
        .iter()
        .all(|m| m == "text")
}

/// Free, as the product defines it: a `:free` listing, or one whose listed token prices are
/// all exactly zero and which makes only text (a zero-priced music model is billed per item).
fn is_free(id: &str, record: &Value) -> bool {
    id.ends_with(":free") || (token_prices_all_zero(record) && outputs_only_text(record))
}

/// Billed per item, not per token (issue 25, item 1): zero token prices on a listing that makes
/// something other than text. Such a listing has no per-token price to pass a ceiling with.
fn is_not_priced_per_token(id: &str, record: &Value) -> bool {
    !id.ends_with(":free") && token_prices_all_zero(record) && !outputs_only_text(record)
}

fn listings(file: &Value) -> BTreeMap<String, Listing> {
    let records = file
        .get("data")
        .and_then(Value::as_array)
        .or_else(|| file.as_array())
        .expect("a list of models");
    records
        .iter()
        .map(|r| {
            let id = r["id"].as_str().expect("id").to_string();
            let per_token = !is_not_priced_per_token(&id, r);
            let price = |pointer: &str| per_million(r.pointer(pointer)).filter(|_| per_token);
            let listing = Listing {
                author: id
                    .trim_start_matches('~')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                context: r.get("context_length").and_then(Value::as_u64),
                input: price("/pricing/prompt"),
                output: price("/pricing/completion"),
                has_cache_read: r.pointer("/pricing/input_cache_read").is_some(),
                modalities: strings(r.pointer("/architecture/input_modalities")),
                free: is_free(&id, r),
            };
            (id, listing)
        })
        .collect()
}

/// The filters of one query, read back from its own text.
#[derive(Default)]
struct Wanted {
    author: Option<String>,
    modality: Option<String>,
    min_context: Option<u64>,
    max_input: Option<Decimal>,
    max_output: Option<Decimal>,
    free: Option<&'static str>,
    has_cache: bool,
    has_batch: bool,
}

impl Wanted {
    fn of(query: &str) -> Wanted {
        let mut w = Wanted::default();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').expect("key=value");
            match key {
                "author" => w.author = Some(value.to_string()),
                "modality" => w.modality = Some(value.to_string()),
                "min_context" => w.min_context = Some(value.parse().expect("number")),
                "max_input" => w.max_input = Some(value.parse().expect("number")),
                "max_output" => w.max_output = Some(value.parse().expect("number")),
                "free" if value == "only" => w.free = Some("only"),
                "free" if value == "hide" => w.free = Some("hide"),
                "has_cache" => w.has_cache = true,
                "has_batch" => w.has_batch = true,
                other => panic!("the check does not know the filter {other}"),
            }
        }
        w
    }

    /// Why `l` fails these filters, if it does (the batch filter is checked apart).
    fn refusal(&self, l: &Listing) -> Option<String> {
        let under = |price: Option<Decimal>, max: Option<Decimal>| {
            max.is_none_or(|max| price.is_some_and(|p| p <= max))
        };
        if self.author.as_ref().is_some_and(|a| *a != l.author) {
            return Some(format!("author is {}", l.author));
        }
        if let Some(m) = &self.modality
            && !l.modalities.contains(m)
        {
            return Some(format!("input modalities are {:?}", l.modalities));
        }
        if self
            .min_context
            .is_some_and(|min| l.context.unwrap_or(0) < min)
        {
            return Some(format!("context is {:?}", l.context));
        }
        if !under(l.input, self.max_input) {
            return Some(format!("input is {:?}/M", l.input));
        }
        if !under(l.output, self.max_output) {
            return Some(format!("output is {:?}/M", l.output));
        }
        match self.free {
            Some("only") if !l.free => return Some("not free".into()),
            Some("hide") if l.free => return Some("free".into()),
            _ => {}
        }
        if self.has_cache && !l.has_cache_read {
            return Some("no cache read price".into());
        }
        None
    }
}

/// The filter kinds the issue found broken, alone and combined.
const QUERIES: &[&str] = &[
    "max_input=0.3",
    "max_output=1",
    "min_context=400000",
    "author=anthropic",
    "author=anthropic&max_input=5",
    "author=openai&min_context=200000&max_output=15",
    "free=hide",
    "free=only",
    "has_cache=1",
    "has_cache=1&max_input=1",
    "modality=image&max_input=2",
    "has_batch=1",
    "has_batch=1&max_input=3",
];

#[tokio::test]
#[ignore = "needs ../shared/data (run by .ci/run)"]
async fn every_exported_row_satisfies_its_filters_on_the_real_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/openrouter/models-2026-08-08.json");
    let body = std::fs::read_to_string(&path).expect("the saved catalogue");
    let file: Value = serde_json::from_str(&body).expect("JSON");
    let all = listings(&file);
    assert_eq!(all.len(), 400, "the saved catalogue has 400 listings");
    let app = TestApp::with_catalogue(&body, "2026-08-08").await;

    let mut wrong = Vec::new();
    let mut checked = 0;
    for query in QUERIES {
        let wanted = Wanted::of(query);
        let json = app.get(&format!("/api/models.json?{query}")).await;
        assert_eq!(json.status, StatusCode::OK, "{query}");
        let rows = json.json()["models"].as_array().expect("models").clone();
        let exported: BTreeSet<String> = rows
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect();
        assert_eq!(exported.len(), rows.len(), "{query}: an id exported twice");

        for row in &rows {
            let id = row["id"].as_str().expect("id");
            let Some(listing) = all.get(id) else {
                wrong.push(format!("{query}: {id} is not in the file"));
                continue;
            };
            if let Some(why) = wanted.refusal(listing) {
                wrong.push(format!("{query}: {id} exported, but its {why}"));
            }
            if wanted.has_batch {
                let base = row["base_id"].as_str().expect("base_id");
                let batch = format!("{base}:batch");
                if !id.ends_with(":batch") && !all.contains_key(&batch) {
                    wrong.push(format!("{query}: {id} exported, but there is no {batch}"));
                }
            }
        }
        if !wanted.has_batch {
            let expected: BTreeSet<String> = all
                .iter()
                .filter(|(_, l)| wanted.refusal(l).is_none())
                .map(|(id, _)| id.clone())
                .collect();
            for id in expected.difference(&exported) {
                wrong.push(format!(
                    "{query}: {id} satisfies the filters but is missing"
                ));
            }
        }

        // The CSV holds the same listings as the JSON.
        let csv = app.get(&format!("/api/models.csv?{query}")).await;
        assert_eq!(csv.status, StatusCode::OK, "{query}");
        let csv_ids: BTreeSet<String> = csv
            .body
            .lines()
            .skip(1)
            .filter_map(|line| line.split(',').next())
            .map(str::to_string)
            .collect();
        if csv_ids != exported {
            wrong.push(format!(
                "{query}: the CSV has {} ids, the JSON {}",
                csv_ids.len(),
                exported.len()
            ));
        }
        println!("{query}: {} rows, all checked", rows.len());
        checked += rows.len();
    }
    println!(
        "export filters: {checked} rows over {} queries",
        QUERIES.len()
    );
    assert!(checked > 0, "no rows were exported at all");
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
