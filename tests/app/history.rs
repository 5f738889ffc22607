//! Price history over our own five-day fixture series (tests/fixtures/history), replayed
//! with `import-history`. What the series contains, worked out by hand:
//!
//! - 07-01: the first day: four models listed, nothing to compare with.
//! - 07-02: acme/alpha input 0.000001 → 0.0000008 (−20%); globex/gamma removed;
//!   globex/delta added.
//! - 07-03: an empty catalogue: the ingest fails, so the day does not exist.
//! - 07-04 (compared with 07-02): acme/alpha gains a cache-read price (0.00000008);
//!   acme/beta output 0.0000015 → 0.000002 (+33.3%); globex/gamma back, same prices.
//! - 07-05: globex/gamma's ≥200K-token input 0.000006 → 0.000005 (−16.7%); initech/zeta
//!   (whose name holds `<` and `&`) removed.

use std::path::Path;

use crate::common::{TestApp, TestResponse};
use axum::http::StatusCode;
use serde_json::{Value, json};

const DAY5: &str = include_str!("../fixtures/history/day-2026-07-05.json");

async fn series() -> TestApp {
    let app = TestApp::empty().await;
    // Our own fixture days are kept as `day-DATE.json`; import-history reads the names
    // OpenRouter snapshots are saved under, so lay them out that way in a temporary folder.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history");
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&fixtures).expect("fixture folder") {
        let path = entry.expect("fixture").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(date) = name.strip_prefix("day-") {
            std::fs::copy(&path, dir.path().join(format!("models-{date}"))).expect("copy");
        }
    }
    tokenfare::cli::import_history(&app.store, dir.path())
        .await
        .expect("the series imports");
    app.state.reload().await.expect("reload");
    app
}

/// The day's changes from the JSON API, as (id, kind, [(name, old, new)]).
type Components = Vec<(String, Value, Value)>;

async fn api_day(app: &TestApp, date: &str) -> (TestResponse, Vec<(String, String, Components)>) {
    let response = app.get(&format!("/api/changes.json?date={date}")).await;
    let mut changes = Vec::new();
    if response.status == StatusCode::OK {
        let body = response.json();
        assert_eq!(body["date"], date);
        for change in body["changes"].as_array().expect("changes list") {
            let components = change["components"]
                .as_array()
                .expect("components list")
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().expect("name").to_string(),
                        c["old"].clone(),
                        c["new"].clone(),
                    )
                })
                .collect();
            changes.push((
                change["id"].as_str().expect("id").to_string(),
                change["kind"].as_str().expect("kind").to_string(),
                components,
            ));
        }
    }
    (response, changes)
}

fn comp(name: &str, old: Option<&str>, new: Option<&str>) -> (String, Value, Value) {
    (name.to_string(), json!(old), json!(new))
}

fn change(id: &str, kind: &str, components: Components) -> (String, String, Components) {
    (id.to_string(), kind.to_string(), components)
}

#[tokio::test]
async fn json_api_reports_exactly_the_changes_the_series_contains() {
    let app = series().await;

    let (first, changes) = api_day(&app, "2026-07-01").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["baseline"], true);
    assert_eq!(first.json()["listed"], 4);
    assert!(changes.is_empty());

    let (day2, changes) = api_day(&app, "2026-07-02").await;
    assert_eq!(day2.json()["previous_date"], "2026-07-01");
    assert_eq!(
        changes,
        vec![
            change(
                "acme/alpha",
                "price",
                vec![comp("prompt", Some("0.000001"), Some("0.0000008"))]
            ),
            change("globex/delta", "added", vec![]),
            change("globex/gamma", "removed", vec![]),
        ]
    );

    let (day4, changes) = api_day(&app, "2026-07-04").await;
    assert_eq!(day4.json()["previous_date"], "2026-07-02");
    assert_eq!(
        changes,
        vec![
            change(
                "acme/alpha",
                "price",
                vec![comp("input_cache_read", None, Some("0.00000008"))]
            ),
            change(
                "acme/beta",
                "price",
                vec![comp("completion", Some("0.0000015"), Some("0.000002"))]
            ),
            // Listed on 07-01, gone on 07-02: back, not new.
            change("globex/gamma", "returned", vec![]),
        ]
    );

    let (day5, changes) = api_day(&app, "2026-07-05").await;
    assert_eq!(
        changes,
        vec![
            change(
                "globex/gamma",
                "price",
                vec![comp("prompt", Some("0.000006"), Some("0.000005"))]
            ),
            change("initech/zeta", "removed", vec![]),
        ]
    );
    // The tier is named, so it cannot be mistaken for the base input price.
    assert_eq!(
        day5.json()["changes"][0]["components"][0]["min_prompt_tokens"],
        200_000
    );
}

#[tokio::test]
async fn a_failed_ingest_day_is_no_day_and_leaves_no_phantom_changes() {
    let app = series().await;
    let (failed, changes) = api_day(&app, "2026-07-03").await;
    assert_eq!(failed.status, StatusCode::NOT_FOUND);
    // The one JSON error shape; the message names the day.
    assert_eq!(failed.json()["error"]["status"], 404);
    assert!(
        failed.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-07-03")
    );
    assert!(changes.is_empty());
    // Nothing was removed by the empty catalogue, nor re-added the day after.
    let (_, day4) = api_day(&app, "2026-07-04").await;
    let kinds: Vec<(&str, &str)> = day4
        .iter()
        .map(|(id, kind, _)| (id.as_str(), kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("acme/alpha", "price"),
            ("acme/beta", "price"),
            ("globex/gamma", "returned")
        ]
    );
    let page = app.get("/changes").await;
    assert!(page.attrs("#d-2026-07-03", "id").is_empty());
}

#[tokio::test]
async fn changes_page_lists_days_newest_first_with_a_summary_and_each_change() {
    let app = series().await;
    let page = app.get("/changes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attrs("section.change-day", "id"),
        vec![
            "d-2026-07-05",
            "d-2026-07-04",
            "d-2026-07-02",
            "d-2026-07-01"
        ]
    );
    assert_eq!(
        page.texts("section.change-day .day-summary strong"),
        vec![
            "1 price change, 1 model removed",
            "2 price changes, 1 model returned",
            "1 price change, 1 new model, 1 model removed",
        ]
    );
    assert!(page.texts("#d-2026-07-01 .day-summary")[0].contains("4 models listed"));
    // 07-02: alpha's input, old → new and the percentage.
    let row = page.texts("#d-2026-07-02 table.change-table tbody tr");
    assert_eq!(row, vec!["Alpha acme/alpha Input $1.00/M → $0.80/M −20%"]);
    assert_eq!(
        page.attrs("#d-2026-07-02 table.change-table tbody tr", "class"),
        vec!["cut first"]
    );
    assert_eq!(
        page.texts("#d-2026-07-02 ul.added li small"),
        vec!["globex/delta"]
    );
    assert_eq!(
        page.texts("#d-2026-07-02 ul.removed li small"),
        vec!["globex/gamma"]
    );
    assert_eq!(
        page.texts("#d-2026-07-04 table.change-table td.pct"),
        vec!["", "+33.3%"]
    );
    assert_eq!(
        page.texts("#d-2026-07-04 table.change-table span.new"),
        vec!["$0.08/M", "$2.00/M"]
    );
    assert_eq!(
        page.texts("#d-2026-07-05 table.change-table td:not(.num)"),
        vec!["Input, prompts ≥ 200K tokens"]
    );
    // Third-party names are text, never markup.
    assert_eq!(
        page.texts("#d-2026-07-05 ul.removed li a"),
        vec!["Zeta <lab> & co"]
    );
    // The feed is announced in the head.
    assert_eq!(
        page.attrs(
            r#"head link[rel="alternate"][type="application/atom+xml"]"#,
            "href"
        ),
        vec!["/changes.atom"]
    );
}

#[tokio::test]
async fn filters_narrow_by_kind_author_and_date_range() {
    let app = series().await;
    let ids = |page: &TestResponse| page.attrs("section.change-day", "id");
    let cuts = app.get("/changes?kind=cut").await;
    assert_eq!(ids(&cuts), vec!["d-2026-07-05", "d-2026-07-02"]);
    assert_eq!(
        cuts.texts("table.change-table tbody th small"),
        vec!["globex/gamma", "acme/alpha"]
    );
    let rises = app.get("/changes?kind=increase").await;
    assert_eq!(ids(&rises), vec!["d-2026-07-04"]);
    assert_eq!(
        rises.texts("table.change-table tbody th small"),
        vec!["acme/beta"]
    );
    let removed = app.get("/changes?kind=removed").await;
    assert_eq!(
        removed.texts("ul.removed li small"),
        vec!["initech/zeta", "globex/gamma"]
    );
    // globex/gamma's return on 07-04 is not a new model (issue 16); delta's arrival is.
    let globex = app.get("/changes?author=globex&kind=added").await;
    assert_eq!(globex.texts("ul.added li small"), vec!["globex/delta"]);
    let back = app.get("/changes?author=globex&kind=returned").await;
    assert_eq!(back.texts("ul.returned li small"), vec!["globex/gamma"]);
    let range = app.get("/changes?from=2026-07-02&to=2026-07-04").await;
    assert_eq!(ids(&range), vec!["d-2026-07-04", "d-2026-07-02"]);
}

#[tokio::test]
async fn bad_filter_values_are_a_400_with_the_message_by_the_field() {
    let app = series().await;
    for (query, field) in [
        ("kind=cheaper", "kind"),
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-07-05&to=2026-07-01", "to"),
        ("author=nobody", "author"),
        ("model=acme/omega", "model"),
    ] {
        let page = app.get(&format!("/changes?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            page.texts(&format!("#{field}-error")).len(),
            1,
            "{query}: no message by {field}"
        );
        assert_eq!(
            page.attrs(&format!("#{field}"), "aria-invalid"),
            vec!["true"],
            "{query}"
        );
    }
}

#[tokio::test]
async fn json_api_refuses_missing_or_malformed_dates_and_404s_days_without_a_run() {
    let app = series().await;
    for query in ["", "?date=", "?date=2026-7-1", "?date=July"] {
        let response = app.get(&format!("/api/changes.json{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            response.json()["error"]["fields"]["date"].is_string(),
            "{query}"
        );
    }
    let (before, _) = api_day(&app, "2026-06-30").await;
    assert_eq!(before.status, StatusCode::NOT_FOUND);
}

fn parse_feed(body: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(body).expect("the feed is well-formed XML")
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.children().find(|c| c.has_tag_name((ATOM, name)))
}

fn text_of(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    child(node, name)
        .and_then(|c| c.text())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn atom_feed_has_one_entry_per_day_with_the_days_models() {
    let app = series().await;
    let response = app.get("/changes.atom").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let doc = parse_feed(&response.body);
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    // Required feed elements (RFC 4287 §4.1.1).
    assert_eq!(text_of(feed, "id"), "tag:127.0.0.1,2026:changes");
    assert!(!text_of(feed, "title").is_empty());
    assert_eq!(text_of(feed, "updated"), "2026-07-05T00:00:00Z");
    assert!(child(feed, "author").is_some());
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .collect();
    // The first day has nothing to compare with and 07-03 failed: three entries.
    let ids: Vec<String> = entries.iter().map(|e| text_of(*e, "id")).collect();
    assert_eq!(
        ids,
        vec![
            "tag:127.0.0.1,2026:changes/2026-07-05",
            "tag:127.0.0.1,2026:changes/2026-07-04",
            "tag:127.0.0.1,2026:changes/2026-07-02",
        ]
    );
    let related = |entry: roxmltree::Node<'_, '_>| -> Vec<String> {
        entry
            .children()
            .filter(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("related"))
            .filter_map(|c| c.attribute("href").map(str::to_string))
            .collect()
    };
    assert_eq!(
        related(entries[0]),
        vec![
            "http://127.0.0.1:3000/models/globex/gamma",
            "http://127.0.0.1:3000/models/initech/zeta"
        ]
    );
    assert_eq!(
        related(entries[1]),
        vec![
            "http://127.0.0.1:3000/models/acme/alpha",
            "http://127.0.0.1:3000/models/acme/beta",
            "http://127.0.0.1:3000/models/globex/gamma"
        ]
    );
    assert_eq!(
        related(entries[2]),
        vec![
            "http://127.0.0.1:3000/models/acme/alpha",
            "http://127.0.0.1:3000/models/globex/delta",
            "http://127.0.0.1:3000/models/globex/gamma"
        ]
    );
    for (entry, date) in entries
        .iter()
        .zip(["2026-07-05", "2026-07-04", "2026-07-02"])
    {
        assert_eq!(text_of(*entry, "updated"), format!("{date}T00:00:00Z"));
        let alternate = entry
            .children()
            .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("alternate"))
            .and_then(|c| c.attribute("href"))
            .unwrap_or_default();
        assert_eq!(
            alternate,
            format!("http://127.0.0.1:3000/changes?from={date}&to={date}#d-{date}")
        );
    }
    assert_eq!(
        text_of(entries[1], "title"),
        "2026-07-04: 2 price changes, 1 model returned"
    );
    // The html content is escaped once: its text is markup naming the escaped model name.
    let content = text_of(entries[0], "content");
    let html = scraper::Html::parse_fragment(&content);
    let links: Vec<String> = html
        .select(&scraper::Selector::parse("a").unwrap())
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(links, vec!["Gamma", "Zeta <lab> & co"]);
    assert!(content.contains("$6.00/M → $5.00/M (−16.7%)"), "{content}");
}

/// The entries of a feed as (id, title, alternate link).
fn feed_entries(body: &str) -> Vec<(String, String, String)> {
    let doc = parse_feed(body);
    doc.root_element()
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .map(|e| {
            let alternate = e
                .children()
                .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("alternate"))
                .and_then(|c| c.attribute("href"))
                .unwrap_or_default()
                .to_string();
            (text_of(e, "id"), text_of(e, "title"), alternate)
        })
        .collect()
}

#[tokio::test]
async fn the_changes_page_links_to_the_feed_of_its_own_filters() {
    let app = series().await;
    let page = app.get("/changes?kind=cut&author=globex").await;
    assert_eq!(page.status, StatusCode::OK);
    let head = page.attrs("link[rel='alternate'][type='application/atom+xml']", "href");
    let body = page.attrs("a[type='application/atom+xml']", "href");
    assert_eq!(head, vec!["/changes.atom?author=globex&kind=cut"]);
    assert_eq!(body, head);
    // The link is a feed that answers, with globex's one cut (07-05, gamma's long-context
    // input) and not alpha's cut of 07-02.
    let feed = app.get(&head[0]).await;
    assert_eq!(feed.status, StatusCode::OK);
    let titles: Vec<String> = feed_entries(&feed.body).into_iter().map(|e| e.1).collect();
    assert_eq!(titles, vec!["2026-07-05: 1 price change"]);
    // With no filters, the whole feed.
    let plain = app.get("/changes").await;
    assert_eq!(
        plain.attrs("a[type='application/atom+xml']", "href"),
        vec!["/changes.atom"]
    );
}

#[tokio::test]
async fn the_site_feed_takes_the_same_filters_as_the_changes_page() {
    let app = series().await;
    // Cuts only: 07-05 (gamma's long-context input) and 07-02 (alpha's input), as on
    // `/changes?kind=cut`; 07-04 had only a rise and a return.
    let cuts = app.get("/changes.atom?kind=cut").await;
    assert_eq!(cuts.status, StatusCode::OK);
    let entries = feed_entries(&cuts.body);
    let titles: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        titles,
        vec!["2026-07-05: 1 price change", "2026-07-02: 1 price change"]
    );
    // Each entry links to its day on the page under the same filters.
    assert_eq!(
        entries[1].2,
        "http://127.0.0.1:3000/changes?kind=cut&from=2026-07-02&to=2026-07-02#d-2026-07-02"
    );
    // A filtered feed is a feed of its own: its entry ids differ from the whole feed's.
    assert!(
        entries[1]
            .0
            .starts_with("tag:127.0.0.1,2026:changes?kind=cut/"),
        "{}",
        entries[1].0
    );
    // globex's models only, from 07-04 on: gamma's return on 07-04 and its cut on 07-05.
    let globex = app.get("/changes.atom?author=globex&from=2026-07-04").await;
    let titles: Vec<String> = feed_entries(&globex.body)
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(
        titles,
        vec!["2026-07-05: 1 price change", "2026-07-04: 1 model returned"]
    );
    // One model, as the model feed has it: alpha moved on 07-02 and 07-04.
    let alpha = app.get("/changes.atom?model=acme/alpha").await;
    assert_eq!(feed_entries(&alpha.body).len(), 2);
}

#[tokio::test]
async fn the_site_feed_refuses_a_bad_filter_with_a_400() {
    let app = series().await;
    for query in [
        "source=garbage",
        "kind=cheaper",
        "from=yesterday",
        "author=nobody",
        "model=acme/omega",
    ] {
        let response = app.get(&format!("/changes.atom?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
    }
    // `source=openrouter` is a filter the page takes, so the feed takes it too.
    let routed = app.get("/changes.atom?source=openrouter").await;
    assert_eq!(routed.status, StatusCode::OK);
    assert_eq!(feed_entries(&routed.body).len(), 3);
}

#[tokio::test]
async fn model_feed_lists_only_that_models_days_and_unknown_models_are_404() {
    let app = series().await;
    let response = app.get("/feeds/models/globex/gamma").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = parse_feed(&response.body);
    let feed = doc.root_element();
    assert_eq!(
        text_of(feed, "id"),
        "tag:127.0.0.1,2026:models/globex/gamma/changes"
    );
    let titles: Vec<String> = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .map(|e| text_of(e, "title"))
        .collect();
    assert_eq!(
        titles,
        vec![
            "2026-07-05: 1 price change",
            "2026-07-04: 1 model returned",
            "2026-07-02: 1 model removed"
        ]
    );
    // The model page's `/models/{id}/changes.atom` form, served from the feed route too.
    let suffixed = app.get("/feeds/models/globex/gamma/changes.atom").await;
    assert_eq!(suffixed.status, StatusCode::OK);
    assert_eq!(suffixed.body, response.body);
    assert_eq!(
        tokenfare::web::exports::atom::strip_feed_suffix("globex/gamma/changes.atom"),
        Some("globex/gamma")
    );
    assert_eq!(
        tokenfare::web::exports::atom::strip_feed_suffix("globex/gamma"),
        None
    );
    assert_eq!(
        tokenfare::web::exports::atom::strip_feed_suffix("/changes.atom"),
        None
    );
    let unknown = app.get("/feeds/models/acme/omega").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_model_that_disappears_and_returns_shows_both_events() {
    let app = series().await;
    let (_, day2) = api_day(&app, "2026-07-02").await;
    assert!(day2.contains(&change("globex/gamma", "removed", vec![])));
    let (_, day4) = api_day(&app, "2026-07-04").await;
    assert!(day4.contains(&change("globex/gamma", "returned", vec![])));

    let catalogue = app.state.catalogue();
    let html =
        tokenfare::web::pages::sections::history::history_section(&catalogue, "globex/gamma")
            .render()
            .expect("renders");
    let section = TestResponse {
        status: StatusCode::OK,
        headers: Default::default(),
        body: html,
    };
    let rows = section.texts("table.history-changes tbody tr");
    assert_eq!(
        rows,
        vec![
            "2026-07-05 Price cut Input, prompts ≥ 200K tokens $6.00/M → $5.00/M −16.7%",
            "2026-07-04 Listed again Listed at $3.00 input, $15.00 output",
            "2026-07-02 Delisted No longer listed",
        ]
    );
    // The chart breaks its lines while the model was not listed: two runs per line.
    let paths = section.attrs("svg.step-chart path.series", "d");
    assert_eq!(paths.len(), 2);
    for d in paths {
        assert_eq!(d.matches('M').count(), 2, "{d}");
    }
}

#[tokio::test]
async fn history_section_shows_the_step_chart_and_the_dated_change_table() {
    let app = series().await;
    let catalogue = app.state.catalogue();
    let section =
        tokenfare::web::pages::sections::history::history_section(&catalogue, "acme/alpha");
    assert_eq!(section.first_seen, "2026-07-01");
    assert_eq!(section.last_changed.as_deref(), Some("2026-07-04"));
    assert!(!section.single_price);
    let page = TestResponse {
        status: StatusCode::OK,
        headers: Default::default(),
        body: section.render().expect("renders"),
    };
    assert_eq!(page.texts("time.first-seen"), vec!["2026-07-01"]);
    assert_eq!(page.texts("time.last-changed"), vec!["2026-07-04"]);
    assert_eq!(page.attrs("svg.step-chart", "role"), vec!["img"]);
    assert_eq!(
        page.texts("svg.step-chart > title"),
        vec!["Alpha: price history"]
    );
    let desc = page.texts("svg.step-chart > desc").join("");
    assert!(
        desc.contains("Input per million tokens: $1.00 from 2026-07-01, $0.80 from 2026-07-02."),
        "{desc}"
    );
    assert!(
        desc.contains("Output per million tokens: $4.00 from 2026-07-01."),
        "{desc}"
    );
    // One dot per price step: input changed once, output never.
    assert_eq!(page.attrs("svg.step-chart circle.dot.input", "cx").len(), 2);
    assert_eq!(
        page.attrs("svg.step-chart circle.dot.output", "cx").len(),
        1
    );
    assert_eq!(
        page.texts("table.history-changes tbody tr"),
        vec![
            "2026-07-04 Price change Cache read not charged → $0.08/M",
            "2026-07-02 Price cut Input $1.00/M → $0.80/M −20%",
        ]
    );
    assert_eq!(
        page.attrs("table.history-changes tbody td a", "href"),
        vec![
            "/changes?from=2026-07-04&to=2026-07-04#d-2026-07-04",
            "/changes?from=2026-07-02&to=2026-07-02#d-2026-07-02",
        ]
    );
    // No inline styles anywhere: the CSP forbids them.
    assert!(page.attrs("[style]", "style").is_empty());
    assert!(page.texts("style").is_empty());
}

#[tokio::test]
async fn a_model_with_a_single_price_shows_one_line_and_says_so() {
    let app = series().await;
    let catalogue = app.state.catalogue();
    let section =
        tokenfare::web::pages::sections::history::history_section(&catalogue, "globex/delta");
    assert!(section.single_price);
    let page = TestResponse {
        status: StatusCode::OK,
        headers: Default::default(),
        body: section.render().expect("renders"),
    };
    assert_eq!(
        page.texts("p.single-price"),
        vec!["One price since 2026-07-02: $0.15 input and $0.60 output per million tokens."]
    );
    // Each line is one flat step with no rise or fall.
    for d in page.attrs("svg.step-chart path.series", "d") {
        assert_eq!(d.matches('M').count(), 1, "{d}");
        assert!(!d.contains('V'), "{d}");
    }
    assert_eq!(
        page.texts("table.history-changes tbody tr"),
        vec!["2026-07-02 First listed Listed at $0.15 input, $0.60 output"]
    );
}

#[tokio::test]
async fn the_history_partial_renders_inside_a_page_from_a_variable_named_history() {
    let app = series().await;
    let page = app.get("/changes?model=acme/alpha").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attrs("main section#history", "id"), vec!["history"]);
    assert_eq!(page.attrs("main svg.step-chart", "role"), vec!["img"]);
    // Only alpha's days, and in the head the site feed under the page's filter (alpha's
    // days) and alpha's own model feed.
    assert_eq!(
        page.attrs("section.change-day", "id"),
        vec!["d-2026-07-04", "d-2026-07-02"]
    );
    assert_eq!(
        page.attrs(r#"head link[rel="alternate"]"#, "href"),
        vec![
            "/changes.atom?model=acme%2Falpha",
            "/feeds/models/acme/alpha"
        ]
    );
    assert!(page.attrs("[style]", "style").is_empty());
}

#[tokio::test]
async fn several_ingests_on_one_day_compare_only_the_days_last_state() {
    let app = series().await;
    // On 07-06 beta's output moves to 0.000003 and back: no change that day.
    let moved = DAY5.replace("\"0.000002\"", "\"0.000003\"");
    assert_ne!(moved, DAY5);
    app.ingest(&moved, "2026-07-06").await.expect("ingests");
    app.ingest(DAY5, "2026-07-06").await.expect("ingests");
    let (quiet, changes) = api_day(&app, "2026-07-06").await;
    assert_eq!(quiet.status, StatusCode::OK);
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(
        app.get("/changes")
            .await
            .texts("#d-2026-07-06 .day-summary strong"),
        vec!["no changes"]
    );
    // On 07-07 it moves and stays: one change, against 07-06's last state.
    app.ingest(DAY5, "2026-07-07").await.expect("ingests");
    app.ingest(&moved, "2026-07-07").await.expect("ingests");
    let (_, changes) = api_day(&app, "2026-07-07").await;
    assert_eq!(
        changes,
        vec![change(
            "acme/beta",
            "price",
            vec![comp("completion", Some("0.000002"), Some("0.000003"))]
        )]
    );
}

/// Issue 25, item 9: the model filter reads what `/models?q=` reads (`Alpha`, `acme alpha`),
/// shows that model's changes and says how it read the name; a name that could be several
/// models is a 400 that offers each of them, its link keeping the other filters.
#[tokio::test]
async fn the_model_filter_reads_names_as_the_search_does_and_asks_when_ambiguous() {
    let app = series().await;
    let by_id = app.get("/changes?model=acme/alpha").await;
    for typed in ["Alpha", "acme+alpha"] {
        let page = app.get(&format!("/changes?model={typed}")).await;
        assert_eq!(page.status, StatusCode::OK, "{typed}");
        assert_eq!(
            page.attrs("section.change-day", "id"),
            by_id.attrs("section.change-day", "id"),
            "{typed}"
        );
        assert_eq!(page.attrs("#model", "value"), vec!["acme/alpha"]);
        let note = page.texts("#model-read-as").join(" ");
        assert!(note.contains("Showing acme/alpha for “"), "{typed}: {note}");
    }
    let page = app.get("/changes?model=acme&kind=price").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.texts("#model-error")
            .join(" ")
            .contains("“acme” could be any of 2 models"),
        "{:?}",
        page.texts("#model-error")
    );
    let choices = page.attrs("section.choices a", "href");
    assert!(
        choices.contains(&"/changes?kind=price&model=acme%2Falpha".to_string()),
        "{choices:?}"
    );
    assert!(
        choices.contains(&"/changes?kind=price&model=acme%2Fbeta".to_string()),
        "{choices:?}"
    );
    // What was typed stays in the field to be corrected.
    assert_eq!(page.attrs("#model", "value"), vec!["acme"]);
}
