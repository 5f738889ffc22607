//! `/compare`: up to six models side by side on the fixture catalogue, with the example
//! workload's bills worked out by hand, its calculator link, and the ids it refuses.

use crate::common::{TestApp, TestResponse};
use axum::http::StatusCode;

fn column_names(page: &TestResponse) -> Vec<String> {
    page.texts("table.compare thead th small")
}

fn row_cells(page: &TestResponse, label: &str) -> Vec<String> {
    let html = page.html();
    let rows = scraper::Selector::parse("table.compare tbody tr").unwrap();
    let th = scraper::Selector::parse("th").unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    let text = |e: scraper::ElementRef<'_>| {
        e.text()
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    html.select(&rows)
        .find(|r| r.select(&th).next().is_some_and(|h| text(h) == label))
        .map(|r| r.select(&td).map(text).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn compare_puts_two_models_side_by_side_with_the_example_workload() {
    let app = TestApp::fixture().await;
    let page = app.get("/compare?ids=acme/alpha,acme/beta").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(column_names(&page), vec!["acme/alpha", "acme/beta"]);
    assert_eq!(row_cells(&page, "Input $/M"), vec!["$1.00", "$0.20 best"]);
    assert_eq!(row_cells(&page, "Cache read $/M"), vec!["$0.10", "—"]);
    assert_eq!(
        row_cells(&page, "Intelligence index"),
        vec!["50.0 best", "30.0"]
    );
    // 100,000 × (2,000 × $1/M + 500 × $4/M) = $400; beta: 100,000 × (2,000 × $0.20/M + 500 × $0.80/M) = $80.
    // Without endpoints or official lists, the routed price is each model's one seller.
    assert_eq!(
        row_cells(&page, "Monthly cost"),
        vec![
            "$400.00 at OpenRouter (routed)",
            "$80.00 best at OpenRouter (routed)"
        ]
    );
    assert_eq!(
        row_cells(&page, "Monthly cost, routed price"),
        vec!["$400.00", "$80.00 best"]
    );
    assert_eq!(
        row_cells(&page, "Cost per request"),
        vec!["$0.004", "$0.0008"]
    );
    let batch = row_cells(&page, "Batch listing $/M");
    // The batch listing halves output too, and the note says so.
    assert_eq!(batch[0], "$0.50 in / $2.00 out 50% off input and output");
    assert_eq!(batch[1], "no batch listing");
    assert_eq!(
        row_cells(&page, "Free variant"),
        vec!["acme/alpha:free", "none"]
    );
    let calc = page.attrs("a.calc-link", "href");
    assert_eq!(
        calc,
        vec![
            "/calculator?requests=100000&input_tokens=2000&output_tokens=500&ids=acme%2Falpha%2Cacme%2Fbeta&sellers=all"
        ]
    );
    // The sellers are shown once, compactly: one line per model, without an endpoints pass
    // the routed price alone.
    assert_eq!(
        page.attrs(".compare-sellers-table tbody tr", "data-id"),
        ["acme/alpha", "acme/beta"]
    );
    assert_eq!(
        page.texts(".compare-sellers-table td.every"),
        ["all 1 priced", "all 1 priced"]
    );
    assert_eq!(page.texts("section.providers").len(), 0);
}

#[tokio::test]
async fn compares_calculator_link_keeps_a_batch_listing_as_its_own_bill() {
    // Issue 16: the link used to drop acme/alpha:batch, and the calculator folded it into
    // acme/alpha anyway, so two columns here became one bill there.
    let app = TestApp::fixture().await;
    let page = app.get("/compare?ids=acme/alpha,acme/alpha:batch").await;
    assert_eq!(page.status, StatusCode::OK);
    // alpha: 100,000 × (2,000 × $1/M + 500 × $4/M) = $400; its batch listing at
    // $0.50/$2: 100,000 × (2,000 × $0.50/M + 500 × $2/M) = $200.
    assert_eq!(
        row_cells(&page, "Monthly cost, routed price"),
        vec!["$400.00", "$200.00 best"]
    );
    let calc = page.attrs("a.calc-link", "href");
    assert_eq!(calc.len(), 1);
    let calculator = app.get(&calc[0]).await;
    assert_eq!(calculator.status, StatusCode::OK, "{}", calc[0]);
    assert_eq!(
        calculator.attrs("table.bills tr.bill", "data-id"),
        vec!["acme/alpha:batch", "acme/alpha"]
    );
    let monthly = |id: &str| calculator.texts(&format!("tr.bill[data-id='{id}'] td.monthly"));
    assert_eq!(monthly("acme/alpha:batch"), vec!["$200.00"]);
    assert_eq!(monthly("acme/alpha"), vec!["$400.00"]);
    // The batch row's itemised bill keeps it as a row of its own.
    let bill = calculator.attrs("tr.bill[data-id='acme/alpha:batch'] td.bill-link a", "href");
    assert_eq!(bill.len(), 1);
    assert_eq!(
        app.get(&bill[0]).await.status,
        StatusCode::OK,
        "{}",
        bill[0]
    );
}

#[tokio::test]
async fn compare_fits_six_models_and_marks_the_cheapest_bill() {
    let app = TestApp::fixture().await;
    let ids = "acme/alpha,acme/beta,globex/gamma,globex/delta,initech/epsilon,initech/zeta";
    let page = app.get(&format!("/compare?ids={ids}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(column_names(&page).len(), 6);
    // epsilon: 100,000 × (2,000 × $0.50/M + 500 × $1.50/M + $0.001 per request) = $275;
    // zeta: 100,000 × (2,000 × $0.0833…/M + 500 × $0.25/M) = $29.1666… → $29.17.
    assert_eq!(
        row_cells(&page, "Monthly cost, routed price"),
        vec![
            "$400.00",
            "$80.00",
            "$1,350.00",
            "$15.00 best",
            "$275.00",
            "$29.17"
        ]
    );
    assert_eq!(
        row_cells(&page, "Long-context tiers")[2],
        "prompts ≥ 200K: $6.00 in / $22.50 out"
    );
    // epsilon's per-request fee is its own row, per request rather than per million.
    assert_eq!(
        row_cells(&page, "Per request"),
        vec!["—", "—", "—", "—", "$0.001", "—"]
    );
    assert_eq!(row_cells(&page, "Cost per request")[4], "$0.00275");
    assert!(!page.body.contains("<script>alert"));
}

#[tokio::test]
async fn compare_accepts_ids_repeated_as_the_catalogue_form_sends_them() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/compare?ids=globex%2Fdelta&ids=initech%2Fzeta")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(column_names(&page), vec!["globex/delta", "initech/zeta"]);
    let models = app.get("/models").await;
    assert_eq!(models.attrs("form#compare", "method"), vec!["get"]);
    assert_eq!(models.attrs("form#compare", "action"), vec!["/compare"]);
    let boxes = models.attrs("input[type=checkbox][form=compare][name=ids]", "value");
    assert!(boxes.contains(&"acme/alpha".to_string()), "{boxes:?}");
    assert!(!boxes.iter().any(|b| b.contains(":batch")));
}

#[tokio::test]
async fn compare_refuses_one_or_seven_models_or_an_unknown_id_and_names_them() {
    let app = TestApp::fixture().await;
    let cases = [
        ("acme/alpha", vec!["at least 2", "“acme/alpha”"]),
        ("acme/alpha,acme/alpha", vec!["got 1"]),
        (
            "acme/alpha,acme/beta,globex/gamma,globex/delta,initech/epsilon,initech/zeta,router/auto",
            vec!["At most 6", "got 7", "“router/auto”"],
        ),
        (
            "acme/alpha,nope/nothing",
            vec!["No model has the id “nope/nothing”"],
        ),
        ("acme/alpha,../etc", vec!["Not a model id: “../etc”"]),
    ];
    for (ids, needles) in cases {
        let page = app
            .get(&format!("/compare?ids={}", ids.replace('/', "%2F")))
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{ids}");
        let error = page.texts("#ids-error").join(" ");
        for needle in needles {
            assert!(error.contains(needle), "{ids}: {error}");
        }
        assert_eq!(page.attrs("#ids", "aria-invalid"), vec!["true"], "{ids}");
        assert!(page.texts("table.compare").is_empty(), "{ids}");
    }
    // An unknown id comes with close matches.
    let page = app.get("/compare?ids=acme/alpha,acme/betta").await;
    assert!(
        page.attrs("ul.suggestions a", "href")
            .contains(&"/models/acme/beta".to_string())
    );
    // No ids at all is the empty form, not an error.
    assert_eq!(app.get("/compare").await.status, StatusCode::OK);
}

/// Issue 25, item 9: `ids` reads what `/models?q=` reads: `Alpha`, `gamma` and `acme beta`
/// are those models (the canonical link names their ids); a name that could be several
/// models is a 400 offering each, its link putting that model in the comparison.
#[tokio::test]
async fn compare_reads_model_names_as_the_search_does_and_asks_when_ambiguous() {
    let app = TestApp::fixture().await;
    let page = app.get("/compare?ids=Alpha,gamma,acme+beta").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        column_names(&page),
        vec!["acme/alpha", "globex/gamma", "acme/beta"]
    );
    let note = page.texts("#read-as").join(" ");
    assert!(note.contains("“gamma” as globex/gamma"), "{note}");
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        vec!["http://127.0.0.1:3000/compare?ids=acme%2Falpha%2Cglobex%2Fgamma%2Cacme%2Fbeta"]
    );
    // A name and the id it stands for are one model.
    let once = app.get("/compare?ids=gamma,globex/gamma,acme/beta").await;
    assert_eq!(column_names(&once), vec!["globex/gamma", "acme/beta"]);

    let page = app.get("/compare?ids=acme,globex/gamma").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let error = page.texts("#ids-error").join(" ");
    assert!(error.contains("“acme” could be any of"), "{error}");
    assert!(!error.contains("Not a model id"), "{error}");
    let choices = page.attrs("section.choices a", "href");
    for id in ["acme%2Falpha", "acme%2Fbeta"] {
        let href = format!("/compare?ids={id}%2Cglobex%2Fgamma");
        assert!(choices.contains(&href), "{href} not in {choices:?}");
    }
}
