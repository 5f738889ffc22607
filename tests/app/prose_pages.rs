//! `/about` and `/guide/why-prices-differ`: the live ingest status, the formulas, the guide's
//! sections, its calculator links, and its live figures (present when the catalogue has the
//! models they quote, left out when it does not).

use std::collections::HashSet;

use crate::common::{FIXTURE, TestApp, TestResponse};
use axum::http::StatusCode;

/// A hand-written catalogue holding the models the guide quotes, at round prices.
const QUOTED_MODELS: &str = r#"{"data": [
  {"id": "anthropic/claude-opus-4.8", "name": "Anthropic: Claude Opus 4.8", "context_length": 1000000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
   "pricing": {"prompt": "0.000005", "completion": "0.000025", "input_cache_read": "0.0000005", "input_cache_write": "0.00000625"},
   "benchmarks": {"artificial_analysis": {"intelligence_index": 57}}},
  {"id": "anthropic/claude-opus-4.8:batch", "name": "Anthropic: Claude Opus 4.8 (batch)", "context_length": 1000000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
   "pricing": {"prompt": "0.0000025", "completion": "0.0000125", "input_cache_read": "0.00000025"}},
  {"id": "openai/gpt-5.4", "name": "OpenAI: GPT-5.4", "context_length": 1050000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
   "pricing": {"prompt": "0.0000025", "completion": "0.000015", "input_cache_read": "0.00000025",
     "overrides": [{"min_prompt_tokens": 272000, "prompt": "0.000005", "completion": "0.0000225", "input_cache_read": "0.0000005"}]},
   "benchmarks": {"artificial_analysis": {"intelligence_index": 53}}},
  {"id": "anthropic/claude-sonnet-4.6", "name": "Anthropic: Claude Sonnet 4.6", "context_length": 1000000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
   "pricing": {"prompt": "0.000003", "completion": "0.000015", "input_cache_read": "0.0000003"}}
]}"#;

fn text_of(page: &TestResponse, css: &str) -> String {
    page.texts(css).join(" | ")
}

fn has(page: &TestResponse, css: &str) -> bool {
    !page.texts(css).is_empty()
}

/// Every `#fragment` link in the table of contents points at an element on the page.
fn assert_toc_resolves(page: &TestResponse, expected: &[&str]) {
    let ids: HashSet<String> = page.attrs("[id]", "id").into_iter().collect();
    let targets: Vec<String> = page
        .attrs("nav.toc a", "href")
        .into_iter()
        .map(|href| href.trim_start_matches('#').to_string())
        .collect();
    assert_eq!(targets, expected, "table of contents");
    for target in &targets {
        assert!(ids.contains(target), "#{target} is not on the page");
    }
}

// ---------------------------------------------------------------- /about

#[tokio::test]
async fn about_shows_the_last_successful_refresh_from_the_ingest_log() {
    let app = TestApp::fixture().await;
    let page = app.get("/about").await;
    assert_eq!(page.status, StatusCode::OK);
    let success = text_of(&page, "#last-success td");
    assert!(
        success.contains("Prices as of 2026-08-08 00:00 UTC"),
        "{success}"
    );
    // The fixture has 12 listings.
    assert!(success.contains("12 stored"), "{success}");
    assert!(success.contains("12 added"), "{success}");
    assert_eq!(text_of(&page, "#last-failure td"), "None recorded.");
    assert_eq!(
        page.attrs("#last-success time", "datetime")
            .first()
            .map(String::as_str),
        Some("2026-08-08T00:00:00Z")
    );
    assert_eq!(page.texts("table.runs tbody tr").len(), 1);
    assert!(!has(&page, "#failing-notice"));
    assert!(!has(&page, "#snapshot-notice"));
}

/// An official price list of our own making: `makers` makers with `each` entries apiece, every
/// entry matching one invented API name at $1/$2 per million.
fn official_feed(makers: usize, each: usize) -> String {
    let providers: Vec<serde_json::Value> = (0..makers)
        .map(|p| {
            let models: Vec<serde_json::Value> = (0..each)
                .map(|m| {
                    serde_json::json!({
                        "id": format!("maker{p}-model-{m}"),
                        "match": {"equals": format!("maker{p}-model-{m}")},
                        "prices": {"input_mtok": 1, "output_mtok": 2},
                    })
                })
                .collect();
            serde_json::json!({
                "id": format!("maker{p}"),
                "name": format!("Maker {p}"),
                "api_pattern": format!("https://api\\.maker{p}\\.example"),
                "models": models,
            })
        })
        .collect();
    serde_json::Value::Array(providers).to_string()
}

#[tokio::test]
async fn about_writes_large_counts_with_thousands_separators() {
    let app = TestApp::fixture().await;
    // 2 makers × 617 entries = 1,234 entries.
    let feed = official_feed(2, 617);
    tokenfare::ingest::official::ingest_body(
        &app.store,
        feed.as_bytes(),
        tokenfare::store::Delivery::File,
        "generated",
        tokenfare::store::parse_as_of("2026-08-21").expect("date"),
    )
    .await
    .expect("the generated list ingests");
    app.state.reload().await.expect("reload");
    let page = app.get("/about").await;
    let official = text_of(&page, "#official");
    assert!(
        official.contains("(1,234 entries from 2 makers and clouds)"),
        "{official}"
    );
}

#[tokio::test]
async fn about_shows_a_failed_refresh_and_its_reason() {
    let app = TestApp::fixture().await;
    let failure = app.ingest(r#"{"data": []}"#, "2026-08-09").await;
    let message = failure
        .expect_err("an empty catalogue is refused")
        .to_string();
    assert!(message.contains("empty"), "{message}");

    let page = app.get("/about").await;
    assert_eq!(page.status, StatusCode::OK);
    let failed = text_of(&page, "#last-failure td");
    assert!(
        failed.contains("Reason: the catalogue is empty"),
        "{failed}"
    );
    assert!(text_of(&page, "#failing-notice").contains("catalogue is empty"));
    // The good data stays the last success.
    assert!(text_of(&page, "#last-success td").contains("2026-08-08 00:00 UTC"));
    let outcomes = page.texts("table.runs tbody td:nth-child(2)");
    assert_eq!(outcomes, vec!["failed", "success"]);
    let details = page.texts("table.runs tbody td:last-child");
    assert!(details[0].contains("the catalogue is empty"), "{details:?}");
}

#[tokio::test]
async fn about_follows_a_newer_refresh_and_keeps_the_earlier_failure_on_record() {
    let app = TestApp::fixture().await;
    app.ingest(r#"{"data": []}"#, "2026-08-09")
        .await
        .expect_err("empty");
    app.ingest(FIXTURE, "2026-08-10")
        .await
        .expect("fixture again");
    let page = app.get("/about").await;
    assert!(text_of(&page, "#last-success td").contains("Prices as of 2026-08-10 00:00 UTC"));
    // The failure is history now, not a current problem.
    assert!(!has(&page, "#failing-notice"));
    assert!(text_of(&page, "#last-failure td").contains("catalogue is empty"));
    assert_eq!(
        page.texts("table.runs tbody td:nth-child(2)"),
        vec!["success", "failed", "success"]
    );
}

#[tokio::test]
async fn about_lists_the_ten_most_recent_runs_newest_first() {
    let app = TestApp::fixture().await;
    for day in 10..=21 {
        app.ingest(FIXTURE, &format!("2026-08-{day}"))
            .await
            .expect("ingest");
    }
    // 13 runs in all (ids 1..=13); the page shows 13 down to 4.
    let page = app.get("/about").await;
    let ids: Vec<String> = page.texts("table.runs tbody td:first-child");
    let expected: Vec<String> = (4..=13).rev().map(|i| i.to_string()).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn about_says_when_the_bundled_snapshot_is_being_served() {
    let app = TestApp::empty().await;
    tokenfare::ingest::catalogue::load_snapshot_if_empty(&app.store)
        .await
        .expect("snapshot loads")
        .expect("database was empty");
    app.state.reload().await.expect("reload");
    let page = app.get("/about").await;
    assert!(text_of(&page, "#snapshot-notice").contains("bundled snapshot"));
    assert!(text_of(&page, "#last-success td").contains("from the bundled snapshot"));
    assert!(text_of(&page, "#served-data td").starts_with("The bundled snapshot"));
}

#[tokio::test]
async fn about_on_an_empty_database_says_nothing_has_been_loaded() {
    let app = TestApp::empty().await;
    let page = app.get("/about").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(text_of(&page, "#last-success td"), "None yet.");
    assert_eq!(text_of(&page, "#served-data td"), "No data loaded yet.");
    assert!(!has(&page, "table.runs"));
}

#[tokio::test]
async fn about_writes_out_the_calculator_and_ranking_formulas() {
    let app = TestApp::fixture().await;
    let page = app.get("/about").await;
    let cost = text_of(&page, "#formula-cost");
    for term in [
        "T_in × (1 − h − w) × P.input",
        "T_in × h × P.cache_read",
        "T_in × w × P.cache_write",
        "T_out × P.output",
        "R × N × P.reasoning",
        "R × P.per_request",
    ] {
        assert!(cost.contains(term), "{term} missing from {cost}");
    }
    let monthly = text_of(&page, "#formula-monthly");
    assert!(
        monthly.starts_with("monthly cost = (1 − d) × ["),
        "{monthly}"
    );
    assert!(
        monthly.contains("(1 − b) × C(on-demand prices)"),
        "{monthly}"
    );
    assert!(monthly.contains("b × C(batch listing prices)"), "{monthly}");
    assert!(text_of(&page, "#formula-volumes").contains("T_in = R × I"));
    let blend = text_of(&page, "#formula-blend");
    assert!(
        blend.contains("(1 − h) × input price + h × cache-read price"),
        "{blend}"
    );
    assert!(
        blend.contains("(r × P_in + output price) ÷ (r + 1)"),
        "{blend}"
    );
    assert!(blend.contains("quality index ÷ blended"), "{blend}");
    // The rules around the formulas.
    let calculator = text_of(&page, "#calculator");
    for rule in [
        "min_prompt_tokens",
        "internal_reasoning",
        ":batch",
        "ordinary input price",
    ] {
        assert!(calculator.contains(rule), "{rule}");
    }
    assert!(text_of(&page, "#ranking").contains("Pareto frontier"));
    assert!(text_of(&page, "#quality").contains("Artificial Analysis"));
}

#[tokio::test]
async fn about_worked_check_comes_out_at_one_eighty_five_from_the_real_calculator() {
    let app = TestApp::fixture().await;
    let page = app.get("/about").await;
    // 0.3 × $5 + 0.7 × $0.50 = $1.85; $1.85 / $5 = 0.37.
    let live = text_of(&page, "#check-live");
    assert!(live.contains("$1.85"), "{live}");
    assert!(live.contains("0.37×"), "{live}");
}

#[tokio::test]
async fn about_has_every_section_its_contents_promise() {
    let app = TestApp::fixture().await;
    let page = app.get("/about").await;
    assert_toc_resolves(
        &page,
        &[
            "sources",
            "official",
            "freshness",
            "calculator",
            "usage-formats",
            "ranking",
            "quality",
            "blind-spots",
            "notation",
            "storage",
        ],
    );
    let blind = text_of(&page, "#blind-spots");
    for gap in [
        "Negotiated",
        "Regional",
        "Egress",
        "Taxes",
        "Rate limits",
        "minimums",
    ] {
        assert!(blind.contains(gap), "{gap}");
    }
    let terms = page.texts("#notation dt");
    for label in ["variable", "—", ":free", ":batch", "-fast", "~…-latest"] {
        assert!(terms.iter().any(|t| t == label), "{label} in {terms:?}");
    }
}

// ---------------------------------------------------------------- the guide

const GUIDE: &str = "/guide/why-prices-differ";

#[tokio::test]
async fn guide_has_its_sections_and_a_contents_list_that_reaches_them() {
    let app = TestApp::fixture().await;
    let page = app.get(GUIDE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_toc_resolves(
        &page,
        &[
            "in-short",
            "routers",
            "clouds",
            "factors",
            "our-price",
            "method",
            "examples",
        ],
    );
    let factors = page.texts("table.factors tbody th");
    for factor in [
        "Routing margin",
        "Cloud overhead",
        "Volume and committed-use discounts",
        "Batch APIs",
        "Prompt caching",
        "Long-context tiers",
        "Region and egress",
        "Tokenizer",
    ] {
        assert!(factors.iter().any(|f| f == factor), "{factor}");
    }
    let steps = page.attrs("ol.steps > li", "id");
    assert_eq!(
        steps,
        vec![
            "step-constraints",
            "step-ratio",
            "step-batch",
            "step-cache",
            "step-context",
            "step-commit",
            "step-verify"
        ]
    );
    // The worked example is computed in the text whatever the catalogue holds.
    let worked = text_of(&page, "#formula-worked");
    assert!(worked.contains("0.30 × $5.00 + 0.70 × $0.50"), "{worked}");
    assert!(
        worked.contains("$1.85 per million input tokens"),
        "{worked}"
    );
    assert!(text_of(&page, "#step-cache").contains("0.37 times the list price"));
}

/// Issue 25, item 5: the guide says, as the calculator does, that token counts depend on each
/// model's tokenizer, where it tells readers to measure their token counts.
#[tokio::test]
async fn guide_says_token_counts_depend_on_each_models_tokenizer() {
    let app = TestApp::fixture().await;
    let page = app.get(GUIDE).await;
    let step = text_of(&page, "#step-ratio #tokenizers");
    assert!(step.contains("its own tokenizer"), "{step}");
    assert!(step.contains("a different number of tokens"), "{step}");
    let factor = text_of(&page, "table.factors #factor-tokenizer");
    assert!(factor.contains("counts tokens its own way"), "{factor}");
}

#[tokio::test]
async fn guide_calculator_links_use_only_the_calculator_parameters() {
    let app = TestApp::with_catalogue(QUOTED_MODELS, "2026-08-08").await;
    let page = app.get(GUIDE).await;
    // The navigation's plain `/calculator` link is not an example.
    let links: Vec<String> = page
        .attrs("article a[href]", "href")
        .into_iter()
        .filter(|h| h.starts_with("/calculator"))
        .collect();
    assert!(links.len() >= 6, "{links:?}");
    assert!(links.contains(
        &"/calculator?requests=50000&input_tokens=20000&output_tokens=800&cache_hit=70".to_string()
    ));
    let percents = ["cache_hit", "cache_write", "batch", "discount"];
    let counts = [
        "requests",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
    ];
    for link in &links {
        let query = link
            .strip_prefix("/calculator?")
            .unwrap_or_else(|| panic!("{link} has no query"));
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        for (key, value) in &pairs {
            if percents.contains(&key.as_str()) {
                let pct: u32 = value.parse().unwrap_or_else(|_| panic!("{key}={value}"));
                assert!(pct <= 100, "{link}");
            } else if counts.contains(&key.as_str()) {
                let n: u64 = value.parse().unwrap_or_else(|_| panic!("{key}={value}"));
                assert!(n > 0, "{link}");
            } else if key == "ids" {
                for id in value.split(',') {
                    assert!(
                        app.state.catalogue().get(id).is_some(),
                        "{link} names {id}, which is not in the catalogue"
                    );
                }
            } else {
                panic!("{link} uses an unknown parameter {key}");
            }
        }
        for required in ["requests", "input_tokens", "output_tokens"] {
            assert!(get(required).is_some(), "{link} lacks {required}");
        }
        let share = |key| get(key).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
        assert!(share("cache_hit") + share("cache_write") <= 100, "{link}");
    }
    // The long-context example is priced past GPT-5.4's 272,000-token threshold.
    let tier_link = page.attrs("#live-tier a[href^='/calculator']", "href");
    let tier_query = tier_link[0].trim_start_matches("/calculator?");
    let tier_pairs: Vec<(String, String)> = form_urlencoded::parse(tier_query.as_bytes())
        .into_owned()
        .collect();
    assert!(tier_pairs.contains(&("ids".into(), "openai/gpt-5.4".into())));
    let prompt: u64 = tier_pairs
        .iter()
        .find(|(k, _)| k == "input_tokens")
        .and_then(|(_, v)| v.parse().ok())
        .expect("input_tokens");
    assert!(prompt >= 272_000, "{prompt}");
}

#[tokio::test]
async fn guide_leaves_out_live_figures_for_models_the_catalogue_lacks() {
    // The fixture has none of the quoted models.
    let app = TestApp::fixture().await;
    let page = app.get(GUIDE).await;
    assert_eq!(page.status, StatusCode::OK);
    for id in [
        "#live-batch",
        "#live-tier",
        "#live-cache-ratios",
        "#live-cached-example",
    ] {
        assert!(!has(&page, id), "{id} should be left out");
    }
    // Nothing half-rendered: no empty model links, no stray placeholders.
    assert!(!page.attrs("a", "href").iter().any(|h| h == "/models/"));
    let article = text_of(&page, "article");
    assert!(!article.contains("Some(") && !article.contains("{{") && !article.contains("{%"));
    // The surrounding prose is all still there.
    assert!(text_of(&page, "#factors").contains("About 50% off input and output"));
}

#[tokio::test]
async fn guide_quotes_todays_batch_tier_and_cache_prices_when_the_models_are_listed() {
    let app = TestApp::with_catalogue(QUOTED_MODELS, "2026-08-08").await;
    let page = app.get(GUIDE).await;

    // $5.00 → $2.50 and $25.00 → $12.50: 50% off both.
    let batch = text_of(&page, "#live-batch");
    assert!(
        batch.contains("$5.00") && batch.contains("$25.00"),
        "{batch}"
    );
    assert!(
        batch.contains("$2.50") && batch.contains("$12.50"),
        "{batch}"
    );
    assert!(batch.contains("50% less on both"), "{batch}");
    assert!(
        page.attrs("#live-batch a", "href")
            .contains(&"/models/anthropic/claude-opus-4.8:batch".to_string())
    );

    // $2.50 → $5.00 input (2×), $15.00 → $22.50 output (1.5×) from 272,000 tokens.
    let tier = text_of(&page, "#live-tier");
    assert!(tier.contains("272,000 tokens"), "{tier}");
    assert!(tier.contains("$5.00 and $22.50"), "{tier}");
    assert!(tier.contains("2× for input"), "{tier}");
    assert!(tier.contains("1.5× for output"), "{tier}");

    // $0.30 of $3.00, $0.25 of $2.50: 10% each; the missing Gemini and DeepSeek are skipped.
    let ratios = page.texts("#live-cache-ratios .cache-ratio");
    assert_eq!(ratios.len(), 2, "{ratios:?}");
    assert!(ratios[0].starts_with("10% of the input price on anthropic/claude-sonnet-4.6"));
    assert!(ratios[1].starts_with("10% of the input price on openai/gpt-5.4"));

    // The worked example on Opus: 0.3 × $5 + 0.7 × $0.50 = $1.85, 0.37×; writes $6.25 = 1.25×.
    let cached = text_of(&page, "#live-cached-example");
    assert!(cached.contains("$1.85"), "{cached}");
    assert!(cached.contains("0.37×"), "{cached}");
    assert!(
        cached.contains("$6.25 per million (1.25× input)"),
        "{cached}"
    );
}

#[tokio::test]
async fn guide_gives_separate_batch_savings_when_input_and_output_differ() {
    let body = QUOTED_MODELS.replace(
        r#""prompt": "0.0000025", "completion": "0.0000125""#,
        r#""prompt": "0.0000025", "completion": "0.000015""#,
    );
    let app = TestApp::with_catalogue(&body, "2026-08-08").await;
    let batch = text_of(&app.get(GUIDE).await, "#live-batch");
    // Output $25.00 → $15.00 is 40% less.
    assert!(
        batch.contains("50% less for input and 40% less for output"),
        "{batch}"
    );
}

#[tokio::test]
async fn guide_does_not_claim_a_batch_saving_the_listing_does_not_give() {
    let body = QUOTED_MODELS.replace(
        r#""prompt": "0.0000025", "completion": "0.0000125""#,
        r#""prompt": "0.000005", "completion": "0.000025""#,
    );
    let app = TestApp::with_catalogue(&body, "2026-08-08").await;
    let page = app.get(GUIDE).await;
    assert!(!has(&page, "#live-batch"));
    // The other figures are unaffected.
    assert!(has(&page, "#live-tier"));
}

#[tokio::test]
async fn guide_quotes_the_spread_among_models_above_the_quality_bar() {
    // Fixture models scoring at least 50: acme/alpha (50; blended (3×$1 + $4)/4 = $1.75)
    // and globex/gamma (60; (3×$3 + $15)/4 = $6.00). Free, batch and alias listings are
    // not counted; $6.00 / $1.75 = 3.43.
    let app = TestApp::fixture().await;
    let page = app.get(GUIDE).await;
    let spread = text_of(&page, "#live-spread");
    assert!(spread.contains("2 models score at least 50"), "{spread}");
    assert!(
        spread.contains("Alpha (score 50.0), costs $1.75"),
        "{spread}"
    );
    assert!(
        spread.contains("Gamma (score 60.0), costs $6.00"),
        "{spread}"
    );
    assert!(spread.contains("3.4× as much"), "{spread}");
    assert_eq!(
        page.attrs("#live-spread a", "href"),
        vec!["/models/acme/alpha", "/models/globex/gamma"]
    );
}

#[tokio::test]
async fn guide_summarises_cache_prices_across_the_catalogue() {
    // Fixture base models with a cache-read price: acme/alpha ($0.10 of $1) and
    // globex/gamma ($0.30 of $3), both 10%; their batch and alias listings are not counted.
    let app = TestApp::fixture().await;
    let stats = text_of(&app.get(GUIDE).await, "#live-cache-stats");
    assert!(
        stats.contains("2 listed models have a cache-read price"),
        "{stats}"
    );
    assert!(
        stats.contains("2 of them charge between 10% and 50%"),
        "{stats}"
    );
    assert!(stats.contains("all of them 10%"), "{stats}");
}

#[tokio::test]
async fn prose_pages_use_no_inline_styles_or_scripts() {
    let app = TestApp::with_catalogue(QUOTED_MODELS, "2026-08-08").await;
    for path in ["/about", GUIDE] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.texts("[style], style, script").is_empty(), "{path}");
    }
}
