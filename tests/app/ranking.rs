//! `/ranking` against the fixture catalogue (and two small inline ones), with every figure
//! computed by hand. Blended $/M = (ratio·input + output) / (ratio + 1); value = quality / blended.
//!
//! The fixture at the defaults (intelligence, 3:1, no cache hits):
//! | model           | in $/M | out $/M | blended | quality | value  |
//! | acme/beta       | 0.20   | 0.80    | 0.35    | 30      | 85.71  |
//! | initech/epsilon | 0.50   | 1.50    | 0.75    | 40      | 53.33  |
//! | acme/alpha      | 1.00   | 4.00    | 1.75    | 50      | 28.57  |
//! | globex/gamma    | 3.00   | 15.00   | 6.00    | 60      | 10.00  |
//! Not ranked: acme/alpha:free (free), router/auto (variable), acme/beta-fast, globex/delta
//! and initech/zeta (no score). Never listed: acme/alpha:batch and globex/gamma:batch (counted
//! with their base unless `batch=1`) and ~globex/gamma-latest (an alias of globex/gamma).

use crate::common::{TestApp, TestResponse};
use axum::http::StatusCode;
use serde_json::{Value, json};

fn ids(page: &TestResponse) -> Vec<String> {
    page.texts("table.ranking tbody th small")
}

fn column(page: &TestResponse, class: &str) -> Vec<String> {
    page.texts(&format!("table.ranking tbody td.{class}"))
}

fn frontier_flags(page: &TestResponse) -> Vec<bool> {
    page.texts("table.ranking tbody td.on-frontier")
        .iter()
        .map(|t| t == "frontier")
        .collect()
}

fn excluded(page: &TestResponse, key: &str) -> Vec<String> {
    page.texts(&format!("#excluded-{key} li small"))
}

fn circles(page: &TestResponse) -> usize {
    page.texts("figure svg.value-chart circle").len()
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn default_ranking_orders_models_by_quality_per_blended_dollar() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        ids(&page),
        strs(&["acme/beta", "initech/epsilon", "acme/alpha", "globex/gamma"])
    );
    assert_eq!(column(&page, "rank"), strs(&["1", "2", "3", "4"]));
    assert_eq!(
        column(&page, "quality"),
        strs(&["30.0", "40.0", "50.0", "60.0"])
    );
    assert_eq!(
        column(&page, "blended"),
        strs(&["$0.35", "$0.75", "$1.75", "$6.00"])
    );
    assert_eq!(
        column(&page, "value"),
        strs(&["85.7", "53.3", "28.6", "10.0"])
    );
    // Each is cheaper and worse than the next: all four are on the frontier.
    assert_eq!(frontier_flags(&page), vec![true; 4]);
    assert_eq!(
        page.attrs("table.ranking tbody th a", "href"),
        strs(&[
            "/models/acme/beta",
            "/models/initech/epsilon",
            "/models/acme/alpha",
            "/models/globex/gamma"
        ])
    );
}

#[tokio::test]
async fn each_row_links_to_the_calculator_prefilled_in_the_chosen_ratio() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    let links = page.attrs("table.ranking tbody a.calc", "href");
    // The link used to leave out the request count and landed on a 400 ("Enter the
    // requests per month"); it now carries the default workload's 100,000 requests.
    assert_eq!(
        links[0],
        "/calculator?requests=100000&input_tokens=3000&output_tokens=1000&ids=acme%2Fbeta"
    );
    assert_eq!(app.get(&links[0]).await.status, StatusCode::OK);
    let page = app.get("/ranking?ratio=0.5&cache_hit=40").await;
    let links = page.attrs("table.ranking tbody a.calc", "href");
    assert_eq!(
        links[0],
        "/calculator?requests=100000&input_tokens=1000&output_tokens=2000&cache_hit=40&ids=acme%2Fbeta"
    );
    assert_eq!(app.get(&links[0]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn aliases_and_batch_listings_never_appear_twice() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    let listed: Vec<String> = page.texts("table.ranking tbody th small, section.excluded li small");
    for id in [
        "~globex/gamma-latest",
        "acme/alpha:batch",
        "globex/gamma:batch",
    ] {
        assert!(!listed.iter().any(|l| l == id), "{id} listed: {listed:?}");
    }
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a model is listed twice");
}

#[tokio::test]
async fn models_that_cannot_be_ranked_are_listed_apart_with_the_reason() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    assert_eq!(excluded(&page, "free"), strs(&["acme/alpha:free"]));
    assert_eq!(excluded(&page, "variable"), strs(&["router/auto"]));
    assert_eq!(
        excluded(&page, "no-quality"),
        strs(&["acme/beta-fast", "globex/delta", "initech/zeta"])
    );
    assert!(excluded(&page, "no-price").is_empty());
    let headings = page.texts("section.excluded h3");
    assert_eq!(
        headings,
        strs(&[
            "Free listings (1)",
            "Variable-priced routers (1)",
            "No Intelligence index score (3)"
        ])
    );
    let reasons = page.texts("#excluded-free p");
    assert!(reasons[0].contains("divide by zero"), "{reasons:?}");
    // Nothing was divided by zero or left unformatted.
    for cell in page.texts("table.ranking tbody td") {
        for bad in ["inf", "NaN", "∞", "$0.00"] {
            assert!(!cell.contains(bad), "cell reads {cell}");
        }
    }
    // The third-party name with markup in it is text, not a script.
    assert!(page.texts("main script").is_empty());
    assert!(
        page.texts("#excluded-no-quality li a")
            .iter()
            .any(|t| t.contains("<script>"))
    );
}

/// A small catalogue with an exact tie, dominated models and aliases:
/// | model        | blended | quality | value | frontier                               |
/// | t/cheap      | 1       | 40      | 40    | yes                                    |
/// | t/twin-a     | 2       | 50      | 25    | yes (ties twin-b exactly)              |
/// | t/twin-b     | 2       | 50      | 25    | yes                                    |
/// | t/dominated  | 2       | 45      | 22.5  | no: the twins cost the same, score more |
/// | t/dear       | 4       | 46      | 11.5  | no: the twins are cheaper and better   |
/// | t/top        | 8       | 72      | 9     | yes                                    |
/// | ~t/solo-…    | 4       | 30      | 7.5   | no (alias of an unlisted model: ranked once) |
/// `~t/twin-latest` points at t/twin-a with the same prices and score: never ranked.
fn tie_catalogue() -> String {
    fn model(id: &str, per_million: u32, quality: f64, alias_of: Option<&str>) -> Value {
        let per_token = format!("0.00000{per_million}");
        let mut record = json!({
            "id": id,
            "name": format!("T: {id}"),
            "pricing": {"prompt": per_token, "completion": per_token},
            "benchmarks": {"artificial_analysis": {"intelligence_index": quality}},
        });
        if let Some(target) = alias_of {
            record["alias_target"] = json!({"name": target, "slug": target});
        }
        record
    }
    json!({"data": [
        model("t/cheap", 1, 40.0, None),
        model("t/twin-a", 2, 50.0, None),
        model("t/twin-b", 2, 50.0, None),
        model("t/dominated", 2, 45.0, None),
        model("t/dear", 4, 46.0, None),
        model("t/top", 8, 72.0, None),
        model("~t/twin-latest", 2, 50.0, Some("t/twin-a")),
        model("~t/solo-latest", 4, 30.0, Some("t/solo")),
    ]})
    .to_string()
}

#[tokio::test]
async fn the_frontier_keeps_exact_ties_and_drops_dominated_models() {
    let app = TestApp::with_catalogue(&tie_catalogue(), "2026-08-08").await;
    let page = app.get("/ranking").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        ids(&page),
        strs(&[
            "t/cheap",
            "t/twin-a",
            "t/twin-b",
            "t/dominated",
            "t/dear",
            "t/top",
            "~t/solo-latest"
        ])
    );
    assert_eq!(
        frontier_flags(&page),
        vec![true, true, true, false, false, true, false]
    );
    assert_eq!(
        column(&page, "value"),
        strs(&["40.0", "25.0", "25.0", "22.5", "11.5", "9.0", "7.5"])
    );
    // The chart: one dot per ranked model, the four frontier dots highlighted, and the
    // frontier line through them cheapest first.
    assert_eq!(circles(&page), 7);
    assert_eq!(page.texts("svg.value-chart circle.highlight").len(), 4);
    let line = page.attrs("svg.value-chart polyline.line", "points");
    assert_eq!(line.len(), 1);
    assert_eq!(line[0].split(' ').count(), 4);
    let json = app.get("/ranking?format=json").await.json();
    let frontier: Vec<&str> = json["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["frontier"] == json!(true))
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(frontier, vec!["t/cheap", "t/twin-a", "t/twin-b", "t/top"]);
}

#[tokio::test]
async fn the_coding_and_agentic_indices_replace_the_quality() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking?index=coding").await;
    assert_eq!(page.status, StatusCode::OK);
    // Coding: beta 20/0.35 = 57.1, epsilon 35/0.75 = 46.7, alpha 45/1.75 = 25.7, gamma 70/6 = 11.7.
    assert_eq!(
        ids(&page),
        strs(&["acme/beta", "initech/epsilon", "acme/alpha", "globex/gamma"])
    );
    assert_eq!(
        column(&page, "quality"),
        strs(&["20.0", "35.0", "45.0", "70.0"])
    );
    assert_eq!(
        column(&page, "value"),
        strs(&["57.1", "46.7", "25.7", "11.7"])
    );
    assert!(
        page.texts("table.ranking thead th")
            .iter()
            .any(|h| h == "Coding")
    );
    assert!(page.texts("p.method")[0].contains("Coding index"));
    // Epsilon has no agentic score: it moves to the unscored list.
    let page = app.get("/ranking?index=agentic").await;
    assert_eq!(
        ids(&page),
        strs(&["acme/beta", "acme/alpha", "globex/gamma"])
    );
    assert_eq!(column(&page, "value"), strs(&["71.4", "22.9", "9.2"]));
    assert!(excluded(&page, "no-quality").contains(&"initech/epsilon".to_string()));
}

#[tokio::test]
async fn the_ratio_reweights_input_against_output() {
    let app = TestApp::fixture().await;
    // 1:1: beta (0.2+0.8)/2, epsilon (0.5+1.5)/2, alpha (1+4)/2, gamma (3+15)/2.
    let page = app.get("/ranking?ratio=1").await;
    assert_eq!(
        column(&page, "blended"),
        strs(&["$0.50", "$1.00", "$2.50", "$9.00"])
    );
    assert_eq!(
        column(&page, "value"),
        strs(&["60.0", "40.0", "20.0", "6.7"])
    );
    // 9:1: alpha (9+4)/10 = 1.3, gamma (27+15)/10 = 4.2.
    let json = app.get("/ranking?ratio=9&format=json").await.json();
    let blended: Vec<&str> = json["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["blended_per_million_usd"].as_str().unwrap())
        .collect();
    assert_eq!(blended, vec!["0.26", "0.6", "1.3", "4.2"]);
}

#[tokio::test]
async fn cache_hits_lower_the_price_of_models_with_a_cache_price() {
    let app = TestApp::fixture().await;
    let json = app.get("/ranking?cache_hit=50&format=json").await.json();
    let ranked = json["ranked"].as_array().unwrap();
    let blended = |id: &str| {
        ranked
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["blended_per_million_usd"].as_str().unwrap().to_string())
    };
    // alpha: input 0.5·1 + 0.5·0.1 = 0.55 → (1.65 + 4)/4; gamma: 0.5·3 + 0.5·0.3 = 1.65 →
    // (4.95 + 15)/4; beta and epsilon list no cache price and do not change.
    assert_eq!(blended("acme/alpha").as_deref(), Some("1.4125"));
    assert_eq!(blended("globex/gamma").as_deref(), Some("4.9875"));
    assert_eq!(blended("acme/beta").as_deref(), Some("0.35"));
    assert_eq!(blended("initech/epsilon").as_deref(), Some("0.75"));
    let page = app.get("/ranking?cache_hit=50").await;
    assert_eq!(
        column(&page, "blended"),
        strs(&["$0.35", "$0.75", "$1.413", "$4.988"])
    );
    assert!(page.texts("p.method")[0].contains("50% of input tokens"));
}

#[tokio::test]
async fn batch_listings_rank_as_separate_options_on_request() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking?batch=1").await;
    // alpha:batch (1.5+2)/4 = 0.875 → 57.1; gamma:batch (4.5+7.5)/4 = 3 → 20.
    assert_eq!(
        ids(&page),
        strs(&[
            "acme/beta",
            "acme/alpha:batch",
            "initech/epsilon",
            "acme/alpha",
            "globex/gamma:batch",
            "globex/gamma"
        ])
    );
    // Each batch listing has its base's score at half the price: the base drops off.
    assert_eq!(
        frontier_flags(&page),
        vec![true, true, true, false, true, false]
    );
    assert_eq!(circles(&page), 6);
    // A batch row costs its base model with every request batched.
    let links = page.attrs("table.ranking tbody a.calc", "href");
    assert_eq!(
        links[1],
        "/calculator?requests=100000&input_tokens=3000&output_tokens=1000&batch=100&ids=acme%2Falpha"
    );
    assert_eq!(app.get(&links[1]).await.status, StatusCode::OK);
    assert!(
        page.attrs("input[name=batch]", "checked").len() == 1,
        "the checkbox stays ticked"
    );
}

#[tokio::test]
async fn minimum_quality_moves_weaker_models_to_their_own_list() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking?min_quality=45").await;
    assert_eq!(ids(&page), strs(&["acme/alpha", "globex/gamma"]));
    assert_eq!(
        excluded(&page, "below-min"),
        strs(&["acme/beta", "initech/epsilon"])
    );
    assert!(page.texts("#excluded-below-min p")[0].contains("45.0"));
    assert_eq!(page.attrs("#min_quality", "value"), strs(&["45"]));
}

#[tokio::test]
async fn the_author_filter_ranks_only_that_authors_models() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking?author=initech").await;
    assert_eq!(ids(&page), strs(&["initech/epsilon"]));
    assert_eq!(excluded(&page, "no-quality"), strs(&["initech/zeta"]));
    assert!(excluded(&page, "free").is_empty());
    assert_eq!(circles(&page), 1);
    let page = app.get("/ranking?author=acme&author=globex").await;
    assert_eq!(
        ids(&page),
        strs(&["acme/beta", "acme/alpha", "globex/gamma"])
    );
    assert_eq!(
        page.attrs("#author option[selected]", "value"),
        strs(&["acme", "globex"])
    );
    // An author with nothing rankable: no table, no chart, and the reason still shown.
    let page = app.get("/ranking?author=router").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(ids(&page).is_empty());
    assert_eq!(circles(&page), 0);
    assert!(page.texts("p.empty")[0].contains("No model can be ranked"));
    assert_eq!(excluded(&page, "variable"), strs(&["router/auto"]));
}

#[tokio::test]
async fn sorting_reorders_rows_but_keeps_each_models_rank() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking?sort=-quality").await;
    assert_eq!(
        ids(&page),
        strs(&["globex/gamma", "acme/alpha", "initech/epsilon", "acme/beta"])
    );
    assert_eq!(column(&page, "rank"), strs(&["4", "3", "2", "1"]));
    let page = app.get("/ranking?sort=name").await;
    assert_eq!(
        ids(&page),
        strs(&["acme/alpha", "acme/beta", "initech/epsilon", "globex/gamma"])
    );
    let page = app.get("/ranking?sort=-price").await;
    assert_eq!(ids(&page)[0], "globex/gamma");
    let page = app.get("/ranking?sort=value").await;
    assert_eq!(ids(&page)[0], "globex/gamma");
    // Headers are links: the current column flips, the others start in their natural
    // direction, and the other controls are kept.
    let page = app.get("/ranking?index=coding&sort=-quality").await;
    let headers = page.attrs("table.ranking thead th a", "href");
    assert_eq!(
        headers,
        strs(&[
            "/ranking?index=coding",
            "/ranking?index=coding&sort=name",
            "/ranking?index=coding&sort=quality",
            "/ranking?index=coding&sort=price",
            "/ranking?index=coding&sort=-value",
        ])
    );
    assert_eq!(
        page.attrs("table.ranking thead th[aria-sort=descending]", "aria-sort")
            .len(),
        1
    );
}

#[tokio::test]
async fn json_lists_the_ranking_in_order_with_the_excluded_models() {
    let app = TestApp::fixture().await;
    let response = app.get("/ranking?format=json").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let json = response.json();
    assert_eq!(json["index"], "intelligence");
    assert_eq!(json["ratio"], json!(3));
    let ranked = json["ranked"].as_array().unwrap();
    let keys: Vec<&str> = ranked[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "blended_per_million_usd",
            "frontier",
            "id",
            "quality",
            "value"
        ]
    );
    let rows: Vec<(&str, &str, f64)> = ranked
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap(),
                m["blended_per_million_usd"].as_str().unwrap(),
                m["quality"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("acme/beta", "0.35", 30.0),
            ("initech/epsilon", "0.75", 40.0),
            ("acme/alpha", "1.75", 50.0),
            ("globex/gamma", "6", 60.0),
        ]
    );
    let value = ranked[0]["value"].as_f64().unwrap();
    assert!((value - 30.0 / 0.35).abs() < 1e-9, "{value}");
    assert_eq!(
        json["excluded"],
        json!([
            {"id": "acme/alpha:free", "reason": "free"},
            {"id": "router/auto", "reason": "variable"},
            {"id": "acme/beta-fast", "reason": "no_quality"},
            {"id": "globex/delta", "reason": "no_quality"},
            {"id": "initech/zeta", "reason": "no_quality"},
        ])
    );
    // The page links to the same data.
    let page = app.get("/ranking?ratio=2").await;
    assert!(
        page.attrs("a", "href")
            .contains(&"/ranking?ratio=2&format=json".to_string())
    );
}

#[tokio::test]
async fn the_chart_has_one_dot_per_ranked_model_and_an_accessible_name() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    assert_eq!(circles(&page), ids(&page).len());
    let svg = page.attrs("svg.value-chart", "aria-labelledby");
    assert_eq!(svg, strs(&["value-chart-title value-chart-desc"]));
    assert_eq!(page.attrs("svg.value-chart", "role"), strs(&["img"]));
    let title = page.texts("svg.value-chart > title#value-chart-title");
    assert_eq!(title, strs(&["Intelligence index against blended price"]));
    let desc = page.texts("svg.value-chart > desc#value-chart-desc");
    assert!(desc[0].starts_with("4 models"), "{desc:?}");
    // Price ticks in dollars on the log axis: 0.35 .. 6 spans $0.10 .. $10.
    assert_eq!(
        page.texts("svg.value-chart text.tick-x"),
        strs(&["$0.10", "$1", "$10"])
    );
    // Every label names a ranked model.
    for label in page.texts("svg.value-chart .labels.wide text") {
        assert!(
            ["Beta", "Epsilon", "Alpha", "Gamma"].contains(&label.as_str()),
            "{label}"
        );
    }
    assert_eq!(page.texts("svg.value-chart .labels.wide text").len(), 4);
    // Colours come from classes: nothing for a CSP to block. (Attribute selectors do
    // reach into the SVG: every dot has its radius attribute.)
    assert_eq!(page.attrs("svg.value-chart circle[r]", "r").len(), 4);
    assert!(page.attrs("[style]", "style").is_empty());
    assert!(page.attrs("svg [fill]", "fill").is_empty());
    assert!(page.attrs("svg [stroke]", "stroke").is_empty());
}

#[tokio::test]
async fn the_method_names_the_quality_source_and_its_date() {
    let app = TestApp::fixture().await;
    let page = app.get("/ranking").await;
    let method = &page.texts("p.method")[0];
    assert!(method.contains("Artificial Analysis"), "{method}");
    assert!(method.contains("OpenRouter"), "{method}");
    assert!(method.contains("2026-08-08"), "{method}");
    assert!(
        method.contains("(3 × input price + output price) ÷ 4"),
        "{method}"
    );
    assert_eq!(page.attrs("p.method a", "href"), strs(&["/about"]));
}

#[tokio::test]
async fn bad_controls_get_a_400_with_the_message_by_the_field() {
    let app = TestApp::fixture().await;
    let cases: &[(&str, &str, &str)] = &[
        ("index=foo", "index", "intelligence, coding or agentic"),
        ("ratio=0", "ratio", "greater than 0"),
        ("ratio=-1", "ratio", "greater than 0"),
        ("ratio=NaN", "ratio", "must be a number"),
        ("ratio=1e400", "ratio", "at most 1,000,000"),
        ("ratio=1e30", "ratio", "at most 1,000,000"),
        ("ratio=5000000", "ratio", "at most 1,000,000"),
        ("cache_hit=150", "cache_hit", "between 0 and 100"),
        ("cache_hit=-5", "cache_hit", "between 0 and 100"),
        ("cache_hit=lots", "cache_hit", "percentage"),
        ("min_quality=abc", "min_quality", "must be a number"),
        ("min_quality=500", "min_quality", "at most 100"),
        ("author=nobody", "author", "No author is called"),
        ("batch=maybe", "batch", "Batch must be 1"),
        ("sort=cost", "sort", "Sort must be"),
        ("format=xml", "format", "Format must be json"),
    ];
    for (query, field, message) in cases {
        let page = app.get(&format!("/ranking?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        let errors = page.texts(&format!("#{field}-error"));
        assert!(
            errors.iter().any(|e| e.contains(message)),
            "{query}: {errors:?}"
        );
        // The form is back, nothing was ranked.
        assert_eq!(page.texts("form.ranking-controls").len(), 1, "{query}");
        assert!(ids(&page).is_empty(), "{query}");
        assert_eq!(circles(&page), 0, "{query}");
    }
    // What was typed is shown back for correction, and marked invalid.
    let page = app.get("/ranking?ratio=-1").await;
    assert_eq!(page.attrs("#ratio", "value"), strs(&["-1"]));
    assert_eq!(page.attrs("#ratio", "aria-invalid"), strs(&["true"]));
    // JSON callers get their errors as JSON.
    let response = app.get("/ranking?format=json&cache_hit=150").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        response.json()["error"]["fields"]["cache_hit"]
            .as_str()
            .unwrap()
            .contains("between 0 and 100")
    );
}
