//! The official price feed against a fake server on 127.0.0.1: success, failures that keep the
//! previous data, a shrunken feed, unreadable entries, dated prices and append-only history.

use std::sync::{Arc, Mutex};

use crate::common::{TestApp, upstream};
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::NaiveDate;
use serde_json::{Value, json};
use tokenfare::fetch::{ClientConfig, UpstreamClient};
use tokenfare::ingest::official::{OfficialError, ingest_body, run_once};
use tokenfare::seller::Seller;
use tokenfare::store::Delivery;

const FEED: &str = include_str!("../fixtures/official/feed.json");
const CATALOGUE: &str = include_str!("../fixtures/official/catalogue.json");

/// A fake feed host serving scripted (status, body) replies at `/v2/data.json`; the last repeats.
async fn fake_feed(replies: Vec<(u16, String)>) -> String {
    let replies = Arc::new(Mutex::new(replies));
    let app = Router::new().route(
        "/v2/data.json",
        get(move || {
            let replies = replies.clone();
            async move {
                let (status, body) = {
                    let mut list = replies.lock().unwrap();
                    if list.len() > 1 {
                        list.remove(0)
                    } else {
                        list[0].clone()
                    }
                };
                (StatusCode::from_u16(status).unwrap(), body).into_response()
            }
        }),
    );
    format!("{}/v2/data.json", upstream::serve(app).await)
}

fn client(url: &str) -> UpstreamClient {
    let mut config = ClientConfig::new(url);
    config.max_attempts = 2;
    config.first_backoff = std::time::Duration::from_millis(10);
    UpstreamClient::new(config).unwrap()
}

/// The fixture feed with `edit` applied to its parsed JSON.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut feed: Value = serde_json::from_str(FEED).unwrap();
    edit(&mut feed);
    feed.to_string()
}

fn provider<'a>(feed: &'a mut Value, id: &str) -> &'a mut Value {
    feed.as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["id"] == id)
        .unwrap()
}

async fn app() -> TestApp {
    TestApp::with_catalogue(CATALOGUE, "2026-08-08").await
}

async fn ingest(
    app: &TestApp,
    body: &str,
    date: &str,
) -> Result<tokenfare::ingest::official::OfficialSummary, OfficialError> {
    let as_of = tokenfare::store::parse_as_of(date).unwrap();
    let result = ingest_body(
        &app.store,
        body.as_bytes(),
        Delivery::File,
        "test feed",
        as_of,
    )
    .await;
    app.state.reload().await.unwrap();
    result
}

fn input_per_million(app: &TestApp, model: &str, seller: &str) -> Option<String> {
    let catalogue = app.state.catalogue();
    let day = NaiveDate::from_ymd_opt(2026, 8, 21).unwrap();
    catalogue
        .official()
        .tags(model, day)
        .iter()
        .find(|t| t.seller.key() == seller)
        .and_then(|t| t.pricing.base.prompt)
        .and_then(|p| p.usd())
        .map(|usd| {
            (usd * rust_decimal::Decimal::from(1_000_000))
                .normalize()
                .to_string()
        })
}

#[tokio::test]
async fn a_live_refresh_stores_the_feed_and_matches_it_to_the_catalogue() {
    let app = app().await;
    let url = fake_feed(vec![(200, FEED.to_string())]).await;
    let summary = run_once(&app.store, &client(&url)).await.unwrap();
    app.state.reload().await.unwrap();
    // 18 entries in the fixture (anthropic 3, deepseek 1, aws 4, google 3, azure 2, openai 2,
    // zai 1, zhipuai 1, mistral 1), one of them ("claude-broken") unreadable.
    assert_eq!(summary.seen, 18);
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.counts.stored, 17);
    assert_eq!(summary.counts.added, 17);
    let catalogue = app.state.catalogue();
    let view = catalogue.official();
    assert_eq!(
        view.last_success.as_ref().map(|r| r.source.as_str()),
        Some(url.as_str())
    );
    // $5/M on Anthropic's own list; $5.50/M on Bedrock in-region.
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "anthropic").as_deref(),
        Some("5")
    );
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "aws:in-region").as_deref(),
        Some("5.5")
    );
    // Looked up: every id without ":" or "~" (8 of the 9 listings; the :batch one follows its base).
    assert_eq!(view.report.looked_up, 8);
    assert!(
        view.report
            .for_model("anthropic/claude-opus-4.8-fast")
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn a_failed_or_broken_feed_keeps_the_previous_prices_and_is_recorded() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let url = fake_feed(vec![(500, "oops".into())]).await;
    let err = run_once(&app.store, &client(&url)).await.unwrap_err();
    assert!(matches!(err, OfficialError::Fetch(_)), "{err}");
    for (body, expected) in [
        ("<html>not json</html>", "not JSON"),
        ("{\"data\": []}", "not a list"),
        ("[]", "no readable model"),
    ] {
        let err = ingest(&app, body, "2026-08-21").await.unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    app.state.reload().await.unwrap();
    let catalogue = app.state.catalogue();
    let view = catalogue.official();
    assert_eq!(view.last_success.as_ref().map(|r| r.id), Some(1));
    assert_eq!(view.last_failure.as_ref().map(|r| r.id), Some(5));
    assert_eq!(view.recent_runs.iter().filter(|r| !r.success).count(), 4);
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "anthropic").as_deref(),
        Some("5")
    );
    // The catalogue's own side is untouched by the official failures.
    assert_eq!(
        catalogue.freshness.last_failure.as_ref().map(|r| r.id),
        None
    );
}

#[tokio::test]
async fn a_feed_that_shrinks_by_more_than_half_is_refused() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    // Keep only DeepSeek's list: 1 entry of the 17 stored.
    let shrunk = edited(|feed| {
        feed.as_array_mut()
            .unwrap()
            .retain(|p| p["id"] == "deepseek")
    });
    let err = ingest(&app, &shrunk, "2026-08-21").await.unwrap_err();
    assert!(err.to_string().contains("shrank from 17 to 1"), "{err}");
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "aws:global").as_deref(),
        Some("5")
    );
}

#[tokio::test]
async fn an_entry_that_turns_unreadable_keeps_what_we_knew_and_is_counted() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    // Opus 4.8's input price turns into a string: that one entry is skipped, the rest apply.
    let broken = edited(|feed| {
        provider(feed, "anthropic")["models"][0]["prices"]["input_mtok"] = json!("5");
        provider(feed, "deepseek")["models"][0]["prices"][0]["prices"]["output_mtok"] = json!(0.9);
    });
    let summary = ingest(&app, &broken, "2026-08-21").await.unwrap();
    assert_eq!(summary.skipped, 2, "claude-broken and the edited entry");
    assert_eq!(summary.counts.removed, 0);
    assert_eq!(summary.counts.price_changes, 1, "DeepSeek's output price");
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "anthropic").as_deref(),
        Some("5")
    );
}

/// Issue 25, item 4: an entry a later feed lists unreadably keeps its last price and the date
/// of the last feed that carried it, on the model page and in the export; the entries that
/// feed did carry take its date.
#[tokio::test]
async fn an_unreadable_entry_keeps_the_date_of_the_last_feed_that_carried_it() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let broken = edited(|feed| {
        provider(feed, "anthropic")["models"][0]["prices"]["input_mtok"] = json!("5");
    });
    ingest(&app, &broken, "2026-08-21").await.unwrap();
    let json = app
        .get("/api/price-tags.json?id=anthropic/claude-opus-4.8")
        .await
        .json();
    let as_of = |seller: &str| {
        json["price_tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["seller_key"] == seller)
            .map(|t| t["as_of"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no {seller} tag: {json}"))
    };
    assert!(as_of("anthropic").starts_with("2026-08-20"), "{json}");
    assert!(as_of("aws:global").starts_with("2026-08-21"), "{json}");
    let page = app.get("/models/anthropic/claude-opus-4.8").await;
    let sources = page.texts("table.price-tags-table td.source");
    let anthropic = sources
        .iter()
        .find(|s| s.contains("2026-08-20"))
        .unwrap_or_else(|| panic!("no row dated 2026-08-20: {sources:?}"));
    assert!(!anthropic.contains("2026-08-21"), "{anthropic}");
    assert!(
        sources.iter().any(|s| s.contains("2026-08-21")),
        "{sources:?}"
    );
}

#[tokio::test]
async fn history_is_append_only_and_the_same_feed_twice_changes_nothing() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let again = ingest(&app, FEED, "2026-08-21").await.unwrap();
    assert_eq!(
        (
            again.counts.added,
            again.counts.removed,
            again.counts.price_changes
        ),
        (0, 0, 0)
    );
    // A price cut and a removed entry the next day.
    let next = edited(|feed| {
        provider(feed, "anthropic")["models"][0]["prices"]["input_mtok"] = json!(4);
        provider(feed, "mistral")["models"]
            .as_array_mut()
            .unwrap()
            .clear();
    });
    let summary = ingest(&app, &next, "2026-08-22").await.unwrap();
    assert_eq!(
        (summary.counts.price_changes, summary.counts.removed),
        (1, 1)
    );
    let catalogue = app.state.catalogue();
    let view = catalogue.official();
    let history = view.history("anthropic", "claude-opus-4-8");
    assert_eq!(history.len(), 2);
    assert_eq!(
        view.changes().len(),
        2,
        "one price change and one removal, nothing for the first day"
    );
    let change = &view.changes()[0];
    assert_eq!(
        (change.provider_id.as_str(), change.entry_id.as_str()),
        ("anthropic", "claude-opus-4-8")
    );
    assert!(change.before.is_some() && change.after.is_some());
    assert!(view.changes()[1].after.is_none());
}

#[tokio::test]
async fn an_older_or_future_feed_is_refused() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let err = ingest(&app, FEED, "2026-08-01").await.unwrap_err();
    assert!(
        err.to_string().contains("older than the stored one"),
        "{err}"
    );
    let err = ingest(&app, FEED, "2099-08-01").await.unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");
}

#[tokio::test]
async fn a_future_start_date_is_shown_as_announced_not_as_todays_price() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let catalogue = app.state.catalogue();
    let day = NaiveDate::from_ymd_opt(2026, 8, 21).unwrap();
    let tags = catalogue.official().tags("anthropic/claude-sonnet-5", day);
    let maker = tags
        .iter()
        .find(|t| matches!(t.seller, Seller::FirstParty { .. }))
        .unwrap();
    // Today: $2/M; from 2099-09-01: $3/M.
    assert_eq!(
        maker
            .pricing
            .base
            .prompt
            .and_then(|p| p.usd())
            .map(|d| d.to_string())
            .as_deref(),
        Some("0.000002")
    );
    let (from, later) = maker.announced.unwrap();
    assert_eq!(from, NaiveDate::from_ymd_opt(2099, 9, 1).unwrap());
    assert_eq!(
        later
            .base
            .prompt
            .and_then(|p| p.usd())
            .map(|d| d.to_string())
            .as_deref(),
        Some("0.000003")
    );
}

#[tokio::test]
async fn the_catalogue_refreshes_while_the_official_feed_is_broken_and_the_reverse() {
    let app = TestApp::empty().await;
    // Official first, with no catalogue at all: it stores and simply matches nothing.
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    app.ingest(CATALOGUE, "2026-08-21").await.unwrap();
    assert!(ingest(&app, "broken", "2026-08-22").await.is_err());
    app.ingest(CATALOGUE, "2026-08-22").await.unwrap();
    let catalogue = app.state.catalogue();
    assert_eq!(
        catalogue.freshness.last_success.as_ref().map(|r| r.id),
        Some(2)
    );
    assert_eq!(
        input_per_million(&app, "anthropic/claude-opus-4.8", "anthropic").as_deref(),
        Some("5")
    );
}

/// The fixture feed on 2026-08-20, then on 2026-08-22 (a day with no catalogue listing):
/// Opus 4.8's input cut from $5 to $4 per million at Anthropic, DeepSeek's cache read raised
/// from $0.02 to $0.03, Mistral's only entry gone and a new DeepSeek entry.
async fn app_with_official_changes() -> TestApp {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    let next = edited(|feed| {
        provider(feed, "anthropic")["models"][0]["prices"]["input_mtok"] = json!(4);
        provider(feed, "deepseek")["models"][0]["prices"][0]["prices"]["cache_read_mtok"] =
            json!(0.03);
        provider(feed, "mistral")["models"]
            .as_array_mut()
            .unwrap()
            .clear();
        provider(feed, "deepseek")["models"]
            .as_array_mut()
            .unwrap()
            .push(json!({
                "id": "deepseek-v9",
                "match": {"equals": "deepseek-v9"},
                "prices": {"input_mtok": 1, "output_mtok": 2}
            }));
    });
    let summary = ingest(&app, &next, "2026-08-22").await.unwrap();
    assert_eq!(
        (
            summary.counts.price_changes,
            summary.counts.added,
            summary.counts.removed
        ),
        (2, 1, 1)
    );
    app
}

#[tokio::test]
async fn official_changes_are_served_as_data_with_their_source() {
    let app = app_with_official_changes().await;
    let day = app.get("/api/changes.json?date=2026-08-22").await;
    assert_eq!(day.status, 200, "{}", day.body);
    let json = day.json();
    // No catalogue listing was taken that day: only the official side has anything.
    assert_eq!(json["listed"], serde_json::Value::Null);
    let changes = json["changes"].as_array().unwrap();
    assert!(changes.iter().all(|c| c["source"] == "official"), "{json}");
    let keys: Vec<(String, String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["provider"].as_str().unwrap().to_string(),
                c["entry"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let key = |k: &str, p: &str, e: &str| (k.to_string(), p.to_string(), e.to_string());
    assert_eq!(
        keys,
        vec![
            key("price", "anthropic", "claude-opus-4-8"),
            key("price", "deepseek", "deepseek-v4-flash"),
            key("added", "deepseek", "deepseek-v9"),
            key("removed", "mistral", "mistral-medium-3"),
        ]
    );
    let opus = &changes[0];
    assert_eq!(opus["seller"], "Anthropic");
    assert_eq!(opus["models"], json!(["anthropic/claude-opus-4.8"]));
    // $5 and $4 per million are 0.000005 and 0.000004 per token.
    assert_eq!(
        opus["components"],
        json!([{"name": "prompt", "old": "0.000005", "new": "0.000004"}])
    );
    // The first official run is the baseline: nothing on 2026-08-20 is news.
    let first = app.get("/api/changes.json?date=2026-08-20").await.json();
    assert_eq!(first["changes"], json!([]));
    // The catalogue's own day says where its changes come from too.
    let catalogue_day = app.get("/api/changes.json?date=2026-08-08").await.json();
    assert_eq!(catalogue_day["baseline"], true);
    assert_eq!(
        app.get("/api/changes.json?date=2026-08-21").await.status,
        404
    );
    // `source` keeps one side, as on the page; an unknown one is a JSON 400.
    let official = app
        .get("/api/changes.json?date=2026-08-22&source=official")
        .await
        .json();
    assert_eq!(official["changes"].as_array().map(Vec::len), Some(4));
    let routed = app
        .get("/api/changes.json?date=2026-08-22&source=openrouter")
        .await
        .json();
    assert_eq!(routed["changes"], json!([]));
    let bad = app
        .get("/api/changes.json?date=2026-08-22&source=garbage")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["error"]["fields"]["source"],
        "Source must be openrouter or official."
    );
}

#[tokio::test]
async fn the_changes_page_labels_official_changes_and_filters_by_source() {
    let app = app_with_official_changes().await;
    let page = app.get("/changes").await;
    assert_eq!(page.status, 200);
    let rows = page.attrs("table.official-changes tbody tr", "data-entry");
    assert_eq!(rows, vec!["claude-opus-4-8", "deepseek-v4-flash"]);
    let opus = page.texts("table.official-changes tr[data-entry=claude-opus-4-8] td");
    // −20 %: (4 − 5) / 5.
    assert!(
        opus.iter().any(|t| t.contains("$5.00/M → $4.00/M")),
        "{opus:?}"
    );
    assert!(opus.iter().any(|t| t.contains("20")), "{opus:?}");
    let labels = page.texts("#d-2026-08-22 .badge.source-official");
    assert!(
        !labels.is_empty(),
        "the official changes carry a visible label"
    );
    assert_eq!(page.texts("ul.official-removed li").len(), 1);
    assert_eq!(page.texts("ul.official-added li").len(), 1);

    let openrouter = app.get("/changes?source=openrouter").await;
    assert!(openrouter.texts("table.official-changes tr").is_empty());
    assert!(openrouter.texts("ul.official-removed li").is_empty());
    // A cut, from the official side only; the DeepSeek increase is left out.
    let cuts = app.get("/changes?source=official&kind=cut").await;
    assert_eq!(
        cuts.attrs("table.official-changes tbody tr", "data-entry"),
        vec!["claude-opus-4-8"]
    );
    // A model's changes include its official prices' changes.
    let flash = app.get("/changes?model=deepseek/deepseek-v4-flash").await;
    assert_eq!(
        flash.attrs("table.official-changes tbody tr", "data-entry"),
        vec!["deepseek-v4-flash"]
    );
    let bad = app.get("/changes?source=reseller").await;
    assert_eq!(bad.status, 400);

    let feed = app.get("/changes.atom").await;
    assert!(
        feed.body.contains("2026-08-22: 2 official price changes"),
        "{}",
        feed.body
    );
    // A day of official changes alone is measured against the official prices before it,
    // not described as a day OpenRouter's catalogue was not read.
    let official_only = app.get("/changes.atom?source=official").await;
    assert!(
        official_only
            .body
            .contains("on 2026-08-22 compared with the official list prices before:"),
        "{}",
        official_only.body
    );
    assert!(!official_only.body.contains("no listing was taken"));
    let model_feed = app.get("/feeds/models/anthropic/claude-opus-4.8").await;
    assert!(
        model_feed.body.contains("claude-opus-4-8"),
        "{}",
        model_feed.body
    );
    assert!(!model_feed.body.contains("mistral-medium-3"));
}

#[tokio::test]
async fn the_model_history_draws_the_makers_own_price_beside_the_routed_one() {
    let app = app_with_official_changes().await;
    let page = app.get("/models/anthropic/claude-opus-4.8").await;
    assert_eq!(page.status, 200);
    let legend = page.texts(".chart-legend li");
    assert!(
        legend.iter().any(|l| l.contains("Maker's own input")),
        "{legend:?}"
    );
    assert_eq!(
        page.attrs("svg.step-chart .series.official", "class").len(),
        1
    );
    // The chart's description reads the maker's line: $5 from 2026-08-20, $4 from 2026-08-22.
    let desc = page.texts("svg.step-chart desc").join(" ");
    assert!(
        desc.contains(
            "Maker's own input per million tokens: $5.00 from 2026-08-20, $4.00 from 2026-08-22"
        ),
        "{desc}"
    );
    // A model with no maker's list has no such line.
    let alpha = app.get("/models/acme/alpha").await;
    assert!(
        alpha
            .attrs("svg.step-chart .series.official", "class")
            .is_empty()
    );
}

#[tokio::test]
async fn each_source_keeps_its_own_run_log_with_its_own_counts() {
    let app = app().await;
    ingest(&app, FEED, "2026-08-20").await.unwrap();
    // A feed of 3 providers whose only entries are unreadable: refused as empty, recorded.
    let unreadable = edited(|feed| {
        let list = feed.as_array_mut().unwrap();
        list.retain(|p| ["anthropic", "deepseek", "mistral"].contains(&p["id"].as_str().unwrap()));
        for p in list.iter_mut() {
            for m in p["models"].as_array_mut().unwrap() {
                m["prices"] = json!("not a price list");
            }
        }
    });
    let err = ingest(&app, &unreadable, "2026-08-21").await.unwrap_err();
    assert!(matches!(err, OfficialError::Empty { .. }), "{err}");
    let catalogue = app.state.catalogue();
    let official = catalogue.official();
    let runs: Vec<_> = official
        .recent_runs
        .iter()
        .map(|r| (r.success, r.providers_seen, r.models_seen, r.models_stored))
        .collect();
    // Newest first. The fixture lists 9 providers with 18 entries (3 + 1 + 4 + 3 + 2 + 2 + 1 +
    // 1 + 1), of which 17 are readable (claude-broken is not). The refused feed still counts
    // what it saw: 3 providers with 3 + 1 + 1 = 5 entries, none stored.
    assert_eq!(runs, vec![(false, Some(3), 5, 0), (true, Some(9), 18, 17)]);
    // The catalogue's log is its own: one applied run, no providers column, untouched by the
    // official failure.
    let catalogue_run = catalogue.freshness.last_success.as_ref().unwrap();
    assert_eq!(catalogue_run.providers_seen, None);
    assert!(catalogue.freshness.last_failure.is_none());
}
