//! `/models/{id}` against our fixture catalogue (and a few small catalogues written
//! here for what the fixture does not cover). Expected figures are worked out by hand from
//! the per-token strings.

use crate::common::{self, TestApp, TestResponse};
use axum::http::StatusCode;

/// The amount cell of one price component, e.g. "$3.00 per 1M tokens".
fn amount(page: &TestResponse, key: &str) -> String {
    let cells = page.texts(&format!(
        "table.model-prices tr[data-key=\"{key}\"] td.amount"
    ));
    assert_eq!(cells.len(), 1, "component {key} listed once: {cells:?}");
    cells[0].clone()
}

fn exact(page: &TestResponse, key: &str) -> String {
    page.texts(&format!(
        "table.model-prices tr[data-key=\"{key}\"] td.exact code"
    ))
    .join("")
}

/// Every price component OpenRouter knows, on one model, plus the reference models the
/// "how it compares" line looks for, an expired model and a time-window override.
const WIDE: &str = r#"{"data": [
  {"id": "test/everything", "name": "Test: Everything", "context_length": 100000, "expiration_date": "2020-01-01",
   "architecture": {"input_modalities": ["text", "audio"], "output_modalities": ["text"]},
   "pricing": {"prompt": "0.000005", "completion": "0.000025", "input_cache_read": "0.0000005",
     "input_cache_write": "0.00000625", "input_cache_write_1h": "0.00001", "internal_reasoning": "0.00001",
     "audio": "0.00004", "request": "0.002", "image": "0.0008", "web_search": "0.01",
     "overrides": [{"start_time_utc": "22:00", "end_time_utc": "06:00", "prompt": "0.0000025"}]}},
  {"id": "test/later", "name": "Test: Later", "expiration_date": "2999-12-31",
   "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
  {"id": "anthropic/claude-opus-4.8", "name": "Anthropic: Claude Opus 4.8",
   "pricing": {"prompt": "0.000005", "completion": "0.000025"}},
  {"id": "openai/gpt-5.4", "name": "OpenAI: GPT-5.4",
   "pricing": {"prompt": "0.0000025", "completion": "0.000015"}},
  {"id": "google/gemini-3.5-flash", "name": "Google: Gemini 3.5 Flash",
   "pricing": {"prompt": "0.0000015", "completion": "0.000009"}},
  {"id": "deepseek/deepseek-v4-flash", "name": "DeepSeek: DeepSeek V4 Flash",
   "pricing": {"prompt": "0.00000014", "completion": "0.00000028"}}
]}"#;

#[tokio::test]
async fn every_price_component_of_the_fixture_is_shown_per_million_with_its_exact_string() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/globex/gamma").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1"), vec!["Gamma"]);
    // 0.000003 × 1e6 = 3; 0.000015 × 1e6 = 15; cache 0.0000003 → 0.30; write 0.00000375 → 3.75.
    assert_eq!(amount(&page, "prompt"), "$3.00 per 1M tokens");
    assert_eq!(amount(&page, "completion"), "$15.00 per 1M tokens");
    assert_eq!(amount(&page, "input_cache_read"), "$0.30 per 1M tokens");
    assert_eq!(amount(&page, "input_cache_write"), "$3.75 per 1M tokens");
    // Per-search prices are not scaled.
    assert_eq!(amount(&page, "web_search"), "$0.01 per search");
    assert_eq!(exact(&page, "prompt"), "0.000003");
    assert_eq!(exact(&page, "input_cache_read"), "0.0000003");
    // Components the model does not list are not rows.
    assert!(
        page.texts("table.model-prices tr[data-key=\"internal_reasoning\"]")
            .is_empty()
    );
    assert_eq!(page.texts("#headline-input"), vec!["$3.00"]);
    assert_eq!(page.texts("#headline-output"), vec!["$15.00"]);

    let page = app.get("/models/initech/epsilon").await;
    assert_eq!(amount(&page, "internal_reasoning"), "$2.00 per 1M tokens");
    assert_eq!(amount(&page, "request"), "$0.001 per request");
    assert_eq!(amount(&page, "image"), "$0.0004 per image");

    // 0.0000000833333333333333 × 1e6 to four significant digits; the exact string survives.
    let page = app.get("/models/initech/zeta").await;
    assert_eq!(amount(&page, "prompt"), "$0.08333 per 1M tokens");
    assert_eq!(exact(&page, "prompt"), "0.0000000833333333333333");
}

#[tokio::test]
async fn every_component_openrouter_knows_has_its_row() {
    let app = TestApp::with_catalogue(WIDE, "2026-08-08").await;
    let page = app.get("/models/test/everything").await;
    assert_eq!(page.status, StatusCode::OK);
    let expected = [
        ("prompt", "$5.00 per 1M tokens"),
        ("completion", "$25.00 per 1M tokens"),
        ("input_cache_read", "$0.50 per 1M tokens"),
        ("input_cache_write", "$6.25 per 1M tokens"),
        ("input_cache_write_1h", "$10.00 per 1M tokens"),
        ("internal_reasoning", "$10.00 per 1M tokens"),
        ("audio", "$40.00 per 1M tokens"),
        ("request", "$0.002 per request"),
        ("image", "$0.0008 per image"),
        ("web_search", "$0.01 per search"),
    ];
    for (key, text) in expected {
        assert_eq!(amount(&page, key), text, "{key}");
    }
    assert_eq!(
        page.texts("table.model-prices tbody tr").len(),
        expected.len()
    );
    // The time-window override is listed as a condition, not folded into the prices.
    let conditions = page.texts("ul.conditions li");
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    assert!(conditions[0].contains("start_time_utc is 22:00"));
    assert!(conditions[0].contains("Input $2.50 per 1M tokens"));
    assert!(page.texts("table.tiers").is_empty());
}

#[tokio::test]
async fn long_context_tier_is_a_table_from_its_threshold() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/globex/gamma").await;
    // Only input and output change in the tier; cache read and web search stay as they are.
    assert_eq!(
        page.texts("table.tiers thead th"),
        vec!["Prompt length", "Input", "Output"]
    );
    let rows = page.texts("table.tiers tbody tr");
    // 0.000006 × 1e6 = 6; 0.0000225 × 1e6 = 22.5.
    assert_eq!(
        rows,
        vec![
            "Prompt under 200,000 tokens $3.00 $15.00",
            "Prompt of 200,000 tokens or more $6.00 $22.50",
        ]
    );
    let caption = page.texts("table.tiers caption").join("");
    assert!(caption.contains("cache read"), "{caption}");
    // A model without tiers has no tier table.
    let page = app.get("/models/acme/alpha").await;
    assert!(page.texts("table.tiers").is_empty());
}

#[tokio::test]
async fn variants_are_listed_with_the_batch_saving() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/globex/gamma").await;
    assert_eq!(
        page.attrs("table.variants tbody tr", "data-id"),
        vec!["globex/gamma", "globex/gamma:batch", "~globex/gamma-latest"]
    );
    assert_eq!(
        page.attrs("table.variants tr.current", "data-id"),
        vec!["globex/gamma"]
    );
    // Batch: 0.0000015 against 0.000003, and 0.0000075 against 0.000015: half price.
    let batch = page.texts("table.variants tr[data-id=\"globex/gamma:batch\"] td");
    assert_eq!(batch, vec!["$1.50", "$7.50", "$0.15", "−50%"]);
    assert!(
        page.texts(".batch-note")
            .join("")
            .contains("costs 50% less")
    );
    assert!(
        page.attrs(".batch-note a", "href")
            .contains(&"/models/globex/gamma:batch".to_string())
    );
    // The batch listing's own page says the same from its side.
    let page = app.get("/models/globex/gamma:batch").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.texts(".batch-note")
            .join("")
            .contains("50% less than the on-demand model")
    );
    // Fast costs twice the base: 0.0000004 against 0.0000002.
    let page = app.get("/models/acme/beta").await;
    assert_eq!(
        page.texts("table.variants tr[data-id=\"acme/beta-fast\"] td.versus"),
        vec!["+100%"]
    );
    // A model alone in its group has no variants table.
    let page = app.get("/models/globex/delta").await;
    assert!(page.texts("table.variants").is_empty());
}

#[tokio::test]
async fn alias_page_names_and_links_its_target() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/~globex/gamma-latest").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attrs("#alias a", "href"), vec!["/models/globex/gamma"]);
    assert!(page.texts("#alias").join("").contains("Gamma"));
    // A model that is not an alias says nothing of the kind.
    let page = app.get("/models/globex/gamma").await;
    assert!(page.texts("#alias").is_empty());
}

#[tokio::test]
async fn router_prices_read_variable() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/router/auto").await;
    assert_eq!(page.texts("#headline-input"), vec!["variable"]);
    assert_eq!(page.texts("#headline-output"), vec!["variable"]);
    assert_eq!(amount(&page, "prompt"), "variable per 1M tokens");
    assert_eq!(exact(&page, "prompt"), "-1");
    // No multiple of a variable price is offered.
    assert!(page.texts(".compares").is_empty());
}

#[tokio::test]
async fn markup_in_name_and_description_is_inert() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/initech/zeta").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1"), vec!["Zeta <script>alert(1)</script>"]);
    assert_eq!(
        page.texts(".description p:first-child"),
        vec!["Cheap <img src=x onerror=alert(1)> model."]
    );
    assert!(page.texts("script").is_empty(), "a script element was made");
    assert!(page.attrs("img", "onerror").is_empty());
}

#[tokio::test]
async fn ids_with_colons_and_tildes_resolve_and_so_do_their_percent_encoded_forms() {
    let app = TestApp::fixture().await;
    for (uri, id) in [
        ("/models/acme/alpha:batch", "acme/alpha:batch"),
        ("/models/acme/alpha:free", "acme/alpha:free"),
        ("/models/~globex/gamma-latest", "~globex/gamma-latest"),
        ("/models/acme%2Falpha%3Abatch", "acme/alpha:batch"),
        ("/models/%7Eglobex%2Fgamma-latest", "~globex/gamma-latest"),
        ("/models/globex/gamma%3Abatch", "globex/gamma:batch"),
    ] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert_eq!(page.texts(".model-id code"), vec![id], "{uri}");
    }
    // A trailing slash, like a capitalised id, is sent to the canonical address (issue 25,
    // item 11: one address per page).
    let page = app.get("/models/acme/alpha/").await;
    assert_eq!(page.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(page.headers["location"], "/models/acme/alpha");
    let page = app.get("/models/Acme/Alpha").await;
    assert_eq!(page.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(page.headers["location"], "/models/acme/alpha");
}

#[tokio::test]
async fn unknown_id_is_a_404_suggesting_the_closest_ids() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/acme/alpah").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let suggested = page.attrs("ul.suggestions a", "href");
    assert_eq!(
        suggested.first().map(String::as_str),
        Some("/models/acme/alpha")
    );
    assert!(page.texts(".lead").join("").contains("acme/alpah"));
    // Still the site's layout, with a way to search.
    assert_eq!(page.attrs("header.site a.brand", "href"), vec!["/"]);
    assert_eq!(page.attrs("form[role=search]", "action"), vec!["/models"]);
    // Markup in an unknown id is echoed as text.
    let page = app
        .get("/models/x/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.texts("script").is_empty());
}

#[tokio::test]
async fn specifications_benchmarks_and_links_are_shown() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/globex/gamma").await;
    let facts = page.texts("table.facts tr");
    for expected in [
        "Context window 1,000,000 tokens",
        "Max output 128,000 tokens",
        "Input text, image, file, audio",
        "Tokenizer Globex",
        "Moderated yes: the provider filters requests and responses",
        "Knowledge cutoff —",
    ] {
        assert!(facts.iter().any(|f| f == expected), "{expected}: {facts:?}");
    }
    // Scores with their source: gamma has the top intelligence of four scored base models.
    assert_eq!(
        page.texts("table.quality tr"),
        vec![
            "Intelligence index 60.0 #1 of 4 scored models",
            "Coding index 70.0 #1 of 4 scored models",
            "Agentic index 55.0 #1 of 3 scored models",
        ]
    );
    assert!(
        page.texts(".source")
            .join("")
            .contains("Artificial Analysis, via OpenRouter")
    );
    let links = page.attrs(".model-actions a", "href");
    assert!(links.contains(&"https://openrouter.ai/globex/gamma".to_string()));
    // The compare link used to name gamma alone and land on a 400 ("Pick at least 2
    // different models"). Now it adds the two nearest in blended price (3:1): gamma is
    // (3 × $3 + $15) ÷ 4 = $6/M; no other globex model is within 4× (delta is $0.0625/M), so
    // the nearest from anyone: acme/alpha (3 × $1 + $4) ÷ 4 = $1.75/M (3.4× cheaper), then
    // initech/epsilon (3 × $0.50 + $1.50) ÷ 4 = $0.75/M (8×). Aliases and :batch skipped.
    assert!(
        links.contains(
            &"/compare?ids=globex%2Fgamma%2Cacme%2Falpha%2Cinitech%2Fepsilon".to_string()
        ),
        "{links:?}"
    );
    assert!(links.contains(&"/calculator?ids=globex%2Fgamma".to_string()));
    // We keep no pricing page for a made-up author.
    assert!(page.texts("#author-pricing").is_empty());
    // Tools and temperature are acme/alpha's supported parameters.
    let page = app.get("/models/acme/alpha").await;
    assert_eq!(page.texts("ul.params code"), vec!["tools", "temperature"]);
    assert_eq!(page.texts("table.quality tr").len(), 3);
    let page = app.get("/models/globex/delta").await;
    assert!(page.texts("table.quality").is_empty());
}

#[tokio::test]
async fn expiry_dates_warn_and_say_when_they_have_passed() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/globex/gamma").await;
    assert!(page.texts("#expiry").join("").contains("2027-01-31"));
    assert!(
        app.get("/models/acme/alpha")
            .await
            .texts("#expiry")
            .is_empty()
    );

    let app = TestApp::with_catalogue(WIDE, "2026-08-08").await;
    let past = app.get("/models/test/everything").await;
    assert_eq!(past.texts("#expiry.past").len(), 1);
    assert!(past.texts("#expiry").join("").contains("Expired"));
    let later = app.get("/models/test/later").await;
    assert!(later.texts("#expiry.past").is_empty());
    assert!(later.texts("#expiry").join("").contains("2999-12-31"));
}

#[tokio::test]
async fn input_price_is_compared_with_well_known_models_other_than_itself() {
    let app = TestApp::with_catalogue(WIDE, "2026-08-08").await;
    // $5/M against Opus $5, GPT-5.4 $2.50 and Gemini Flash $1.50: 1×, 2×, 3.3×; the
    // fourth reference is left out.
    let page = app.get("/models/test/everything").await;
    assert_eq!(
        page.texts(".compares > span"),
        vec![
            "1× Claude Opus 4.8 ($5.00/M)",
            "2× GPT-5.4 ($2.50/M)",
            "3.3× Gemini 3.5 Flash ($1.50/M)",
        ]
    );
    // On a reference model's own page it is skipped: 5 / 0.14 = 35.7, read as 36×.
    let page = app.get("/models/anthropic/claude-opus-4.8").await;
    assert_eq!(
        page.texts(".compares > span strong"),
        vec!["2×", "3.3×", "36×"]
    );
    assert_eq!(
        page.attrs("#author-pricing", "href"),
        vec!["https://www.anthropic.com/pricing#api"]
    );
    // The fixture has none of the reference models: no line at all.
    let app = TestApp::fixture().await;
    assert!(
        app.get("/models/acme/alpha")
            .await
            .texts(".compares")
            .is_empty()
    );
}

#[tokio::test]
async fn a_delisted_model_says_so() {
    let app = TestApp::with_catalogue(WIDE, "2026-08-08").await;
    let without_later = WIDE.replace(
        r#"{"id": "test/later", "name": "Test: Later", "expiration_date": "2999-12-31",
   "pricing": {"prompt": "0.000001", "completion": "0.000002"}},"#,
        "",
    );
    assert_ne!(without_later, WIDE);
    app.ingest(&without_later, "2026-08-09")
        .await
        .expect("second ingest");
    let page = app.get("/models/test/later").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("#delisted").join("").contains("no longer lists"));
    assert!(page.texts("#delisted").join("").contains("2026-08-08"));
    // The calculator prices current listings only, so a delisted page does not offer it,
    // and every link it does offer answers.
    let hrefs = page.attrs("main a[href^='/']", "href");
    assert!(!hrefs.is_empty());
    assert!(
        !hrefs.iter().any(|h| h.starts_with("/calculator")),
        "{hrefs:?}"
    );
    for href in &hrefs {
        let status = app.get(href).await.status;
        assert_eq!(status, StatusCode::OK, "{href}");
    }
    assert!(
        app.get("/models/test/everything")
            .await
            .texts("#delisted")
            .is_empty()
    );
}

#[tokio::test]
async fn an_id_that_is_not_utf8_is_a_400_in_the_site_layout() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/acme/%FF").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.texts("h1"), vec!["That request needs fixing"]);
    assert_eq!(page.attrs("header.site a.brand", "href"), vec!["/"]);
}

#[tokio::test]
async fn model_page_has_a_where_to_buy_section_even_before_endpoints_are_fetched() {
    let app = TestApp::fixture().await;
    let page = app.get("/models/acme/alpha").await;
    let headings = page.texts("#price-tags h2");
    assert_eq!(headings.len(), 1, "{headings:?}");
    assert!(headings[0].starts_with("Where to buy"));
    assert!(
        page.texts("#price-tags #no-endpoints")
            .iter()
            .any(|t| t.contains("No endpoint data yet"))
    );
    // Its one seller so far, the routed price, is the table's one row.
    assert_eq!(page.attrs("#price-tags tbody tr", "data-kind"), ["routed"]);
}

#[tokio::test]
async fn model_page_shows_its_price_history_and_links_its_feed() {
    let app = TestApp::fixture().await;
    let changed =
        common::FIXTURE.replace("\"prompt\": \"0.0000002\"", "\"prompt\": \"0.00000015\"");
    app.ingest(&changed, "2026-08-09").await.unwrap();
    let page = app.get("/models/acme/beta").await;
    let feed = page.attrs("link[rel=alternate][type='application/atom+xml']", "href");
    assert_eq!(feed.len(), 1);
    assert!(page.texts("svg.chart title").iter().any(|t| !t.is_empty()));
    let history = page.texts("table").join(" ");
    assert!(
        history.contains("$0.20") && history.contains("$0.15"),
        "{history}"
    );
    let atom = app.get(&feed[0]).await;
    assert_eq!(atom.status, axum::http::StatusCode::OK);
    assert!(
        atom.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("atom")
    );
    let suffixed = app.get("/models/acme/beta/changes.atom").await;
    assert_eq!(suffixed.status, axum::http::StatusCode::OK);
    assert_eq!(suffixed.body, atom.body);
}

#[tokio::test]
async fn a_batch_listing_dearer_than_on_demand_is_called_dearer() {
    let app = TestApp::fixture().await;
    // Make acme/alpha:batch cost 1.5x the base input (0.0000015 against 0.000001).
    let dearer = common::FIXTURE.replace(
        "\"pricing\": {\"prompt\": \"0.0000005\", \"completion\": \"0.000002\", \"input_cache_read\": \"0.00000005\"}",
        "\"pricing\": {\"prompt\": \"0.0000015\", \"completion\": \"0.000002\", \"input_cache_read\": \"0.00000005\"}",
    );
    assert_ne!(dearer, common::FIXTURE);
    app.ingest(&dearer, "2026-08-09").await.unwrap();
    let note = app
        .get("/models/acme/alpha")
        .await
        .texts(".batch-note")
        .join("");
    assert!(
        note.contains("50% more on input and 50% less on output"),
        "{note}"
    );
    assert!(!note.contains("-"), "{note}");
}

/// A listing whose description uses OpenRouter's Markdown: a link to a model we track (as
/// OpenRouter spells it, `/author/model`), a link elsewhere, and bold.
const LINKED: &str = r#"{"id": "acme/alpha-mini", "name": "Acme: Alpha Mini", "context_length": 32000,
   "description": "A **smaller** [Alpha](/acme/alpha) for chat, by [Acme Labs](<https://acme.example/>).\n\nSee [Omega](https://openrouter.ai/acme/omega) too.",
   "pricing": {"prompt": "0.0000001", "completion": "0.0000004"}},
  "#;

#[tokio::test]
async fn description_markdown_reads_as_text_and_links_only_to_models_we_track() {
    let catalogue =
        common::FIXTURE.replacen("\"data\": [\n", &format!("\"data\": [\n  {LINKED}"), 1);
    assert_ne!(catalogue, common::FIXTURE, "the listing was added");
    let app = TestApp::with_catalogue(&catalogue, "2026-08-08").await;
    let page = app.get("/models/acme/alpha-mini").await;
    assert_eq!(page.status, StatusCode::OK);
    // acme/alpha is in the fixture; acme/omega is not, and the outside address is dropped.
    assert_eq!(
        page.texts(".description p:not(.muted)"),
        vec!["A smaller Alpha for chat, by Acme Labs.", "See Omega too."]
    );
    assert_eq!(
        page.attrs(".description p a", "href"),
        vec!["/models/acme/alpha"]
    );
}
