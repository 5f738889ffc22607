//! Pages people find and share. Canonical and preview tags with absolute URLs,
//! a description and title per page, the sitemap and robots file, short shared URLs,
//! search by the spellings people type, exports that keep their filters, "returned" in
//! the change log, and delisted bases that keep their active listings visible.

use std::collections::BTreeSet;

use crate::common::{FIXTURE, TestApp, TestResponse};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;

/// The public URL in-process tests run under: nothing sets one, so the default address's.
const SITE: &str = "http://127.0.0.1:3000";

fn meta(page: &TestResponse, css: &str) -> String {
    page.attrs(css, "content").join("|")
}

#[tokio::test]
async fn every_page_type_has_its_own_description_and_absolute_canonical_and_preview_tags() {
    let app = TestApp::fixture().await;
    let pages = [
        ("/", "/"),
        ("/models", "/models"),
        ("/models/acme/alpha", "/models/acme/alpha"),
        (
            "/compare?ids=acme/alpha,acme/beta",
            "/compare?ids=acme%2Falpha%2Cacme%2Fbeta",
        ),
        ("/ranking", "/ranking"),
        ("/changes", "/changes"),
        ("/about", "/about"),
        ("/guide/why-prices-differ", "/guide/why-prices-differ"),
    ];
    let mut descriptions = BTreeSet::new();
    for (uri, canonical) in pages {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        let url = format!("{SITE}{canonical}");
        assert_eq!(
            page.attrs("link[rel=canonical]", "href"),
            vec![url.clone()],
            "{uri}"
        );
        assert_eq!(meta(&page, "meta[property='og:url']"), url, "{uri}");
        let description = meta(&page, "meta[name=description]");
        assert!(description.len() > 40, "{uri}: {description:?}");
        assert_eq!(meta(&page, "meta[property='og:description']"), description);
        assert_eq!(meta(&page, "meta[name='twitter:description']"), description);
        assert_eq!(meta(&page, "meta[name='twitter:card']"), "summary");
        let title = page.texts("head > title").join("");
        assert!(title.ends_with(" — tokenfare"), "{uri}: {title}");
        assert_eq!(
            format!("{} — tokenfare", meta(&page, "meta[property='og:title']")),
            title
        );
        descriptions.insert(description);
    }
    assert_eq!(descriptions.len(), pages.len(), "{descriptions:#?}");
}

#[tokio::test]
async fn titles_carry_the_query_and_the_answer() {
    let app = TestApp::fixture().await;
    // acme/alpha: $0.000001 and $0.000004 a token = $1 and $4 per million.
    let page = app.get("/models/acme/alpha").await;
    assert_eq!(
        page.texts("head > title"),
        vec!["Alpha: $1.00 in / $4.00 out per M — tokenfare"]
    );
    // acme's models at most $1/M input: alpha ($1) and beta ($0.20), beta the cheapest.
    let page = app.get("/models?author=acme&max_input=1").await;
    assert_eq!(
        page.texts("head > title"),
        vec![
            "LLM prices for acme, input ≤ $1.00/M: 2 models, from $0.20/M input (Beta) — tokenfare"
        ]
    );
    let page = app.get("/models?q=gamma").await;
    assert!(page.texts("head > title")[0].starts_with("LLM prices for “gamma”: 1 model"));
}

#[tokio::test]
async fn a_submitted_form_names_the_url_with_only_the_fields_set_as_canonical() {
    let app = TestApp::fixture().await;
    // What the filter form sends: every field, most of them blank.
    // It is redirected (issue 15) to the URL with only the fields set, which names itself.
    let form = app
        .get("/models?q=&author=acme&min_context=&max_input=&max_output=&free=")
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    assert_eq!(form.headers["location"], "/models?author=acme");
    let landed = app.get("/models?author=acme").await;
    assert_eq!(
        landed.attrs("link[rel=canonical]", "href"),
        vec![format!("{SITE}/models?author=acme")]
    );
    // A non-default sort is part of the view, and kept.
    let sorted = app.get("/models?q=&free=&sort=input&dir=desc").await;
    assert_eq!(sorted.headers["location"], "/models?sort=input&dir=desc");
    let landed = app.get("/models?sort=input&dir=desc").await;
    assert_eq!(
        landed.attrs("link[rel=canonical]", "href"),
        vec![format!("{SITE}/models?sort=input&dir=desc")]
    );
    // The form itself sends the sort only when it is not the default.
    let page = app.get("/models").await;
    assert!(
        page.attrs("form.filters input[name=sort]", "value")
            .is_empty()
    );
}

#[tokio::test]
async fn the_sitemap_lists_every_model_page_and_top_level_page_and_robots_points_to_it() {
    let app = TestApp::fixture().await;
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = roxmltree::Document::parse(&response.body).expect("sitemap parses");
    let locs: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    for model in fixture["data"].as_array().unwrap() {
        let url = format!("{SITE}/models/{}", model["id"].as_str().unwrap());
        assert!(locs.contains(&url), "{url} missing");
    }
    for path in [
        "/",
        "/models",
        "/calculator",
        "/usage",
        "/ranking",
        "/changes",
        "/compare",
        "/about",
        "/guide/why-prices-differ",
        "/providers",
    ] {
        assert!(locs.contains(&format!("{SITE}{path}")), "{path} missing");
    }
    // 12 listings and 10 top-level pages, each once (issue 16 added /providers, issue 27
    // /usage; this fixture has no provider list, so no provider pages).
    assert_eq!(locs.len(), 12 + 10);
    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(
        robots
            .body
            .lines()
            .any(|l| l == format!("Sitemap: {SITE}/sitemap.xml"))
    );
}

#[test]
fn the_public_url_is_checked_and_derived_from_the_address() {
    use tokenfare::web::layout::{parse_public_url, public_url_for};
    assert_eq!(
        parse_public_url("https://tokenfare.example/").as_deref(),
        Ok("https://tokenfare.example")
    );
    assert_eq!(
        parse_public_url("https://example.org/prices/").as_deref(),
        Ok("https://example.org/prices")
    );
    assert!(parse_public_url("tokenfare.example").is_err());
    assert!(parse_public_url("ftp://tokenfare.example").is_err());
    assert!(parse_public_url("https://tokenfare.example/?a=1").is_err());
    assert_eq!(
        public_url_for("0.0.0.0:8080".parse().unwrap()),
        "http://localhost:8080"
    );
    assert_eq!(
        public_url_for("127.0.0.1:3000".parse().unwrap()),
        "http://127.0.0.1:3000"
    );
}

#[tokio::test]
async fn search_ignores_case_and_separators_and_an_empty_result_suggests_models() {
    let app = TestApp::fixture().await;
    let rows = |page: &TestResponse| page.texts("table.prices tbody th small");
    for q in ["Globex Gamma", "GAMMA", "globex-gamma", "gam ma"] {
        let page = app.get(&format!("/models?q={}", q.replace(' ', "+"))).await;
        assert_eq!(rows(&page), vec!["globex/gamma"], "q={q}");
    }
    // The fast listing's own id, written the way a maker would.
    let page = app.get("/models?q=beta+fast").await;
    assert_eq!(rows(&page), vec!["acme/beta"]);

    let page = app.get("/models?q=alpah").await;
    assert!(rows(&page).is_empty());
    let suggested = page.attrs(".empty-result ul.suggestions a", "href");
    assert!(
        suggested.contains(&"/models/acme/alpha".to_string()),
        "{suggested:?}"
    );
    // Filters that hide a search's matches: a link to the search alone.
    let page = app.get("/models?q=gamma&author=acme").await;
    assert!(rows(&page).is_empty());
    assert!(
        page.attrs("p.empty a", "href")
            .contains(&"/models?q=gamma".to_string())
    );
}

/// One exported row: (id, input $/M, output $/M, context).
type ExportRow = (String, Option<Decimal>, Option<Decimal>, u64);
/// A filter query and the condition every row it exports must meet.
type FilterCase = (&'static str, fn(&ExportRow) -> bool);

fn exported(body: &Value) -> Vec<ExportRow> {
    body["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| {
            let price = |key: &str| m[key].as_str().and_then(|s| s.parse::<Decimal>().ok());
            (
                m["id"].as_str().unwrap().to_string(),
                price("input_per_million_usd"),
                price("output_per_million_usd"),
                m["context_length"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_exported_row_satisfies_the_filters_on_its_own_prices() {
    let app = TestApp::fixture().await;
    // Per million: alpha 1, alpha:batch 0.5, alpha:free 0, beta 0.2, beta-fast 0.4,
    // gamma 3, gamma:batch 1.5, gamma-latest 3, delta 0.05, epsilon 0.5, zeta 0.0833…,
    // router variable. At most $0.30/M input: alpha:free, beta, delta and zeta — and not
    // beta-fast ($0.40), which the old export carried along with its base.
    let json = app.get("/api/models.json?max_input=0.3").await.json();
    let ids: Vec<String> = exported(&json).into_iter().map(|r| r.0).collect();
    assert_eq!(
        ids,
        vec![
            "acme/alpha:free",
            "acme/beta",
            "globex/delta",
            "initech/zeta"
        ]
    );
    // free=hide drops free listings wherever they sit.
    let json = app.get("/api/models.json?free=hide").await.json();
    let rows = exported(&json);
    assert!(rows.iter().all(|r| r.0 != "acme/alpha:free"), "{rows:?}");
    // Every row of every filter kind satisfies it, in JSON and CSV alike.
    let cases: &[FilterCase] = &[
        ("max_input=0.5", |r| {
            r.1.is_some_and(|p| p <= Decimal::new(5, 1))
        }),
        ("max_output=2", |r| r.2.is_some_and(|p| p <= Decimal::TWO)),
        ("min_context=128000", |r| r.3 >= 128_000),
        ("free=only", |r| {
            r.1 == Some(Decimal::ZERO) || r.0.ends_with(":free")
        }),
        ("author=acme&max_input=0.45", |r| {
            r.0.starts_with("acme/") && r.1.is_some_and(|p| p <= Decimal::new(45, 2))
        }),
    ];
    for (query, holds) in cases {
        let json = app.get(&format!("/api/models.json?{query}")).await.json();
        let rows = exported(&json);
        assert!(!rows.is_empty(), "{query}");
        for row in &rows {
            assert!(holds(row), "{query}: {row:?}");
        }
        let csv = app.get(&format!("/api/models.csv?{query}")).await;
        let csv_ids: Vec<&str> = csv
            .body
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        let json_ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(csv_ids, json_ids, "{query}");
    }
}

/// The fixture without the listings `drop`.
fn fixture_without(drop: &[&str]) -> String {
    let mut body: Value = serde_json::from_str(FIXTURE).unwrap();
    body["data"]
        .as_array_mut()
        .unwrap()
        .retain(|m| !drop.contains(&m["id"].as_str().unwrap()));
    body.to_string()
}

#[tokio::test]
async fn a_model_back_after_an_absence_is_returned_on_the_page_the_feed_and_the_api() {
    let app = TestApp::fixture().await; // 2026-08-08: every listing
    app.ingest(&fixture_without(&["initech/epsilon"]), "2026-08-09")
        .await
        .unwrap();
    app.ingest(&fixture_without(&[]), "2026-08-11")
        .await
        .unwrap();
    let day = app.get("/api/changes.json?date=2026-08-11").await.json();
    assert_eq!(day["changes"][0]["id"], "initech/epsilon");
    assert_eq!(day["changes"][0]["kind"], "returned");
    let page = app.get("/changes").await;
    assert_eq!(
        page.texts("#d-2026-08-11 .day-summary strong"),
        vec!["1 model returned"]
    );
    assert_eq!(
        page.texts("#d-2026-08-11 ul.returned li a"),
        vec!["Epsilon"]
    );
    assert!(page.texts("#d-2026-08-11 ul.added li").is_empty());
    let feed = app.get("/changes.atom").await;
    assert!(feed.body.contains("2026-08-11: 1 model returned"));
    // The kind filter knows it.
    let only = app.get("/api/changes.json?date=2026-08-11").await;
    assert_eq!(only.status, StatusCode::OK);
    let page = app.get("/changes?kind=returned").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attrs("section.change-day", "id"), vec!["d-2026-08-11"]);
}

#[tokio::test]
async fn recent_views_sum_up_the_biggest_moves() {
    let app = TestApp::fixture().await; // 2026-08-08
    // 08-09: beta's input $0.20 → $0.10 (−50%), delta's output $0.10 → $0.11 (+10%).
    let mut body: Value = serde_json::from_str(FIXTURE).unwrap();
    for m in body["data"].as_array_mut().unwrap() {
        match m["id"].as_str().unwrap() {
            "acme/beta" => m["pricing"]["prompt"] = "0.0000001".into(),
            "globex/delta" => m["pricing"]["completion"] = "0.00000011".into(),
            _ => {}
        }
    }
    app.ingest(&body.to_string(), "2026-08-09").await.unwrap();
    let page = app.get("/changes").await;
    let links = page.attrs("nav.recent-views a", "href");
    // The last day is 08-09: seven days back starts on 08-03, thirty on 07-11.
    assert_eq!(
        links,
        vec![
            "/changes?from=2026-08-03",
            "/changes?from=2026-07-11",
            "/changes"
        ]
    );
    let week = app.get("/changes?from=2026-08-03").await;
    assert_eq!(
        week.attrs("nav.recent-views a[aria-current=page]", "href"),
        vec!["/changes?from=2026-08-03"]
    );
    assert_eq!(
        week.texts("section.period table.biggest-moves tbody tr"),
        vec![
            "Beta acme/beta Input · 2026-08-09 $0.20/M → $0.10/M −50%",
            "Delta globex/delta Output · 2026-08-09 $0.10/M → $0.11/M +10%",
        ]
    );
    assert_eq!(
        week.texts("section.period .day-summary strong"),
        vec!["2 price changes"]
    );
}

#[tokio::test]
async fn an_active_listing_of_a_delisted_base_stays_in_the_catalogue() {
    // Listed at one price on 08-08 and 08-09, gone from 08-12 on; its batch listing stays.
    let app = TestApp::fixture().await; // 2026-08-08
    app.ingest(&fixture_without(&[]), "2026-08-09")
        .await
        .unwrap();
    app.ingest(&fixture_without(&["acme/alpha"]), "2026-08-12")
        .await
        .unwrap();
    let page = app.get("/models").await;
    let row = page.texts("table.prices tbody tr:has(a[href='/models/acme/alpha'])");
    assert_eq!(row.len(), 1, "the base's row is there: {row:?}");
    assert!(row[0].contains("delisted"), "{row:?}");
    assert!(
        page.attrs("td.variants a", "href")
            .contains(&"/models/acme/alpha:batch".to_string())
    );
    // Its page dates its prices by the last day it was listed (08-09), not by its last
    // price change (08-08, its first day).
    let model = app.get("/models/acme/alpha").await;
    let notice = model.texts("#delisted").join(" ");
    assert!(notice.contains("as of 2026-08-09"), "{notice}");
}
