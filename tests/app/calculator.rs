//! `/calculator` against the fixture catalogue: bills worked out by hand, ordering, the
//! CSV and JSON forms, and every kind of bad input.
//!
//! Fixture prices used below, per million tokens (per request for fees):
//! acme/alpha $1 in, $4 out, $0.10 cache read, $1.25 cache write; its batch listing $0.50,
//! $2, $0.05 and no cache-write price. globex/gamma $3/$15, from 200,000 prompt tokens
//! $6/$22.50; its batch listing $1.50/$7.50, from 200,000 $3/$11.25. initech/epsilon
//! $0.50/$1.50, reasoning $2, $0.001 a request. acme/beta $0.20/$0.80, acme/beta-fast
//! $0.40/$1.60, globex/delta $0.05/$0.10, initech/zeta $0.08333…/$0.25, acme/alpha:free $0.

use crate::common::{FIXTURE, TestApp, TestResponse, fixture_with_music};
use axum::http::StatusCode;

fn bill_ids(page: &TestResponse) -> Vec<String> {
    page.attrs("table.bills tr.bill", "data-id")
}

fn cell(page: &TestResponse, id: &str, class: &str) -> String {
    let cells = page.texts(&format!("tr.bill[data-id='{id}'] td.{class}"));
    assert_eq!(cells.len(), 1, "one {class} cell for {id}: {cells:?}");
    cells[0].clone()
}

/// The itemised bill of `id`, opened by its row's link as a reader would.
async fn bill_page(app: &TestApp, page: &TestResponse, id: &str) -> TestResponse {
    let hrefs = page.attrs(&format!("tr.bill[data-id='{id}'] td.bill-link a"), "href");
    assert_eq!(hrefs.len(), 1, "one bill link for {id}: {hrefs:?}");
    let bill = app.get(&hrefs[0]).await;
    assert_eq!(bill.status, StatusCode::OK, "{}", hrefs[0]);
    bill
}

async fn bill_lines(app: &TestApp, page: &TestResponse, id: &str) -> Vec<String> {
    bill_page(app, page, id)
        .await
        .texts("table.itemised tbody tr")
}

async fn bill_totals(app: &TestApp, page: &TestResponse, id: &str) -> Vec<String> {
    bill_page(app, page, id)
        .await
        .texts("table.itemised tfoot tr")
}

async fn notes(app: &TestApp, page: &TestResponse, id: &str) -> Vec<String> {
    bill_page(app, page, id).await.texts("ul.notes li")
}

async fn blended(app: &TestApp, page: &TestResponse, id: &str) -> String {
    bill_page(app, page, id)
        .await
        .texts("#bill-blended")
        .concat()
}

fn input_value(page: &TestResponse, name: &str) -> String {
    page.attrs(&format!("form.calc [name='{name}']"), "value")
        .first()
        .cloned()
        .unwrap_or_default()
}

/// True when `#{field}-error` and the `#{field}` control share a parent element.
fn error_sits_beside_its_field(page: &TestResponse, field: &str) -> bool {
    let html = page.html();
    let selector = scraper::Selector::parse(&format!("#{field}-error")).unwrap();
    let Some(error) = html.select(&selector).next() else {
        return false;
    };
    error
        .parent()
        .and_then(scraper::ElementRef::wrap)
        .is_some_and(|parent| {
            parent
                .children()
                .filter_map(scraper::ElementRef::wrap)
                .any(|child| child.value().id() == Some(field))
        })
}

#[tokio::test]
async fn alpha_with_cache_hits_and_half_batch_is_itemised_line_by_line() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=10000&output_tokens=1000\
             &cache_hit=60&cache_write=10&batch=50&ids=acme/alpha",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["acme/alpha"]);
    // 10M input tokens, half each way. On demand: 1.5M × $1 + 3M × $0.10 + 0.5M × $1.25
    // + 0.5M out × $4 = $4.425. Batch: 1.5M × $0.50 + 3M × $0.05 + 0.5M writes billed as
    // input × $0.50 + 0.5M × $2 = $2.15. Total $6.575.
    assert_eq!(cell(&page, "acme/alpha", "monthly"), "$6.575");
    assert_eq!(cell(&page, "acme/alpha", "per-request"), "$0.006575");
    // Input paid: 1.5 + 0.3 + 0.625 + 0.75 + 0.15 + 0.25 = $3.575 over 10M tokens.
    assert_eq!(cell(&page, "acme/alpha", "effective-input"), "$0.3575");
    // $6.575 over 11M tokens = $0.597727…/M.
    assert_eq!(blended(&app, &page, "acme/alpha").await, "$0.5977");
    assert_eq!(
        bill_lines(&app, &page, "acme/alpha").await,
        vec![
            "Uncached input on demand 1,500,000 tokens $1.00 / M tokens $1.50",
            "Cache reads on demand 3,000,000 tokens $0.10 / M tokens $0.30",
            "Cache writes on demand 500,000 tokens $1.25 / M tokens $0.625",
            "Output on demand 500,000 tokens $4.00 / M tokens $2.00",
            "Uncached input batch 1,500,000 tokens $0.50 / M tokens $0.75",
            "Cache reads batch 3,000,000 tokens $0.05 / M tokens $0.15",
            "Cache writes batch 500,000 tokens $0.50 / M tokens $0.25",
            "Output batch 500,000 tokens $2.00 / M tokens $1.00",
        ]
    );
    let totals = bill_totals(&app, &page, "acme/alpha").await;
    assert_eq!(
        totals,
        vec![
            "On-demand part $4.425",
            "Batch part $2.15",
            "Monthly total $6.575"
        ]
    );
    assert_eq!(
        notes(&app, &page, "acme/alpha").await,
        vec!["batch listing: no cache-write price: cache writes billed as input"]
    );
    // The row counts the same one note as its bill page.
    assert_eq!(
        cell(&page, "acme/alpha", "bill-link"),
        "itemised bill 1 note"
    );
    // $0.3575 against the $1.00 list price: 0.3575, two significant figures in prose.
    assert_eq!(
        bill_page(&app, &page, "acme/alpha")
            .await
            .texts("p.vs-list"),
        vec!["Effective input price: $0.3575 is 0.36× the list input price $1.00."]
    );
}

#[tokio::test]
async fn a_discount_comes_off_the_whole_bill_and_is_shown_as_a_line() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=10000&output_tokens=1000\
             &cache_hit=60&cache_write=10&batch=50&discount=20&ids=acme/alpha",
        )
        .await;
    // $6.575 × 0.8
    assert_eq!(cell(&page, "acme/alpha", "monthly"), "$5.26");
    let totals = bill_totals(&app, &page, "acme/alpha").await;
    assert!(
        totals.contains(&"Committed-use discount −$1.315 (20 % off)".to_string()),
        "{totals:?}"
    );
}

#[tokio::test]
async fn gamma_switches_to_its_long_context_tier_at_200k_prompt_tokens() {
    let app = TestApp::fixture().await;
    let below = app
        .get("/calculator?requests=100&input_tokens=199999&output_tokens=1000&ids=globex/gamma")
        .await;
    // 19,999,900 × $3/M + 100,000 × $15/M
    assert_eq!(cell(&below, "globex/gamma", "monthly"), "$61.50");
    assert!(notes(&app, &below, "globex/gamma").await.is_empty());

    let at = app
        .get("/calculator?requests=100&input_tokens=200000&output_tokens=1000&ids=globex/gamma")
        .await;
    // 20M × $6/M + 100,000 × $22.50/M = $122.25
    assert_eq!(cell(&at, "globex/gamma", "monthly"), "$122.25");
    assert_eq!(
        notes(&app, &at, "globex/gamma").await,
        vec!["long-context tier applied (prompt ≥ 200,000 tokens)"]
    );
    assert_eq!(
        bill_lines(&app, &at, "globex/gamma").await[0],
        "Uncached input on demand 20,000,000 tokens $6.00 / M tokens $120.00"
    );

    // The batch listing's own tier prices its half: 10M × $3 + 50,000 × $11.25 = $30.5625,
    // plus the on-demand half 10M × $6 + 50,000 × $22.50 = $61.125.
    let half_batch = app
        .get(
            "/calculator?requests=100&input_tokens=200000&output_tokens=1000&batch=50\
             &ids=globex/gamma",
        )
        .await;
    assert_eq!(cell(&half_batch, "globex/gamma", "monthly"), "$91.69");
    assert_eq!(
        bill_lines(&app, &half_batch, "globex/gamma").await[2],
        "Uncached input batch 10,000,000 tokens $3.00 / M tokens $30.00"
    );
}

#[tokio::test]
async fn epsilon_charges_request_fees_and_reasoning_at_its_reasoning_price() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=2000&output_tokens=500\
             &reasoning_tokens=1000&ids=initech/epsilon",
        )
        .await;
    // 2M × $0.50 + 0.5M × $1.50 + 1M reasoning × $2 + 1,000 × $0.001 = $4.75
    assert_eq!(cell(&page, "initech/epsilon", "monthly"), "$4.75");
    assert_eq!(cell(&page, "initech/epsilon", "per-request"), "$0.00475");
    // $4.75 over 3.5M tokens (reasoning counts).
    assert_eq!(blended(&app, &page, "initech/epsilon").await, "$1.357");
    let lines = bill_lines(&app, &page, "initech/epsilon").await;
    assert_eq!(
        &lines[2..],
        [
            "Reasoning on demand 1,000,000 tokens $2.00 / M tokens $2.00",
            "Request fees on demand 1,000 requests $0.001 / request $1.00",
        ]
    );
    assert_eq!(page.texts("#monthly-reasoning"), vec!["1,000,000"]);
}

#[tokio::test]
async fn every_model_is_ranked_cheapest_first_with_its_multiple_of_the_cheapest() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // 1M input and 0.1M output tokens each: delta $0.06, zeta $0.1083, beta $0.28,
    // beta-fast $0.56, alpha $1.40, epsilon $1.65 (with $1 of request fees), gamma $4.50.
    // Aliases and batch listings are not rows; the router cannot be priced.
    // The free listing is not a row: it has a strip of its own.
    assert_eq!(
        page.attrs("#free-listings li a", "href"),
        vec!["/models/acme/alpha:free"]
    );
    assert_eq!(
        bill_ids(&page),
        vec![
            "globex/delta",
            "initech/zeta",
            "acme/beta",
            "acme/beta-fast",
            "acme/alpha",
            "initech/epsilon",
            "globex/gamma",
        ]
    );
    assert_eq!(cell(&page, "globex/delta", "monthly"), "$0.06");
    assert_eq!(cell(&page, "initech/zeta", "monthly"), "$0.1083");
    assert_eq!(cell(&page, "globex/delta", "times"), "1.0× cheapest");
    assert_eq!(cell(&page, "acme/beta", "times"), "4.7×"); // 0.28 / 0.06
    assert_eq!(cell(&page, "acme/alpha", "times"), "23×"); // 1.40 / 0.06
    assert_eq!(cell(&page, "globex/gamma", "times"), "75×"); // 4.50 / 0.06
    assert_eq!(page.texts("tr.bill.cheapest").len(), 1);
    let unpriced = page.texts("ul.unpriced li");
    assert_eq!(unpriced.len(), 1);
    assert!(
        unpriced[0].starts_with("Auto router/auto — variable pricing"),
        "{unpriced:?}"
    );
    let summary = page.texts("#summary p");
    assert!(
        summary[0].starts_with(
            "The cheapest paid model for this workload is Delta (globex/delta) at $0.06 a month"
        ),
        "{summary:?}"
    );
    // Of the seven paid rows (fewer than ten, so the sentence says seven), intelligence
    // index per dollar: beta 30 / $0.28 = 107, alpha 50 / $1.40 = 36, epsilon 40 / $1.65 =
    // 24, gamma 60 / $4.50 = 13; delta, zeta and beta-fast have no index.
    assert!(
        summary[1].starts_with(
            "The best value of the 7 priced, the most intelligence index per dollar, is \
             Beta (acme/beta) at $0.28 a month"
        ),
        "{summary:?}"
    );
    assert!(
        summary[2].starts_with("1 free listing costs nothing"),
        "{summary:?}"
    );
}

#[tokio::test]
async fn the_quality_floor_narrows_the_table_and_the_summary_compares_with_the_cheapest() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100&min_quality=45&hide_free=1")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // Only alpha (50) and gamma (60) reach an intelligence index of 45.
    assert_eq!(bill_ids(&page), vec!["acme/alpha", "globex/gamma"]);
    assert_eq!(cell(&page, "globex/gamma", "times"), "3.2×"); // 4.50 / 1.40
    // The summary describes the rows kept: alpha is the cheapest of them, and delta
    // ($0.06, no index) is not named because the floor left it out.
    let summary = page.texts("#summary p").join(" ");
    assert!(
        summary.contains(
            "With an intelligence index of at least 45, the cheapest paid model for this \
             workload is Alpha (acme/alpha) at $1.40 a month, $0.0014 per request."
        ),
        "{summary}"
    );
    assert!(!summary.contains("Delta"), "{summary}");
    let left_out = page.texts("details.left-out li").join(" | ");
    assert!(
        left_out.contains("Delta globex/delta — no intelligence index listed"),
        "{left_out}"
    );
    assert!(
        left_out.contains("Beta acme/beta — intelligence index 30.0, under your floor"),
        "{left_out}"
    );
    assert!(
        left_out.contains("acme/alpha:free — free listing (hidden)"),
        "{left_out}"
    );
}

#[tokio::test]
async fn the_summary_says_what_caching_and_batching_save_on_the_cheapest() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=10000&output_tokens=1000\
             &cache_hit=60&cache_write=10&batch=50&ids=acme/alpha",
        )
        .await;
    // Without caching, all on demand: 10M × $1 + 1M × $4 = $14; the bill is $6.575.
    // Caching given batching: $7.50 of list-price input against $3.575 paid = $3.925.
    // Batching given caching: 2 × $4.425 − $6.575 = $2.275.
    let summary = page.texts("#summary p").join(" ");
    assert!(
        summary.contains(
            "On Alpha, caching saves $3.925 a month; batching saves $2.275 a month. Without \
             caching and with every request on demand it would cost $14.00, so you save $7.425 \
             (53 %) in all."
        ),
        "{summary}"
    );
}

#[tokio::test]
async fn monthly_volumes_and_the_ratio_are_derived_from_the_form() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=1000&input_tokens=3000&output_tokens=750")
        .await;
    assert_eq!(page.texts("#monthly-input"), vec!["3,000,000"]);
    assert_eq!(page.texts("#monthly-output"), vec!["750,000"]);
    assert_eq!(page.texts("#io-ratio"), vec!["4:1"]);
    assert_eq!(
        page.texts("#context-needed"),
        vec!["3,750 tokens (one request)"]
    );
    let page = app
        .get("/calculator?requests=10&input_tokens=100&output_tokens=250")
        .await;
    assert_eq!(page.texts("#io-ratio"), vec!["1:2.5"]);
}

#[tokio::test]
async fn models_too_small_for_one_request_are_left_out_whatever_the_minimum() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=10&input_tokens=40000&output_tokens=1000")
        .await;
    let ids = bill_ids(&page);
    for small in ["globex/delta", "initech/zeta", "acme/alpha:free"] {
        assert!(!ids.contains(&small.to_string()), "{small} in {ids:?}");
    }
    let left_out = page.texts("details.left-out li").join(" | ");
    assert!(
        left_out
            .contains("Delta globex/delta — context window 32,000 tokens, under the 41,000 needed"),
        "{left_out}"
    );
    // A minimum below one request cannot let a 32,000-token window take a 41,000-token
    // request; the floor stays at 41,000 and the page says so.
    let page = app
        .get("/calculator?requests=10&input_tokens=40000&output_tokens=1000&min_context=1000")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!bill_ids(&page).contains(&"globex/delta".to_string()));
    assert_eq!(
        page.texts("#context-needed"),
        vec!["41,000 tokens (one request)"]
    );
    // A minimum above one request raises it: 150,000 leaves out beta (128,000) too.
    let page = app
        .get("/calculator?requests=10&input_tokens=40000&output_tokens=1000&min_context=150000")
        .await;
    let ids = bill_ids(&page);
    assert!(!ids.contains(&"acme/beta".to_string()), "{ids:?}");
    assert!(ids.contains(&"acme/alpha".to_string()), "{ids:?}");
}

#[tokio::test]
async fn chosen_aliases_and_batch_listings_are_priced_as_the_model_they_stand_for() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=1000&output_tokens=100\
             &ids=~globex/gamma-latest,acme/alpha:batch,acme/alpha",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["acme/alpha", "globex/gamma"]);
    // The chosen set is kept in the form as typed.
    assert_eq!(
        input_value(&page, "ids"),
        "~globex/gamma-latest,acme/alpha:batch,acme/alpha"
    );
    // Repeating the parameter means the same as a comma-separated list.
    let repeated = app
        .get(
            "/calculator?requests=1000&input_tokens=1000&output_tokens=100\
             &ids=globex/gamma&ids=acme/alpha",
        )
        .await;
    assert_eq!(bill_ids(&repeated), vec!["acme/alpha", "globex/gamma"]);
}

#[tokio::test]
async fn the_export_links_say_what_was_parsed_not_what_was_typed() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1%2C000&input_tokens=1e3&output_tokens=+100\
             &cache_hit=50%25&ids=~globex/gamma-latest&min_quality=10.0&hide_free=1",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // "1,000" and "1e3" are both 1000, "50%" is 50, and the alias is priced as its target.
    let expected = "/calculator?requests=1000&input_tokens=1000&output_tokens=100&cache_hit=50\
                    &ids=globex%2Fgamma&min_quality=10&hide_free=1";
    assert_eq!(
        page.attrs("a[href*='format=csv']", "href"),
        vec![format!("{expected}&format=csv")]
    );
    assert_eq!(
        page.attrs("a[href*='format=json']", "href"),
        vec![format!("{expected}&format=json")]
    );
    // And the export prices the same row as the page.
    let csv = app.get(&format!("{expected}&format=csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("globex/gamma")),
        "{}",
        csv.body
    );
    assert_eq!(bill_ids(&page), vec!["globex/gamma"]);
}

#[tokio::test]
async fn filters_by_author_and_hides_variable_routers() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=1000&output_tokens=100\
             &author=initech&author=router&hide_variable=1",
        )
        .await;
    assert_eq!(bill_ids(&page), vec!["initech/zeta", "initech/epsilon"]);
    assert!(page.texts("ul.unpriced li").is_empty());
    assert_eq!(
        page.attrs("select#author option[selected]", "value"),
        vec!["initech", "router"]
    );
    assert_eq!(
        page.attrs("input[name='hide_variable'][checked]", "value"),
        vec!["1"]
    );
}

#[tokio::test]
async fn csv_starts_with_the_public_columns_and_agrees_with_the_page() {
    let app = TestApp::fixture().await;
    let query = "requests=1000&input_tokens=10000&output_tokens=1000\
                 &cache_hit=60&cache_write=10&batch=50&author=acme";
    let csv = app.get(&format!("/calculator?{query}&format=csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..6],
        [
            "id",
            "name",
            "monthly_cost_usd",
            "cost_per_request_usd",
            "effective_input_per_million_usd",
            "effective_blended_per_million_usd"
        ]
    );
    assert!(header.contains(&"batch_cache_writes_usd"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let alpha = rows.iter().find(|r| r[0] == "acme/alpha").unwrap();
    assert_eq!(
        alpha[1..6],
        ["Alpha", "6.575", "0.006575", "0.3575", "0.5977272727"]
    );
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(alpha[column("batch_cache_writes_quantity")], "500000");
    assert_eq!(
        alpha[column("batch_cache_writes_unit_price_per_million_usd")],
        "0.5"
    );
    assert_eq!(alpha[column("on_demand_part_usd")], "4.425");

    // The CSV holds every row; the page lists the paid ones in the same order and the
    // free ones in their strip.
    let page = app.get(&format!("/calculator?{query}")).await;
    let free = page.attrs("#free-listings li a", "href");
    let csv_paid: Vec<&str> = rows
        .iter()
        .map(|r| r[0])
        .filter(|id| !free.contains(&format!("/models/{id}")))
        .collect();
    assert_eq!(csv_paid, bill_ids(&page), "same models in the same order");
    assert_eq!(free, vec!["/models/acme/alpha:free"]);
    assert_eq!(
        cell(&page, "acme/alpha", "monthly"),
        format!("${}", alpha[2])
    );
    // The page links to the CSV of the same result.
    let href = &page.attrs("p.count a", "href")[0];
    assert!(
        href.contains("format=csv") && href.contains("cache_hit=60"),
        "{href}"
    );
}

#[tokio::test]
async fn json_carries_the_bills_with_their_lines() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=1000&input_tokens=2000&output_tokens=500&reasoning_tokens=1000&ids=initech/epsilon&format=json")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let json = page.json();
    let bill = &json["bills"][0];
    assert_eq!(bill["id"], "initech/epsilon");
    assert_eq!(bill["monthly_cost"], "4.75");
    assert_eq!(bill["lines"].as_array().unwrap().len(), 4);
    assert_eq!(json["inputs"]["requests"], "1000");
}

#[tokio::test]
async fn json_and_csv_round_every_figure_the_same_way() {
    let app = TestApp::fixture().await;
    // initech/zeta's input is $0.08333…/M: 7 one-token requests cost 7 × 0.0000000833…,
    // more decimals than an export keeps (ten places).
    let query = "/calculator?requests=7&input_tokens=1&output_tokens=0&ids=initech/zeta";
    let json = app.get(&format!("{query}&format=json")).await.json();
    let csv = app.get(&format!("{query}&format=csv")).await.body;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    let bill = &json["bills"][0];
    for (csv_name, json_name) in [
        ("monthly_cost_usd", "monthly_cost"),
        ("cost_per_request_usd", "cost_per_request"),
        (
            "effective_input_per_million_usd",
            "effective_input_per_million",
        ),
    ] {
        assert_eq!(bill[json_name], column(csv_name), "{json_name}");
    }
    // 7 × 0.0000000833333… = 0.000000583333…, ten places: 0.0000005833.
    assert_eq!(bill["monthly_cost"], "0.0000005833");
}

#[tokio::test]
async fn with_no_parameters_the_form_shows_the_chat_example_and_its_result() {
    let app = TestApp::fixture().await;
    let page = app.get("/calculator").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(input_value(&page, "requests"), "100000");
    assert_eq!(input_value(&page, "input_tokens"), "2000");
    assert_eq!(input_value(&page, "cache_hit"), "50");
    assert_eq!(input_value(&page, "batch"), "0");
    assert_eq!(
        page.texts("h2#result-title"),
        vec!["Example: a chat assistant"]
    );
    assert!(!bill_ids(&page).is_empty());
    assert_eq!(page.texts("#monthly-input"), vec!["200,000,000"]);
}

#[tokio::test]
async fn every_preset_link_fills_the_form_with_a_valid_workload() {
    let app = TestApp::fixture().await;
    let page = app.get("/calculator").await;
    let links = page.attrs("nav.presets a", "href");
    assert_eq!(links.len(), 4);
    for link in links {
        let url = link.clone();
        let preset = app.get(&url).await;
        assert_eq!(preset.status, StatusCode::OK, "{link}");
        assert!(preset.texts("p.error").is_empty(), "{link}");
        assert_eq!(preset.texts("h2#result-title"), vec!["Your monthly bill"]);
        // Every parameter of the link is back in the form.
        for (key, value) in form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes()) {
            assert_eq!(input_value(&preset, &key), value, "{link}: {key}");
        }
    }
    // The batch preset prices everything through batch listings where they exist.
    let batch = app.get(&page.attrs("nav.presets a", "href")[3]).await;
    assert_eq!(input_value(&batch, "batch"), "100");
    let lines = bill_lines(&app, &batch, "acme/alpha").await;
    assert!(lines.iter().all(|l| l.contains(" batch ")), "{lines:?}");
}

#[tokio::test]
async fn submitted_values_stay_in_the_form() {
    let app = TestApp::fixture().await;
    let page = app
        .get(
            "/calculator?requests=1%2C500&input_tokens=1200.5&output_tokens=300&cache_hit=25\
             &cache_write=5&batch=10&discount=7.5&reasoning_tokens=100&min_quality=20\
             &min_context=5000&ids=acme/beta,globex/delta",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for (name, value) in [
        ("requests", "1,500"),
        ("input_tokens", "1200.5"),
        ("output_tokens", "300"),
        ("cache_hit", "25"),
        ("cache_write", "5"),
        ("batch", "10"),
        ("discount", "7.5"),
        ("reasoning_tokens", "100"),
        ("min_quality", "20"),
        ("min_context", "5000"),
        ("ids", "acme/beta,globex/delta"),
    ] {
        assert_eq!(input_value(&page, name), value, "{name}");
    }
    assert_eq!(page.texts("#monthly-input"), vec!["1,800,750"]);
}

/// (query, field the message must sit next to, words the message must contain).
const BAD_INPUTS: &[(&str, &str, &str)] = &[
    ("requests=lots", "requests", "must be a number"),
    ("requests=-5", "requests", "cannot be negative"),
    ("input_tokens=NaN", "input_tokens", "must be a number"),
    ("output_tokens=inf", "output_tokens", "must be a number"),
    (
        "reasoning_tokens=-1",
        "reasoning_tokens",
        "cannot be negative",
    ),
    ("cache_hit=120", "cache_hit", "at most 100"),
    ("cache_hit=12%2C5", "cache_hit", "use a dot for decimals"),
    ("batch=100.01", "batch", "at most 100"),
    ("discount=-3", "discount", "cannot be negative"),
    (
        "cache_hit=70&cache_write=40",
        "cache_write",
        "more than 100 %",
    ),
    ("requests=1e13", "requests", "at most 1,000,000,000,000"),
    (
        "requests=99999999999999999999999999999999999",
        "requests",
        "at most 1,000,000,000,000",
    ),
    (
        "input_tokens=100000001",
        "input_tokens",
        "at most 100,000,000",
    ),
    // A blank request count is the default volume (issue 25, item 12); a blank size is not.
    (
        "input_tokens=",
        "input_tokens",
        "Enter the input tokens per request",
    ),
    ("min_quality=101", "min_quality", "at most 100"),
    ("min_context=-1", "min_context", "cannot be negative"),
    ("author=nobody", "author", "No author is called “nobody”"),
    ("format=xml", "format", "html, csv or json"),
    (
        "ids=acme/alpha,nope/missing,other/absent",
        "ids",
        "“nope/missing”, “other/absent”",
    ),
];

#[tokio::test]
async fn each_bad_input_is_a_400_with_its_message_next_to_its_field() {
    let app = TestApp::fixture().await;
    let base = [
        ("requests", "1000"),
        ("input_tokens", "800"),
        ("output_tokens", "200"),
    ];
    for (bad, field, words) in BAD_INPUTS {
        let overridden: Vec<&str> = bad
            .split('&')
            .map(|pair| pair.split('=').next().unwrap())
            .collect();
        let mut query: Vec<String> = base
            .iter()
            .filter(|(k, _)| !overridden.contains(k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.push(bad.to_string());
        let url = format!("/calculator?{}", query.join("&"));
        let mut page = app.get(&url).await;
        if bad.ends_with('=') {
            // A blank field is redirected out of the URL first (issue 15: a shared URL
            // carries only the fields set); the page it lands on still names what is missing.
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{url}");
            let location = page.headers["location"].to_str().unwrap().to_string();
            page = app.get(&location).await;
        }
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}");
        let message = page.texts(&format!("form.calc #{field}-error"));
        assert_eq!(message.len(), 1, "{url}: no message by {field}");
        assert!(message[0].contains(words), "{url}: {message:?}");
        // The message sits inside the field's own box, and the field is marked invalid.
        assert!(error_sits_beside_its_field(&page, field), "{url}");
        assert_eq!(
            page.attrs(&format!("#{field}"), "aria-invalid"),
            vec!["true"],
            "{url}"
        );
        // No result is shown for a form that needs fixing.
        assert!(bill_ids(&page).is_empty(), "{url}");
        // The other values are kept.
        for (k, v) in base.iter().filter(|(k, _)| !overridden.contains(k)) {
            assert_eq!(input_value(&page, k), *v, "{url}: {k}");
        }
    }
}

#[tokio::test]
async fn bad_values_are_kept_as_typed_so_they_can_be_fixed() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=12abc&input_tokens=800&output_tokens=200&cache_hit=20")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(input_value(&page, "requests"), "12abc");
    assert_eq!(input_value(&page, "cache_hit"), "20");
    assert_eq!(page.texts("p[role=alert]").len(), 1);
}

#[tokio::test]
async fn unknown_ids_are_named_and_the_csv_refuses_them_too() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=10&input_tokens=10&output_tokens=10&ids=acme/omega")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("#ids-error")[0].contains("“acme/omega”"));
    let csv = app
        .get("/calculator?requests=10&input_tokens=10&output_tokens=10&ids=acme/omega&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
    assert!(csv.body.contains("acme/omega"), "{}", csv.body);
    let json = app
        .get("/calculator?requests=10&input_tokens=10&output_tokens=10&ids=acme/omega&format=json")
        .await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST);
    // The one JSON error shape (it was `{"errors": [{"field", "message"}]}` here alone).
    let problem = &json.json()["error"];
    assert_eq!(problem["status"], 400);
    assert!(
        problem["fields"]["ids"]
            .as_str()
            .unwrap()
            .contains("acme/omega")
    );
}

#[tokio::test]
async fn a_very_long_query_is_refused_with_a_414_page_saying_what_to_fix() {
    let app = TestApp::fixture().await;
    let ids = vec!["acme/alpha"; 1000].join(",");
    let page = app
        .get(&format!(
            "/calculator?requests=1000&input_tokens=800&output_tokens=200&ids={ids}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::URI_TOO_LONG);
    assert!(page.texts("main p.lead")[0].contains("too long"));
    // The site keeps answering normally.
    let page = app
        .get("/calculator?requests=1000&input_tokens=800&output_tokens=200")
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn the_largest_allowed_workload_is_priced_without_overflow() {
    let app = TestApp::fixture().await;
    // The most requests allowed, each filling gamma's whole 1,000,000-token window.
    let page = app
        .get(
            "/calculator?requests=1000000000000&input_tokens=500000&output_tokens=250000\
             &reasoning_tokens=250000&cache_hit=50&cache_write=50&batch=100&ids=globex/gamma",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // All of it on gamma's batch listing at its long-context tier ($3 in, $11.25 out, base
    // cache reads $0.15, no cache-write price so writes at $3): 5 × 10^17 input tokens,
    // 2.5 × 10^17 reads × $0.15/M = $37.5 bn, 2.5 × 10^17 writes × $3/M = $750 bn,
    // 2.5 × 10^17 output and as many reasoning tokens × $11.25/M = $2,812.5 bn each.
    assert_eq!(
        cell(&page, "globex/gamma", "monthly"),
        "$6,412,500,000,000.00"
    );
}

#[tokio::test]
async fn the_bill_page_refuses_a_data_format_instead_of_answering_html() {
    let app = TestApp::fixture().await;
    let base = "/calculator/bill?requests=1000&input_tokens=10000&output_tokens=1000&id=acme/alpha";
    assert_eq!(app.get(base).await.status, StatusCode::OK);
    for format in ["json", "csv"] {
        let page = app.get(&format!("{base}&format={format}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "format={format}");
        assert!(
            page.body.contains("format=csv or format=json"),
            "format={format}: {}",
            page.body
        );
    }
}

// Rows that must not say more than the listing does: a music model is not free, a batch
// listing that costs more or cannot hold a request is not used, a context minimum never lowers
// the floor, nothing is billed for no requests, and the summary keeps to the quality floor.

#[tokio::test]
async fn a_music_model_with_zero_token_prices_is_not_priced_per_token_and_never_free() {
    let app = TestApp::with_catalogue(&fixture_with_music(), "2026-08-08").await;

    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!bill_ids(&page).contains(&"tunes/song-1".to_string()));
    let unpriced = page.texts("ul.unpriced li").join(" | ");
    assert!(
        unpriced.contains("Song 1 tunes/song-1 — not priced per token"),
        "{unpriced}"
    );
    // Only acme/alpha:free is free; the music model is not counted with it.
    let summary = page.texts("#summary p").join(" ");
    assert!(
        summary.contains("1 free listing costs nothing"),
        "{summary}"
    );

    let model = app.get("/models/tunes/song-1").await;
    assert_eq!(model.status, StatusCode::OK);
    let badges = model.texts(".model-id .badge");
    assert!(
        badges.contains(&"not priced per token".to_string()),
        "{badges:?}"
    );
    assert!(!badges.contains(&"free".to_string()), "{badges:?}");

    // Not free on /models either: "only free" leaves it out, and its cells say why.
    let rows = |page: &TestResponse| page.texts("table.prices tbody tr");
    let free_only = rows(&app.get("/models?free=only").await);
    assert!(!free_only.is_empty());
    assert!(
        free_only.iter().all(|r| !r.contains("tunes/song-1")),
        "{free_only:?}"
    );
    let all = rows(&app.get("/models").await);
    let song = all
        .iter()
        .find(|r| r.contains("tunes/song-1"))
        .expect("listed on /models");
    assert!(song.contains("not priced per token"), "{song}");
    assert!(!song.contains("$0"), "{song}");

    // The ranking lists it apart under its own heading, not as free.
    let ranking = app.get("/ranking?format=json").await;
    let json: serde_json::Value = serde_json::from_str(&ranking.body).unwrap();
    let excluded = json["excluded"].as_array().unwrap();
    let song = excluded
        .iter()
        .find(|e| e["id"] == "tunes/song-1")
        .expect("the music model is listed apart");
    assert_eq!(song["reason"], "not_per_token", "{song}");
}

#[tokio::test]
async fn a_batch_listing_dearer_than_on_demand_is_not_used_and_the_bill_says_why() {
    // acme/alpha:batch at $1.50 in and $5 out, against alpha's $1 and $4 on demand.
    let dearer = FIXTURE.replace(
        "\"pricing\": {\"prompt\": \"0.0000005\", \"completion\": \"0.000002\", \"input_cache_read\": \"0.00000005\"}",
        "\"pricing\": {\"prompt\": \"0.0000015\", \"completion\": \"0.000005\", \"input_cache_read\": \"0.00000005\"}",
    );
    assert_ne!(dearer, FIXTURE);
    let app = TestApp::with_catalogue(&dearer, "2026-08-08").await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=1000&output_tokens=100&batch=30&ids=acme/alpha",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // All on demand: 1M × $1 + 0.1M × $4 = $1.40 (on the batch listing the 30 % would
    // have cost 0.3M × $1.50 + 0.03M × $5 = $0.60 against $0.42 on demand).
    assert_eq!(cell(&page, "acme/alpha", "monthly"), "$1.40");
    let bill = bill_page(&app, &page, "acme/alpha").await;
    let notes = bill.texts("ul.notes li").join(" | ");
    assert!(
        notes.contains("the batch listing costs no less than on demand for this workload"),
        "{notes}"
    );
    let summary = page.texts("#summary p").join(" ");
    assert!(!summary.contains("batching adds"), "{summary}");
    assert!(
        summary.contains("batching saves nothing: its batch listing is no cheaper"),
        "{summary}"
    );
    let lines = bill.texts("table.itemised tbody tr td:nth-child(2)");
    assert!(lines.iter().all(|part| part == "on demand"), "{lines:?}");

    // The model page no longer says "for work that can wait" of a dearer listing.
    let note = app
        .get("/models/acme/alpha")
        .await
        .texts(".batch-note")
        .join("");
    assert!(!note.contains("can wait"), "{note}");
    assert!(note.contains("does not save"), "{note}");
}

#[tokio::test]
async fn a_batch_listing_whose_window_cannot_hold_the_request_is_not_used() {
    // Give acme/alpha:batch an 8,000-token window; alpha itself keeps 200,000.
    let small = FIXTURE.replacen(
        "{\"id\": \"acme/alpha:batch\", \"name\": \"Acme: Alpha (batch)\", \"context_length\": 200000,",
        "{\"id\": \"acme/alpha:batch\", \"name\": \"Acme: Alpha (batch)\", \"context_length\": 8000,",
        1,
    );
    assert_ne!(small, FIXTURE);
    let app = TestApp::with_catalogue(&small, "2026-08-08").await;
    let page = app
        .get("/calculator?requests=100&input_tokens=10000&output_tokens=1000&batch=50&ids=acme/alpha")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // One request is 11,000 tokens, over the batch window: all on demand,
    // 1M × $1 + 0.1M × $4 = $1.40.
    assert_eq!(cell(&page, "acme/alpha", "monthly"), "$1.40");
    let notes = bill_page(&app, &page, "acme/alpha")
        .await
        .texts("ul.notes li")
        .join(" | ");
    assert!(
        notes.contains(
            "the batch listing's context window (8,000 tokens) cannot hold one request \
             (11,000 tokens)"
        ),
        "{notes}"
    );
    // With requests that fit, the batch listing takes its share: 8,000-token window,
    // 5,000 + 1,000 per request. Half on demand: 0.25M × $1 + 0.05M × $4 = $0.45;
    // half batch: 0.25M × $0.50 + 0.05M × $2 = $0.225. Total $0.675.
    let page = app
        .get(
            "/calculator?requests=100&input_tokens=5000&output_tokens=1000&batch=50&ids=acme/alpha",
        )
        .await;
    assert_eq!(cell(&page, "acme/alpha", "monthly"), "$0.675");
}

#[tokio::test]
async fn a_context_minimum_below_one_request_does_not_lower_the_floor() {
    let app = TestApp::fixture().await;
    // One request: 300,000 + 1,000 tokens. Only gamma (1,000,000) and the router
    // (2,000,000, unpriceable) have room; min_context=1000 must not let alpha
    // (200,000) or beta (128,000) in.
    let page = app
        .get("/calculator?requests=10&input_tokens=300000&output_tokens=1000&min_context=1000")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["globex/gamma"]);
    let left_out = page.texts("details.left-out li").join(" | ");
    assert!(
        left_out
            .contains("Alpha acme/alpha — context window 200,000 tokens, under the 301,000 needed"),
        "{left_out}"
    );
}

#[tokio::test]
async fn no_requests_or_a_whole_discount_is_refused_rather_than_called_free() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=0&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.texts("#requests-error"),
        vec!["Requests per month must be at least 1."]
    );
    assert!(page.texts("td.times").is_empty());

    let page = app
        .get("/calculator?requests=10&input_tokens=1000&output_tokens=100&discount=100")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let error = page.texts("#discount-error").concat();
    assert!(error.contains("enter less than 100 %"), "{error}");

    // The exports refuse them in the one error shape too.
    let csv = app
        .get("/calculator?requests=0&input_tokens=1000&output_tokens=100&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_summary_under_a_quality_floor_names_only_rows_above_it() {
    let app = TestApp::fixture().await;
    // Floor 55: only gamma (60) is kept; alpha:free (50) and delta (no index) are not.
    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100&min_quality=55")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["globex/gamma"]);
    let summary = page.texts("#summary p").join(" ");
    // Gamma: 1M × $3 + 0.1M × $15 = $4.50.
    assert!(
        summary.contains(
            "With an intelligence index of at least 55, the cheapest paid model for this \
             workload is Gamma (globex/gamma) at $4.50 a month"
        ),
        "{summary}"
    );
    assert!(!summary.contains("free listing"), "{summary}");
    assert!(!summary.contains("Delta"), "{summary}");
    assert!(!summary.contains("the cheapest."), "{summary}");
}

/// Issue 25, item 10: every count field reads `2M`, `1.5k` and `2,000,000` alike, exactly,
/// and says so beside itself.
#[tokio::test]
async fn count_fields_read_2m_and_1_5k_like_the_numbers_written_out() {
    let app = TestApp::fixture().await;
    let long = app
        .get("/calculator?requests=2000000&input_tokens=1500&output_tokens=2000&min_context=128000")
        .await;
    assert_eq!(long.status, StatusCode::OK);
    for short in [
        "/calculator?requests=2M&input_tokens=1.5k&output_tokens=2%2C000&min_context=128k",
        "/calculator?requests=2%2C000%2C000&input_tokens=1.5K&output_tokens=2k&min_context=0.128M",
    ] {
        let page = app.get(short).await;
        assert_eq!(page.status, StatusCode::OK, "{short}");
        // 2,000,000 requests × 1,500 input tokens = 3,000,000,000.
        assert_eq!(
            page.texts("#monthly-input"),
            vec!["3,000,000,000"],
            "{short}"
        );
        assert_eq!(bill_ids(&page), bill_ids(&long), "{short}");
        assert_eq!(
            page.texts("tr.bill td.monthly"),
            long.texts("tr.bill td.monthly"),
            "{short}"
        );
    }
    for field in [
        "requests",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
    ] {
        let hint = long.texts(&format!("#{field}-hint")).join(" ");
        assert!(
            hint.contains("2M, 1.5k and 2,000,000 all read"),
            "{field}: {hint}"
        );
    }
    assert!(long.texts("#min_context-hint").join(" ").contains("128k"));
}

/// Issue 25, item 12: a link naming models and sizes but no volume prices the default
/// volume and says so in the answer, instead of refusing with a 400.
#[tokio::test]
async fn a_link_with_models_and_sizes_but_no_volume_prices_the_default_volume_and_says_so() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?ids=acme/alpha,globex/gamma&input_tokens=3000&output_tokens=1000")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let notice = page.texts("#default-requests").join(" ");
    assert!(notice.contains("100,000 requests a month"), "{notice}");
    assert_eq!(input_value(&page, "requests"), "100000");
    // 100,000 × 3,000 input tokens.
    assert_eq!(page.texts("#monthly-input"), vec!["300,000,000"]);
    assert_eq!(bill_ids(&page), vec!["acme/alpha", "globex/gamma"]);
    // A workload that gives its volume says nothing of the kind.
    let given = app
        .get("/calculator?requests=5&input_tokens=3000&output_tokens=1000")
        .await;
    assert!(given.texts("#default-requests").is_empty());
}
