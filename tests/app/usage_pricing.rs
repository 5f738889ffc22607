//! `/usage` priced: an export's names resolved to listings by a stated rule (or listed with
//! their traffic, never priced as something else), each model at every seller, as exported
//! at list prices, the whole traffic on other models, and the share link and mix CSV that
//! give the same answer back. On our official-feed fixtures (`tests/fixtures/official/`),
//! whose prices the expected figures are worked out from by hand.

use axum::http::StatusCode;
use serde_json::Value;
use tokenfare::ingest::official::ingest_body;
use tokenfare::store::Delivery;

use crate::common::TestApp;
use crate::usage::upload;

const FEED: &str = include_str!("../fixtures/official/feed.json");
const CATALOGUE: &str = include_str!("../fixtures/official/catalogue.json");

/// The official fixtures: Claude Opus 4.8 per million tokens at OpenRouter, on Bedrock global
/// and on Vertex: $5 in, $25 out, $0.50 cache reads, $6.25 cache writes, no 1-hour write
/// price; at Anthropic the same with $10 for 1-hour writes; on Bedrock in-region $5.50,
/// $27.50, $0.55 and $6.875.
async fn app() -> TestApp {
    let app = TestApp::with_catalogue(CATALOGUE, "2026-08-08").await;
    let as_of = tokenfare::store::parse_as_of("2026-08-21").unwrap();
    ingest_body(
        &app.store,
        FEED.as_bytes(),
        Delivery::File,
        "test feed",
        as_of,
    )
    .await
    .unwrap();
    app.state.reload().await.unwrap();
    app
}

const ANTHROPIC_HEADER: &str = "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,web_search_count,inference_geo,speed";

/// A million tokens of each kind on a dated Opus 4.8 API name, and a name no list has.
fn anthropic_export() -> String {
    format!(
        "{ANTHROPIC_HEADER}\n\
         2026-03-01,claude-opus-4-8-20260301,k,W,standard,≤ 200k,1000000,1000000,1000000,1000000,1000000,0,not_available,\n\
         2026-03-30,claude-haiku-9,k,W,standard,≤ 200k,500,0,0,0,50,0,not_available,\n"
    )
}

async fn priced(app: &TestApp, uri: &str, content: &[u8]) -> Value {
    let response = upload(app, uri, "export", content).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

fn model<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no model {id} in {answer:#}"))
}

fn seller_cost<'a>(model: &'a Value, seller: &str) -> &'a Value {
    &model["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seller"] == seller)
        .unwrap_or_else(|| panic!("no seller {seller} in {model:#}"))["cost"]
}

#[tokio::test]
async fn a_dated_api_name_is_priced_where_it_ran_and_at_every_other_seller() {
    let app = app().await;
    let answer = priced(&app, "/usage?format=json", anthropic_export().as_bytes()).await;
    assert_eq!(answer["format"], "anthropic-console-csv");
    assert_eq!(answer["rows_read"], 2);
    let opus = model(&answer, "anthropic/claude-opus-4.8");
    assert_eq!(opus["name"], "claude-opus-4-8-20260301");
    assert!(
        opus["rule"].as_str().unwrap().contains("snapshot stamp"),
        "{opus:#}"
    );
    // Anthropic's own list: 5 + 6.25 + 10 (1 h) + 0.5 + 25.
    assert_eq!(
        opus["as_exported"],
        serde_json::json!({"seller": "anthropic", "cost": "46.75"})
    );
    // No 1-hour price at OpenRouter or Bedrock global: those writes at the input price.
    assert_eq!(seller_cost(opus, "openrouter"), "41.75");
    assert_eq!(seller_cost(opus, "aws:global"), "41.75");
    assert_eq!(seller_cost(opus, "aws:in-region"), "45.925");
    let cheapest: Vec<&str> = opus["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["cheapest"] == true)
        .map(|s| s["seller"].as_str().unwrap())
        .collect();
    assert_eq!(cheapest, ["openrouter", "aws:global", "google:vertex"]);
    assert_eq!(opus["requests"], Value::Null, "Anthropic exports no count");
    assert_eq!(opus["input_tokens"], 1_000_000);
    assert_eq!(opus["cache_write_1h_tokens"], 1_000_000);
    assert_eq!(
        answer["totals"],
        serde_json::json!({"as_exported": "46.75", "cheapest_sellers": "41.75", "export_cost": null})
    );
    // The unknown name keeps its traffic and is priced as nothing.
    let unresolved = answer["unresolved"].as_array().unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0]["name"], "claude-haiku-9");
    assert_eq!(unresolved[0]["input_tokens"], 500);
    assert_eq!(unresolved[0]["output_tokens"], 50);
    assert_eq!(answer["models"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bedrock_prefixes_and_an_arn_merge_into_one_model_each_priced_in_its_scope() {
    let app = app().await;
    let line = |model_id: &str, region: &str| {
        format!(
            r#"{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-01-05T10:00:00Z","accountId":"1","identity":{{"arn":"x"}},"region":"{region}","requestId":"r","operation":"Converse","modelId":"{model_id}","input":{{"inputTokenCount":100000,"cacheReadInputTokenCount":0,"cacheWriteInputTokenCount":0}},"output":{{"outputTokenCount":0}}}}"#
        )
    };
    let log = [
        line("us.anthropic.claude-opus-4-8-v1:0", "us-east-1"),
        line("global.anthropic.claude-opus-4-8-v1:0", "us-east-1"),
        line(
            "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.anthropic.claude-opus-4-8-v1:0",
            "eu-west-1",
        ),
    ]
    .join("\n");
    let answer = priced(&app, "/usage?format=json", log.as_bytes()).await;
    let models = answer["models"].as_array().unwrap();
    assert_eq!(models.len(), 1, "{answer:#}");
    let opus = &models[0];
    assert_eq!(opus["id"], "anthropic/claude-opus-4.8");
    assert_eq!(opus["requests"], 3);
    // In-region twice at $5.50, global once at $5, each 100,000 input tokens.
    assert_eq!(
        opus["as_exported"],
        serde_json::json!({"seller": "mixed", "cost": "1.6"})
    );
    assert_eq!(seller_cost(opus, "aws:global"), "1.5");
}

#[tokio::test]
async fn the_share_link_and_the_mix_csv_give_the_same_answer_back() {
    let app = app().await;
    let first = priced(&app, "/usage?format=json", anthropic_export().as_bytes()).await;
    let url = first["share_url"].as_str().unwrap();
    let path = &url[url.find("/usage?mix=").unwrap()..];
    let shared = app.get(&format!("{path}&format=json")).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    let shared = shared.json();
    for key in ["totals", "models", "unresolved", "alternatives", "period"] {
        assert_eq!(shared[key], first[key], "{key} differs through the link");
    }
    // The link's page is the same answer, with the link itself as its canonical URL.
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.texts("#summary p")[1].contains("$46.75"),
        "{}",
        page.body
    );

    let csv = upload(
        &app,
        "/usage?format=csv",
        "export",
        anthropic_export().as_bytes(),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("model,requests,input_tokens,"),
        "{}",
        csv.body
    );
    let again = priced(&app, "/usage?format=json", csv.body.as_bytes()).await;
    assert_eq!(again["format"], "tokenfare-mix-csv");
    assert_eq!(again["totals"], first["totals"]);
    assert_eq!(again["models"][0]["sellers"], first["models"][0]["sellers"]);

    let broken = app.get("/usage?mix=not-a-mix!").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_answer_comes_first_and_other_models_are_ranked_with_the_quality_pick_marked() {
    let app = app().await;
    let page = upload(&app, "/usage", "export", anthropic_export().as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let (summary, form) = (
        body.find("id=\"summary\"").unwrap(),
        body.find("<form").unwrap(),
    );
    assert!(summary < form, "the answer leads the page");
    let summary = page.texts("#summary p").join(" ");
    assert!(
        summary.contains("$46.75") && summary.contains("$41.75"),
        "{summary}"
    );
    assert!(summary.contains("1 name we could not resolve"), "{summary}");
    assert_eq!(page.texts(".unresolved code"), ["claude-haiku-9"]);

    let answer = priced(&app, "/usage?format=json", anthropic_export().as_bytes()).await;
    let alternatives = answer["alternatives"].as_array().unwrap();
    let costs: Vec<rust_decimal::Decimal> = alternatives
        .iter()
        .map(|a| a["cost"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    // Opus (index 70) is the only listing as good as the traffic's best: it is the pick.
    let picked: Vec<&str> = alternatives
        .iter()
        .filter(|a| a["quality_pick"] == true)
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(picked, ["anthropic/claude-opus-4.8"]);
    assert!(
        alternatives
            .iter()
            .all(|a| a["id"] != "anthropic/claude-opus-4.8:batch")
    );
}

#[tokio::test]
async fn the_site_points_to_usage_and_about_states_each_formats_reading() {
    let app = app().await;
    let about = app.get("/about").await;
    let headings = about.texts("#usage-formats h3");
    assert_eq!(headings.len(), 9, "{headings:?}");
    assert!(
        headings
            .iter()
            .any(|h| h.contains("OpenRouter activity export"))
    );
    let about_text = about.texts("#usage-formats").join(" ");
    assert!(about_text.contains("Nothing you upload is stored, logged or cached"));
    assert!(
        about_text.contains("reasoning"),
        "OpenRouter's reasoning reading is stated"
    );
    let guide = app.get("/guide/why-prices-differ").await;
    assert_eq!(
        guide.attrs("#step-constraints #usage-step a", "href"),
        ["/usage"]
    );
    assert_eq!(
        app.get("/calculator").await.attrs("#usage-link", "href"),
        ["/usage"]
    );
    let model = app.get("/models/anthropic/claude-opus-4.8").await;
    assert_eq!(model.attrs("#usage-link", "href"), ["/usage"]);
    assert!(model.attrs("nav a", "href").contains(&"/usage".to_string()));

    // A shared answer names its own link as its canonical address.
    let answer = priced(&app, "/usage?format=json", anthropic_export().as_bytes()).await;
    let url = answer["share_url"].as_str().unwrap();
    let page = app.get(&url[url.find("/usage?mix=").unwrap()..]).await;
    assert_eq!(page.attrs("link[rel=canonical]", "href"), [url]);
}
