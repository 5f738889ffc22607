//! Issue 25, item 7: `/models` and `/ranking` in pages of rows (`page=`), on every screen:
//! the links between pages keep every filter and the sort, the canonical link names the
//! page, the sitemap lists the further pages, the exports stay whole, and phones get a sort
//! control in place of the table's hidden header links.

use crate::common::{TestApp, TestResponse, fixture_with};
use axum::http::StatusCode;
use serde_json::json;

const SITE: &str = "http://127.0.0.1:3000";
/// Rows a page shows (`ROWS_PER_PAGE`).
const PER_PAGE: usize = 40;
/// Bulk models added to the fixture's 7 rows: 107 rows, three pages of the catalogue.
const BULK: usize = 100;

/// The fixture plus [`BULK`] scored models `bulk/model-000`…, input $0.10 … $10.00 per
/// million (ten cents apart), output four times that, intelligence 20 to 69.
async fn crowded() -> TestApp {
    let body = fixture_with(|models| {
        for i in 0..BULK {
            let input = (i as f64 + 1.0) / 10.0;
            models.push(json!({
                "id": format!("bulk/model-{i:03}"),
                "name": format!("Bulk: Model {i:03}"),
                "context_length": 128000,
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": {
                    "prompt": format!("{:.8}", input / 1e6),
                    "completion": format!("{:.8}", 4.0 * input / 1e6),
                },
                "benchmarks": {"artificial_analysis": {"intelligence_index": 20 + i % 50}},
            }));
        }
    });
    TestApp::with_catalogue(&body, "2026-08-08").await
}

fn row_ids(page: &TestResponse) -> Vec<String> {
    page.texts("table.models-table tbody th small")
}

fn canonical(page: &TestResponse) -> String {
    page.attrs("link[rel=canonical]", "href").concat()
}

#[tokio::test]
async fn the_catalogue_shows_a_page_of_rows_with_links_that_keep_the_filters_and_sort() {
    let app = crowded().await;
    let first = app.get("/models").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(row_ids(&first).len(), PER_PAGE);
    assert_eq!(canonical(&first), format!("{SITE}/models"));
    // 107 rows: 40, 40 and 27.
    assert!(first.texts("p.count").concat().contains("107 models"));
    assert_eq!(first.texts("#rows-shown"), vec!["1–40"]);
    assert_eq!(
        first.attrs("nav.pager a[rel=next]", "href"),
        vec!["/models?page=2"]
    );

    // A filtered, sorted view: every page link keeps both.
    let view = "/models?author=bulk&sort=input&dir=desc";
    let page = app.get(view).await;
    let links = page.attrs("nav.pager a", "href");
    assert!(links.contains(&format!("{view}&page=2")), "{links:?}");
    assert!(links.contains(&format!("{view}&page=all")), "{links:?}");
    let second = app.get(&format!("{view}&page=2")).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(canonical(&second), format!("{SITE}{view}&page=2"));
    // Dearest input first: page 2 starts at the 41st dearest, model 059 ($6.00).
    let ids = row_ids(&second);
    assert_eq!(ids.len(), PER_PAGE);
    assert_eq!(ids[0], "bulk/model-059");
    assert_eq!(second.texts("#rows-shown"), vec!["41–80"]);
    assert_eq!(
        second.attrs("nav.pager a[rel=prev]", "href"),
        vec![view.to_string()]
    );
    // The last page holds the rest; a page past the end is the last page.
    let last = app.get(&format!("{view}&page=3")).await;
    assert_eq!(row_ids(&last).len(), BULK - 2 * PER_PAGE);
    let past = app.get(&format!("{view}&page=9")).await;
    assert_eq!(row_ids(&past), row_ids(&last));
    assert_eq!(canonical(&past), format!("{SITE}{view}&page=3"));
    // Every row on one page, with the way back to pages.
    let all = app.get(&format!("{view}&page=all")).await;
    assert_eq!(row_ids(&all).len(), BULK);
    assert_eq!(
        all.attrs("nav.pager li.all a", "href"),
        vec![view.to_string()]
    );
    // A page that does not read is the reader's mistake, by its field.
    let bad = app.get("/models?page=0").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_exports_stay_whole_whatever_the_page() {
    let app = crowded().await;
    let json = app.get("/api/models.json?author=bulk&page=2").await.json();
    assert_eq!(json["count"], BULK);
    let csv = app.get("/api/models.csv?author=bulk&page=3").await;
    assert_eq!(csv.body.lines().count(), BULK + 1);
    // The page's own download links carry no page.
    let page = app.get("/models?author=bulk&page=2").await;
    for href in page.attrs("p.count a", "href") {
        assert!(!href.contains("page="), "{href}");
    }
}

#[tokio::test]
async fn the_sitemap_lists_the_further_pages_of_the_catalogue_and_the_ranking() {
    let app = crowded().await;
    let sitemap = app.get("/sitemap.xml").await.body;
    for path in ["/models?page=2", "/models?page=3", "/ranking?page=2"] {
        assert!(
            sitemap.contains(&format!("<loc>{SITE}{path}</loc>")),
            "{path} missing"
        );
    }
    assert!(!sitemap.contains("/models?page=4"));
}

#[tokio::test]
async fn phones_get_a_sort_control_that_keeps_the_filters() {
    let app = crowded().await;
    let page = app.get("/models?author=bulk&max_input=5&page=2").await;
    let form = "form.sort-control[action='/models']";
    let hidden: Vec<(String, String)> = page
        .attrs(&format!("{form} input[type=hidden]"), "name")
        .into_iter()
        .zip(page.attrs(&format!("{form} input[type=hidden]"), "value"))
        .collect();
    assert_eq!(
        hidden,
        vec![
            ("author".to_string(), "bulk".to_string()),
            ("max_input".to_string(), "5".to_string())
        ]
    );
    let sorts = page.attrs(&format!("{form} select[name=sort] option"), "value");
    for key in ["name", "input", "output", "context", "intelligence"] {
        assert!(sorts.contains(&key.to_string()), "{key}: {sorts:?}");
    }
    assert_eq!(
        page.attrs(&format!("{form} select[name=dir] option"), "value"),
        vec!["asc", "desc"]
    );
    // What the control sends is a view the page reads.
    let sorted = app
        .get("/models?author=bulk&max_input=5&sort=input&dir=desc")
        .await;
    assert_eq!(row_ids(&sorted)[0], "bulk/model-049");

    let ranking = app.get("/ranking?ratio=1").await;
    let form = "form.sort-control[action='/ranking']";
    assert_eq!(
        ranking.attrs(&format!("{form} input[type=hidden]"), "name"),
        vec!["ratio"]
    );
    let options = ranking.attrs(&format!("{form} select[name=sort] option"), "value");
    for value in ["rank", "-value", "price", "-quality", "name"] {
        assert!(options.contains(&value.to_string()), "{value}: {options:?}");
    }
}

#[tokio::test]
async fn the_ranking_shows_a_page_of_rows_and_numbers_them_from_where_the_page_starts() {
    let app = crowded().await;
    let first = app.get("/ranking").await;
    assert_eq!(first.status, StatusCode::OK);
    let ranks = first.texts("table.ranking tbody td.rank");
    assert_eq!(ranks.len(), PER_PAGE);
    // The chart still draws every ranked model: 100 bulk models and the fixture's 4.
    assert_eq!(first.body.matches("<circle").count(), BULK + 4);
    let second = app.get("/ranking?sort=-quality&page=2").await;
    let ranks: Vec<String> = second.texts("table.ranking tbody td.rank");
    assert_eq!(ranks.len(), PER_PAGE);
    assert_eq!(
        canonical(&second),
        format!("{SITE}/ranking?sort=-quality&page=2")
    );
    let links = second.attrs("nav.pager a", "href");
    assert!(
        links.contains(&"/ranking?sort=-quality".to_string()),
        "{links:?}"
    );
    assert!(
        links.contains(&"/ranking?sort=-quality&page=3".to_string()),
        "{links:?}"
    );
    let json = app.get("/ranking?format=json&page=2").await.json();
    assert_eq!(json["ranked"].as_array().map(Vec::len), Some(BULK + 4));
}
