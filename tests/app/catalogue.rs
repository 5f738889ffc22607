//! `/models` against the fixture catalogue: filters, sorting, grouping and inert markup.

use crate::common::{self, TestApp};
use axum::http::StatusCode;

fn row_ids(response: &common::TestResponse) -> Vec<String> {
    response.texts("table.prices tbody th small")
}

#[tokio::test]
async fn catalogue_lists_base_models_with_variants_grouped_under_them() {
    let app = TestApp::fixture().await;
    let page = app.get("/models").await;
    assert_eq!(page.status, StatusCode::OK);
    let ids = row_ids(&page);
    // Variants and the alias are not rows of their own.
    assert!(ids.iter().any(|id| id == "acme/alpha"));
    assert!(
        !ids.iter()
            .any(|id| id.contains(":batch") || id.contains(":free") || id.starts_with('~'))
    );
    assert!(!ids.iter().any(|id| id == "acme/beta-fast"));
    let chips = page.attrs("td.variants a", "href");
    for variant in [
        "acme/alpha:batch",
        "acme/alpha:free",
        "acme/beta-fast",
        "~globex/gamma-latest",
        "globex/gamma:batch",
    ] {
        assert!(
            chips.contains(&format!("/models/{variant}")),
            "{variant} not grouped: {chips:?}"
        );
    }
}

#[tokio::test]
async fn variable_and_missing_prices_read_as_words_not_numbers() {
    let app = TestApp::fixture().await;
    let page = app.get("/models?q=router").await;
    let cells = page.texts("table.prices tbody td.num");
    assert!(cells.iter().any(|c| c == "variable"), "{cells:?}");
    let page = app.get("/models?q=beta").await;
    // acme/beta lists no cache price.
    assert!(
        page.texts("table.prices tbody tr:first-child td")
            .iter()
            .any(|c| c == "—")
    );
}

#[tokio::test]
async fn filters_by_author_price_and_sorts_by_output_price() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/models?author=acme&author=globex&max_input=1&sort=output&dir=desc")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        row_ids(&page),
        vec!["acme/alpha", "acme/beta", "globex/delta"]
    );
    let page = app.get("/models?author=acme&sort=output&dir=asc").await;
    assert_eq!(row_ids(&page), vec!["acme/beta", "acme/alpha"]);
}

#[tokio::test]
async fn each_filter_narrows_the_list() {
    let app = TestApp::fixture().await;
    let cases: &[(&str, &[&str])] = &[
        ("q=zeta", &["initech/zeta"]),
        ("modality=audio", &["globex/gamma"]),
        ("modality=video", &["initech/epsilon"]),
        (
            "min_context=1000000&sort=context",
            &["router/auto", "globex/gamma"],
        ),
        (
            "max_output=1",
            &["acme/beta", "globex/delta", "initech/zeta"],
        ),
        ("has_cache=1", &["acme/alpha", "globex/gamma"]),
        ("has_batch=1", &["acme/alpha", "globex/gamma"]),
        ("free=only", &["acme/alpha"]),
        ("q=gamma-latest", &["globex/gamma"]),
    ];
    for (query, expected) in cases {
        let page = app.get(&format!("/models?{query}&sort=name")).await;
        let mut ids = row_ids(&page);
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        if !query.contains("sort=context") {
            ids.sort();
            expected.sort();
        }
        assert_eq!(ids, expected, "query {query}");
    }
}

#[tokio::test]
async fn empty_result_says_so_and_offers_to_clear() {
    let app = TestApp::fixture().await;
    let page = app.get("/models?q=no-such-model").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.texts("p.empty")
            .iter()
            .any(|t| t.contains("No model matches"))
    );
    assert!(
        page.attrs("p.empty a", "href")
            .contains(&"/models".to_string())
    );
}

#[tokio::test]
async fn bad_filter_values_get_a_400_with_the_message_by_the_field() {
    let app = TestApp::fixture().await;
    let page = app.get("/models?max_input=cheap&min_context=-5").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.texts("#max_input-error")
            .iter()
            .any(|t| t.contains("must be a number"))
    );
    assert!(
        page.texts("#min_context-error")
            .iter()
            .any(|t| t.contains("negative"))
    );
}

#[tokio::test]
async fn markup_in_names_and_descriptions_is_rendered_inert() {
    let app = TestApp::fixture().await;
    let page = app.get("/models?q=zeta").await;
    assert!(!page.body.contains("<script>alert"));
    assert!(
        page.texts("table.prices tbody th a")
            .iter()
            .any(|t| t.contains("<script>alert(1)</script>"))
    );
    assert!(page.attrs("script", "src").is_empty());
}

#[tokio::test]
async fn csv_and_json_agree_with_the_page_for_the_same_filters() {
    let app = TestApp::fixture().await;
    let query = "author=acme&max_input=1";
    let page = app.get(&format!("/models?{query}")).await;
    let json = app.get(&format!("/api/models.json?{query}")).await.json();
    let csv = app.get(&format!("/api/models.csv?{query}")).await;
    let json_bases: Vec<String> = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["variant"] == "base")
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let mut page_ids = row_ids(&page);
    page_ids.sort();
    let mut sorted_json = json_bases.clone();
    sorted_json.sort();
    assert_eq!(page_ids, sorted_json);
    let csv_ids: Vec<&str> = csv
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let json_ids: Vec<&str> = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(csv_ids, json_ids);
    let alpha = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "acme/alpha")
        .unwrap();
    assert_eq!(alpha["input_per_million_usd"], "1");
    assert_eq!(alpha["prompt_per_token"], "0.000001");
}

/// Issue 25, item 1: a music model's "0" token prices are not prices, so no price ceiling
/// lets it through, on the page or in either export; without a ceiling it is listed.
#[tokio::test]
async fn a_model_not_priced_per_token_fails_every_price_ceiling_on_the_page_and_exports() {
    let app = TestApp::with_catalogue(&common::fixture_with_music(), "2026-08-08").await;
    assert!(row_ids(&app.get("/models").await).contains(&"tunes/song-1".to_string()));
    for query in [
        "max_input=0",
        "max_input=1000",
        "max_output=0.4",
        "max_output=1000",
    ] {
        let page = app.get(&format!("/models?{query}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let rows = row_ids(&page);
        // A generous ceiling still lists the models priced per token.
        if query.ends_with("1000") {
            assert!(
                rows.contains(&"acme/alpha".to_string()),
                "{query}: {rows:?}"
            );
        }
        assert!(
            !rows.contains(&"tunes/song-1".to_string()),
            "{query}: {rows:?}"
        );
        let json = app.get(&format!("/api/models.json?{query}")).await.json();
        let exported: Vec<&str> = json["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert!(!exported.contains(&"tunes/song-1"), "{query}: {exported:?}");
        let csv = app.get(&format!("/api/models.csv?{query}")).await;
        assert!(!csv.body.contains("tunes/song-1"), "{query}");
    }
}
