//! Flows 1–5 of issue 9: what a person does on the site, asserting what the page shows.
//! Expected figures are worked out by hand from `tests/fixtures/catalogue.json` (and the older
//! listing and provider lists in `env.rs`).

use anyhow::{Context, Result, ensure};
use thirtyfour::prelude::*;

use crate::env::{Device, SharedEnv};

/// "$1,234.50" → 1234.5 (for comparing orders; exact figures are compared as text).
fn dollars(text: &str) -> Result<f64> {
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    cleaned
        .parse()
        .with_context(|| format!("{text:?} is not a price"))
}

/// Flow 1: Home → catalogue → filter by author and maximum input price → sort by output price; the
/// rows match, and the address reproduces the view in a fresh browser.
pub async fn catalogue_filters_sort_and_shares_its_url(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Desktop).await?;
    s.open(&env, "/").await?;
    s.find(".entry-points a[href='/models']")
        .await?
        .click()
        .await?;
    s.wait_for_url("the catalogue", |u| u.path() == "/models")
        .await?;
    // 12 listings, 7 base models: variants (:batch, :free, -fast, ~…-latest) sit in their row.
    let everything = s.find_all("table.prices tbody tr").await?.len();
    ensure!(
        everything == 7,
        "the unfiltered catalogue shows {everything} rows"
    );

    // Two authors in the multiple select (click, then Ctrl+click), and a price ceiling.
    s.find("#author option[value='acme']")
        .await?
        .click()
        .await?;
    let globex = s.find("#author option[value='globex']").await?;
    s.driver
        .action_chain()
        .key_down(Key::Control)
        .click_element(&globex)
        .key_up(Key::Control)
        .perform()
        .await?;
    s.type_into("#max_input", "2").await?;
    s.find("form.filters button[type=submit]")
        .await?
        .click()
        .await?;
    s.wait_for_url("the filtered catalogue", |u| {
        u.query().is_some_and(|q| q.contains("max_input=2"))
    })
    .await?;

    s.driver
        .find(By::LinkText("Output $/M"))
        .await?
        .click()
        .await?;
    s.wait_for_url("the catalogue sorted by output", |u| {
        u.query().is_some_and(|q| q.contains("sort=output"))
    })
    .await?;

    // acme/alpha $1 in / $4 out, acme/beta $0.20 / $0.80, globex/delta $0.05 / $0.10; globex/gamma
    // ($3 in) is over the ceiling and initech's models are another author.
    let expected = ["globex/delta", "acme/beta", "acme/alpha"];
    let ids = s
        .attrs("table.prices tbody tr th input[name=ids]", "value")
        .await?;
    ensure!(ids == expected, "rows {ids:?}, expected {expected:?}");
    let authors = s.texts("table.prices tbody tr td:nth-of-type(1)").await?;
    ensure!(
        authors.iter().all(|a| a == "acme" || a == "globex"),
        "authors shown: {authors:?}"
    );
    let inputs = s.texts("table.prices tbody tr td:nth-of-type(2)").await?;
    for input in &inputs {
        ensure!(
            dollars(input)? <= 2.0,
            "input price {input} is over the $2 ceiling"
        );
    }
    let outputs = s.texts("table.prices tbody tr td:nth-of-type(3)").await?;
    ensure!(
        outputs == ["$0.10", "$0.80", "$4.00"],
        "output prices shown: {outputs:?}"
    );
    let sorted = s
        .attrs("table.prices th[aria-sort='ascending']", "aria-sort")
        .await?;
    ensure!(
        sorted.len() == 1,
        "one column is marked as sorted ascending"
    );
    ensure!(
        s.text("table.prices th[aria-sort='ascending']").await? == "Output $/M",
        "the output column is the one marked sorted"
    );
    // The form still shows what was chosen.
    ensure!(
        s.find("#author option[value='acme']")
            .await?
            .is_selected()
            .await?
    );
    ensure!(
        s.find("#author option[value='globex']")
            .await?
            .is_selected()
            .await?
    );
    ensure!(s.find("#max_input").await?.value().await?.as_deref() == Some("2"));

    // The address alone reproduces the view.
    let shared = s.path_and_query().await?;
    s.assert_clean_console(&shared).await?;
    s.quit().await?;
    let fresh = env.session(Device::Desktop).await?;
    fresh.open(&env, &shared).await?;
    let again = fresh
        .attrs("table.prices tbody tr th input[name=ids]", "value")
        .await?;
    ensure!(
        again == expected,
        "{shared} opened fresh shows {again:?}, expected {expected:?}"
    );
    ensure!(
        fresh.find("#max_input").await?.value().await?.as_deref() == Some("2"),
        "the fresh page keeps the ceiling in its form"
    );
    fresh.quit().await?;
    Ok(())
}

/// Flow 2: Catalogue → a model page: prices, tiers, variants, providers and the history chart show.
pub async fn model_page_shows_prices_tiers_variants_providers_and_history(
    env: SharedEnv,
) -> Result<()> {
    let s = env.session(Device::Desktop).await?;
    s.open(&env, "/models").await?;
    s.find("table.prices a[href='/models/globex/gamma']")
        .await?
        .click()
        .await?;
    s.wait_for_url("Gamma's page", |u| u.path() == "/models/globex/gamma")
        .await?;

    ensure!(s.text("h1").await? == "Gamma");
    ensure!(s.text("#headline-input").await? == "$3.00");
    ensure!(s.text("#headline-output").await? == "$15.00");

    // Every price component, per million (web search per search).
    for (key, shown) in [
        ("prompt", "$3.00"),
        ("completion", "$15.00"),
        ("input_cache_read", "$0.30"),
        ("input_cache_write", "$3.75"),
        ("web_search", "$0.01"),
    ] {
        let row = s
            .find(&format!("table.model-prices tr[data-key='{key}']"))
            .await?;
        ensure!(row.is_displayed().await?, "the {key} row is visible");
        let amount = collapse(&row.find(By::Css(".amount")).await?.text().await?);
        ensure!(
            amount.starts_with(shown),
            "{key} shows {amount:?}, expected {shown}"
        );
    }

    // The long-context tier: a prompt of 200k tokens or more pays $6 in and $22.50 out.
    let tier_rows = s.find_all("table.tiers tbody tr").await?;
    ensure!(tier_rows.len() == 2, "two tier rows");
    let long = collapse(&tier_rows[1].text().await?);
    ensure!(
        long.contains("200,000") && long.contains("$6.00") && long.contains("$22.50"),
        "long-context row reads {long:?}"
    );

    // Variants: the batch listing at half price and the alias.
    let variants = s.attrs("table.variants tbody tr", "data-id").await?;
    for id in ["globex/gamma:batch", "~globex/gamma-latest"] {
        ensure!(
            variants.iter().any(|v| v == id),
            "{id} missing from {variants:?}"
        );
    }
    let batch = s
        .text("table.variants tr[data-id='globex/gamma:batch'] .versus")
        .await?;
    ensure!(batch == "−50%", "batch listing versus base: {batch}");

    // Providers from the (fake) endpoints API, cheapest first by a 3:1 blend:
    // Cloudco (3×2.5+12.5)/4 = $5.00, Globex $6.00, Fastco (3×4+20)/4 = $8.00.
    let providers = s
        .texts("table.sellers-table tr[data-kind='routed-provider'] th")
        .await?;
    ensure!(providers.len() == 3, "provider rows: {providers:?}");
    for (row, name) in providers.iter().zip(["Cloudco", "Globex", "Fastco"]) {
        ensure!(row.starts_with(name), "providers in order: {providers:?}");
    }
    ensure!(providers[0].contains("cheapest"), "the cheapest is marked");
    let blends = s
        .texts("table.sellers-table tr[data-kind='routed-provider'] td.vs-routed .blend")
        .await?;
    ensure!(
        blends == ["$5.00", "$6.00", "$8.00"],
        "provider blends {blends:?}"
    );
    ensure!(
        s.find("table.sellers-table").await?.is_displayed().await?,
        "the sellers table is visible"
    );
    // The routed price's row sits in the same columns as the providers' rows.
    let misaligned = s.misaligned_tables().await?;
    ensure!(misaligned.is_empty(), "tables out of line: {misaligned:?}");

    // Price history: Gamma's input went from $3.50 to $3.00; the step chart is drawn.
    let history = s
        .find("section.history, #history")
        .await
        .context("the model page has a price history section")?;
    ensure!(history.is_displayed().await?);
    let svg = history
        .find(By::Css("svg"))
        .await
        .context("the history section draws a chart")?;
    let rect = svg.rect().await?;
    ensure!(
        rect.width > 100.0 && rect.height > 50.0,
        "history chart is {}×{} px",
        rect.width,
        rect.height
    );
    let history_text = collapse(&history.text().await?);
    ensure!(
        history_text.contains("$3.50") && history_text.contains("$3.00"),
        "history mentions the old and new input price: {history_text:?}"
    );

    s.assert_clean_console("/models/globex/gamma").await?;
    s.quit().await?;
    Ok(())
}

/// Flow 3b: on a 390 px phone, a submitted workload's answer (the cheapest paid model and its
/// monthly cost) is on the first screen, above the table and the form.
pub async fn calculator_answer_is_on_a_phones_first_screen(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    s.open(&env, "/calculator").await?;
    s.type_into("#requests", "100000").await?;
    s.type_into("#input_tokens", "2000").await?;
    let output = s.type_into("#output_tokens", "500").await?;
    output.send_keys(Key::Enter).await?;
    s.wait_for_url("the calculator's result", |u| {
        u.query().is_some_and(|q| q.contains("output_tokens=500"))
    })
    .await?;
    // Delta: 200M × $0.05/M + 50M × $0.10/M = $15.00, the cheapest paid model.
    let answer = collapse(&s.text("#summary p").await?);
    ensure!(
        answer.starts_with("The cheapest paid model for this workload is Delta")
            && answer.contains("$15.00 a month"),
        "the answer: {answer:?}"
    );
    // Its first sentence lies wholly inside the first screen, without scrolling.
    answer_is_on_the_first_screen(&s, 1, "#workload").await?;

    // Priced at every seller, the answer names the seller, and it too is on the first screen.
    s.open(
        &env,
        "/calculator?requests=100000&input_tokens=2000&output_tokens=500&sellers=all",
    )
    .await?;
    let answer = collapse(&s.text("#summary p").await?);
    ensure!(
        answer.starts_with("Cheapest for this workload: ")
            && answer.contains(" at ")
            && answer.contains(" a month"),
        "the answer at every seller names its seller: {answer:?}"
    );
    answer_is_on_the_first_screen(&s, 1, "#workload").await?;
    s.assert_clean_console("/calculator (phone)").await?;
    s.quit().await?;
    Ok(())
}

/// The answer's first `paragraphs` paragraphs (`#summary p`) lie wholly inside a phone's
/// first screen, above the form `form` (a CSS selector): the calculator's and /usage's
/// answer-first layout.
async fn answer_is_on_the_first_screen(
    s: &crate::env::Session,
    paragraphs: usize,
    form: &str,
) -> Result<()> {
    let placed: serde_json::Value = s
        .eval(
            "window.scrollTo(0, 0);
             const ps = Array.from(document.querySelectorAll('#summary p')).slice(0, arguments[0]);
             const boxes = ps.map((p) => p.getBoundingClientRect());
             const form = document.querySelector(arguments[1]).getBoundingClientRect();
             return { paragraphs: boxes.length,
                      top: Math.min(...boxes.map((b) => b.top)),
                      bottom: Math.max(...boxes.map((b) => b.bottom)),
                      left: Math.min(...boxes.map((b) => b.left)),
                      right: Math.max(...boxes.map((b) => b.right)),
                      width: window.innerWidth, height: window.innerHeight,
                      form_top: form.top };",
            vec![serde_json::json!(paragraphs), serde_json::json!(form)],
        )
        .await?;
    let num = |k: &str| placed[k].as_f64().unwrap_or(f64::NAN);
    ensure!(
        placed["paragraphs"].as_u64() == Some(paragraphs as u64),
        "the answer has {paragraphs} paragraphs: {placed}"
    );
    ensure!(num("width") <= 400.0, "a phone-width window: {placed}");
    ensure!(
        num("top") >= 0.0
            && num("bottom") <= num("height")
            && num("left") >= 0.0
            && num("right") <= num("width"),
        "the answer is on the first screen: {placed}"
    );
    ensure!(
        num("form_top") > num("bottom"),
        "the answer comes before the form: {placed}"
    );
    Ok(())
}

/// Flow 3: Calculator: type a workload, submit with Enter, read the cheapest model and its monthly
/// cost, open its itemised bill; then an invalid value shows its message next to the field.
pub async fn calculator_prices_a_typed_workload_and_explains_a_bad_value(
    env: SharedEnv,
) -> Result<()> {
    let s = env.session(Device::Desktop).await?;
    s.open(&env, "/calculator").await?;

    s.type_into("#requests", "100000").await?;
    s.type_into("#input_tokens", "2000").await?;
    s.type_into("#cache_hit", "50").await?;
    for name in ["hide_free", "hide_variable"] {
        let check = s.find(&format!("input[name='{name}']")).await?;
        if !check.is_selected().await? {
            check.click().await?;
        }
    }
    let output = s.type_into("#output_tokens", "500").await?;
    output.send_keys(Key::Enter).await?;
    s.wait_for_url("the calculator's result", |u| {
        u.query().is_some_and(|q| q.contains("output_tokens=500"))
    })
    .await?;

    // 100,000 requests × 2,000 tokens in = 200M input tokens; × 500 out = 50M output tokens.
    // Delta: 200M × $0.05/M + 50M × $0.10/M = $10 + $5 = $15.00 (it lists no cache price,
    // so the cached half is billed as input). Zeta: 200M × $0.0833…/M + 50M × $0.25/M = $29.17.
    let bills = s.find_all("tr.bill").await?;
    ensure!(bills.len() >= 2, "{} bills shown", bills.len());
    let ids = s.attrs("tr.bill", "data-id").await?;
    ensure!(
        ids[..2] == ["globex/delta", "initech/zeta"],
        "cheapest first: {ids:?}"
    );
    ensure!(
        !ids.iter()
            .any(|id| id.ends_with(":free") || id == "router/auto"),
        "free and variable-priced listings are hidden: {ids:?}"
    );
    let monthly = s.texts("tr.bill td.monthly").await?;
    ensure!(
        monthly[..2] == ["$15.00", "$29.17"],
        "monthly costs {monthly:?}"
    );
    let mut previous = 0.0;
    for cost in &monthly {
        let value = dollars(cost)?;
        ensure!(value >= previous, "not cheapest first: {monthly:?}");
        previous = value;
    }
    let summary = s.text("#summary").await?;
    ensure!(
        summary.contains("Delta") && summary.contains("$15.00"),
        "summary names the cheapest: {summary:?}"
    );

    // Open the cheapest row's itemised bill: a page of its own, for the same workload.
    bills[0]
        .find(By::Css("td.bill-link a"))
        .await?
        .click()
        .await?;
    s.wait_for_url("the itemised bill", |u| {
        u.path() == "/calculator/bill"
            && u.query()
                .is_some_and(|q| q.contains("id=globex%2Fdelta") && q.contains("output_tokens=500"))
    })
    .await?;
    let itemised = s.find("table.itemised").await?;
    ensure!(itemised.is_displayed().await?, "the bill is shown");
    // Half the 200M input tokens are cache hits, but Delta lists no cache price: both halves
    // are billed at its $0.05/M input price, $5.00 each, plus 50M output at $0.10/M = $5.00.
    let mut lines = Vec::new();
    for row in itemised.find_all(By::Css(":scope > tbody > tr")).await? {
        lines.push(collapse(&row.text().await?));
    }
    ensure!(
        lines
            == [
                "Uncached input on demand 100,000,000 tokens $0.05 / M tokens $5.00",
                "Cache reads on demand 100,000,000 tokens $0.05 / M tokens $5.00",
                "Output on demand 50,000,000 tokens $0.10 / M tokens $5.00",
            ],
        "itemised lines: {lines:?}"
    );
    let total = collapse(
        &itemised
            .find(By::Css("tfoot tr.total"))
            .await?
            .text()
            .await?,
    );
    ensure!(total == "Monthly total $15.00", "bill total: {total:?}");
    let notes = collapse(&s.find("ul.notes").await?.text().await?);
    ensure!(
        notes.contains("no cache pricing"),
        "the bill says caching is not offered: {notes:?}"
    );
    s.assert_clean_console("/calculator/bill").await?;
    s.driver.back().await?;
    s.wait_for_url("the calculator again", |u| u.path() == "/calculator")
        .await?;

    // A cache hit share over 100 % is refused next to its field; the rest is kept.
    let hit = s.type_into("#cache_hit", "150").await?;
    hit.send_keys(Key::Enter).await?;
    s.wait_for_url("the refused form", |u| {
        u.query().is_some_and(|q| q.contains("cache_hit=150"))
    })
    .await?;
    let error = s.find("#cache_hit-error").await?;
    ensure!(error.is_displayed().await?, "the message is visible");
    ensure!(
        error
            .class_name()
            .await?
            .is_some_and(|c| c.contains("error")),
        "the message has class error"
    );
    let beside: bool = s
        .eval(
            "const f = document.getElementById('cache_hit');
             const e = document.getElementById('cache_hit-error');
             const gap = e.getBoundingClientRect().top - f.getBoundingClientRect().bottom;
             return f.closest('.field').contains(e) && gap >= 0 && gap < 80;",
            vec![],
        )
        .await?;
    ensure!(beside, "the message sits right under the cache hit field");
    ensure!(
        s.find("#cache_hit")
            .await?
            .attr("aria-invalid")
            .await?
            .as_deref()
            == Some("true"),
        "the field is marked invalid"
    );
    for (field, value) in [
        ("#requests", "100000"),
        ("#input_tokens", "2000"),
        ("#output_tokens", "500"),
        ("#cache_hit", "150"),
    ] {
        let kept = s.find(field).await?.value().await?;
        ensure!(
            kept.as_deref() == Some(value),
            "{field} holds {kept:?} after the error, expected {value}"
        );
    }
    ensure!(
        s.find("input[name='hide_free']")
            .await?
            .is_selected()
            .await?,
        "the hide-free box stays ticked"
    );
    ensure!(
        s.find_all("tr.bill").await?.is_empty(),
        "nothing is priced from a refused form"
    );
    // The refused page is a 400, which the console reports as a failed load; drain that entry
    // and require that it is the only one.
    let problems = s.console_problems().await?;
    ensure!(
        problems.iter().all(|p| p.contains("400")),
        "console on the refused form: {problems:?}"
    );
    s.quit().await?;
    Ok(())
}

/// Flow 4: Ranking: another quality index and ratio reorder the table; the chart is drawn.
pub async fn ranking_reorders_when_index_and_ratio_change(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Desktop).await?;
    s.open(&env, "/").await?;
    s.find("header.site nav a[href='/ranking']")
        .await?
        .click()
        .await?;
    s.wait_for_url("the ranking", |u| u.path() == "/ranking")
        .await?;

    // Intelligence at 3:1: Beta 30 / $0.35 = 85.7, Epsilon 40 / $0.75 = 53.3,
    // Alpha 50 / $1.75 = 28.6, Gamma 60 / $6.00 = 10.0.
    let before = s.attrs("table.ranking tbody tr", "data-id").await?;
    ensure!(
        before == ["acme/beta", "initech/epsilon", "acme/alpha", "globex/gamma"],
        "default order {before:?}"
    );
    let chart_dots = check_chart(&s).await?;
    ensure!(
        chart_dots == before.len(),
        "{chart_dots} dots for {} rows",
        before.len()
    );

    // Coding index, 10:1, 90 % cache hits. Alpha: input 0.1×$1 + 0.9×$0.10 = $0.19,
    // blend (10×0.19 + 4)/11 = $0.536, 45/0.536 = 83.9. Beta (no cache price): (2 + 0.8)/11
    // = $0.2545, 20/0.2545 = 78.6. Epsilon: (5 + 1.5)/11 = $0.591, 35/0.591 = 59.2.
    // Gamma: input 0.1×3 + 0.9×0.3 = $0.57, (5.7 + 15)/11 = $1.88, 70/1.88 = 37.2.
    s.find("#index option[value='coding']")
        .await?
        .click()
        .await?;
    s.type_into("#cache_hit", "90").await?;
    let ratio = s.type_into("#ratio", "10").await?;
    ratio.send_keys(Key::Enter).await?;
    s.wait_for_url("the re-ranked table", |u| {
        u.query()
            .is_some_and(|q| q.contains("index=coding") && q.contains("ratio=10"))
    })
    .await?;
    let after = s.attrs("table.ranking tbody tr", "data-id").await?;
    ensure!(
        after == ["acme/alpha", "acme/beta", "initech/epsilon", "globex/gamma"],
        "order after the change {after:?}"
    );
    let values = s.texts("table.ranking tbody tr td.value").await?;
    ensure!(
        values == ["83.9", "78.6", "59.2", "37.2"],
        "values after the change {values:?}"
    );
    ensure!(
        s.find("#index option[value='coding']")
            .await?
            .is_selected()
            .await?,
        "the chosen index stays selected"
    );
    check_chart(&s).await?;
    s.assert_clean_console("/ranking").await?;
    s.quit().await?;
    Ok(())
}

/// The value chart is on screen with a real size; returns how many dots it draws.
async fn check_chart(s: &crate::env::Session) -> Result<usize> {
    let svg = s.find("figure.value-chart-figure svg").await?;
    ensure!(svg.is_displayed().await?, "the chart is visible");
    let rect = svg.rect().await?;
    ensure!(
        rect.width > 200.0 && rect.height > 100.0,
        "chart is {}×{} px",
        rect.width,
        rect.height
    );
    let dots = svg.find_all(By::Css("circle.dot")).await?;
    for dot in &dots {
        let r = dot.rect().await?;
        ensure!(r.width > 0.0 && r.height > 0.0, "a dot has no size");
    }
    Ok(dots.len())
}

/// Flow 5: About and guide: the freshness line and formulas are present; the guide's prefilled
/// calculator links open a filled-in, calculated form.
pub async fn about_and_guide_show_freshness_formulas_and_working_examples(
    env: SharedEnv,
) -> Result<()> {
    let s = env.session(Device::Desktop).await?;
    s.open(&env, "/about").await?;
    let freshness = s.text("p.freshness").await?;
    ensure!(
        freshness.starts_with("Prices as of") && freshness.contains("12 models from OpenRouter"),
        "freshness line: {freshness:?}"
    );
    ensure!(
        !freshness.contains("Warning"),
        "today's data is not called stale: {freshness:?}"
    );
    let last = s.text("#last-success").await?;
    ensure!(
        last.contains("Prices as of") && last.contains("12"),
        "last successful refresh: {last:?}"
    );
    let formulas = s.find_all("p.formula").await?;
    ensure!(formulas.len() >= 5, "{} formulas", formulas.len());
    for formula in &formulas {
        ensure!(formula.is_displayed().await?, "every formula is visible");
    }
    ensure!(s.text("#formula-monthly").await?.contains("(1 − d)"));
    ensure!(s.text("#formula-check").await?.contains("0.70 × $0.50"));
    let check = s.text("#check-live").await?;
    ensure!(
        check.contains("$1.85") && check.contains("0.37"),
        "the worked example: {check:?}"
    );
    s.assert_clean_console("/about").await?;

    s.open(&env, "/guide/why-prices-differ").await?;
    let links = s.attrs("ul.examples a", "href").await?;
    ensure!(links.len() >= 3, "guide examples: {links:?}");
    for (i, href) in links.iter().enumerate() {
        let link = s.find_all("ul.examples a").await?;
        link[i].click().await?;
        let url = s.wait_for_url(href, |u| u.path() == "/calculator").await?;
        let expected: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        ensure!(!expected.is_empty(), "{href} carries a workload");
        for (name, value) in &expected {
            let field = s.find(&format!("form.calc [name='{name}']")).await?;
            let shown = field.value().await?.unwrap_or_default();
            ensure!(
                &shown == value,
                "{href}: field {name} shows {shown:?}, the link says {value:?}"
            );
        }
        let rows = s.find_all("tr.bill").await?.len();
        ensure!(rows > 0, "{href} shows no bills");
        ensure!(
            s.find_all("p.error").await?.is_empty(),
            "{href} shows an error"
        );
        s.assert_clean_console(href).await?;
        s.driver.back().await?;
        s.wait_for_url("the guide again", |u| {
            u.path() == "/guide/why-prices-differ"
        })
        .await?;
    }
    s.quit().await?;
    Ok(())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Flow: on a phone, filter a model's providers to those running in the EU, see the one
/// that qualifies marked and the others' reasons, then price the workload at every seller.
pub async fn where_to_buy_filters_mark_the_cheapest_that_qualifies_and_price_it_at_every_seller(
    env: SharedEnv,
) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    s.open(&env, "/models/globex/gamma").await?;
    // The filters are folded away until a reader opens them.
    let filters = s.find("details.seller-filters").await?;
    ensure!(
        filters.attr("open").await?.is_none(),
        "the filters are open before any is set"
    );
    s.find("details.seller-filters > summary")
        .await?
        .click()
        .await?;
    let dc = s.find("form.provider-filters select[name='dc']").await?;
    dc.find(By::Css("option[value='EU']"))
        .await?
        .click()
        .await?;
    s.find("form.provider-filters button[type='submit']")
        .await?
        .click()
        .await?;
    let url = s
        .wait_for_url("the filtered model page", |u| {
            u.query().is_some_and(|q| q.contains("dc=EU"))
        })
        .await?;
    ensure!(
        url.path() == "/models/globex/gamma",
        "stayed on the page: {url}"
    );

    // Only Fastco (Germany) runs wholly in the EU; Cloudco runs in the US and Globex does not
    // say. Fastco's blend is (3 × 4 + 20) / 4 = $8.00.
    ensure!(
        s.find("details.seller-filters")
            .await?
            .attr("open")
            .await?
            .is_some(),
        "the filters fold away while one is set"
    );
    let result = s.text("p.filter-result").await?;
    ensure!(
        result.contains("1 of 4 sellers meets your filters")
            && result.contains("Fastco via OpenRouter at $8.00 per million blended"),
        "filter result: {result:?}"
    );
    let marked = s
        .attrs("table.sellers-table tr.cheapest", "data-tag")
        .await?;
    ensure!(marked == ["fastco"], "marked rows: {marked:?}");
    let badge = s
        .find("table.sellers-table tr.cheapest .badge.good")
        .await?;
    badge.scroll_into_view().await?;
    ensure!(badge.is_displayed().await?, "the mark is visible");
    let rect = badge.rect().await?;
    let width: f64 = s.eval("return window.innerWidth", vec![]).await?;
    ensure!(
        rect.x >= 0.0 && rect.x + rect.width <= width,
        "the mark sits inside the {width} px viewport: {rect:?}"
    );
    let reasons = s
        .texts("table.sellers-table tr[data-kind='routed-provider'].left-out small.why-out")
        .await?;
    ensure!(
        reasons.len() == 2
            && reasons.iter().any(|r| r.contains("runs outside the EU"))
            && reasons
                .iter()
                .any(|r| r.contains("does not say where it runs")),
        "reasons: {reasons:?}"
    );
    let misaligned = s.misaligned_tables().await?;
    ensure!(misaligned.is_empty(), "tables out of line: {misaligned:?}");

    // On to the bill at every seller, filters carried over (the default workload: 100,000
    // requests of 2,000 input and 500 output tokens, half the input from cache). Fastco lists
    // no cache price: 200 M × $4/M + 50 M × $20/M = $1,800.00; the routed price does not say
    // where it runs, so it is left out.
    s.find("section.sellers a[href^='/calculator']")
        .await?
        .click()
        .await?;
    let url = s
        .wait_for_url("the bill at every seller", |u| {
            u.query()
                .is_some_and(|q| q.contains("sellers=all") && q.contains("dc=EU"))
        })
        .await?;
    ensure!(url.path() == "/calculator/bill", "the bill page: {url}");
    let total = s.text("#bill-monthly").await?;
    ensure!(collapse(&total) == "$1,800.00", "the bill: {total:?}");
    let cost = s.find("table.sellers-bills tr.cheapest td.monthly").await?;
    ensure!(
        collapse(&cost.text().await?) == "$1,800.00",
        "the marked row's bill"
    );
    let marked = s
        .attrs("table.sellers-bills tr.cheapest", "data-seller")
        .await?;
    ensure!(marked == ["fastco"], "marked sellers: {marked:?}");
    let misaligned = s.misaligned_tables().await?;
    ensure!(misaligned.is_empty(), "tables out of line: {misaligned:?}");
    s.assert_clean_console("/calculator/bill?sellers=all")
        .await?;
    s.quit().await?;
    Ok(())
}

/// Issue 27: a reader uploads an export at phone width; the answer (the priced traffic) is on
/// the first screen, above the form, and the page does not scroll sideways.
pub async fn usage_upload_answers_on_a_phones_first_screen(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    s.open(&env, "/usage").await?;
    // An OpenRouter activity export of our own: two requests on the fixture's Alpha
    // ($1 in, $4 out per million at OpenRouter), 1,000 tokens in and 500 out each.
    let export = env.logs.join("usage-upload.csv");
    std::fs::write(
        &export,
        "generation_id,created_at,cost_total,tokens_prompt,tokens_completion,tokens_reasoning,\
         tokens_cached,model_permaslug,provider_name,variant\n\
         g1,2026-02-01 09:00:00.000,0.003,1000,500,0,0,acme/alpha,,standard\n\
         g2,2026-02-02 09:00:00.000,0.003,1000,500,0,0,acme/alpha,,standard\n",
    )?;
    let path = export.canonicalize()?;
    s.find("#file")
        .await?
        .send_keys(path.to_string_lossy().as_ref())
        .await?;
    s.find("form.upload button[type=submit]")
        .await?
        .click()
        .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.find_all("#summary p").await?.is_empty() {
        ensure!(
            std::time::Instant::now() < deadline,
            "no answer after the upload: {}",
            s.text("main").await.unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s.wait_loaded().await?;
    // 2,000 × $1/M + 1,000 × $4/M = $0.006 where it ran; the export says $0.006 too.
    let answer = collapse(&s.texts("#summary p").await?.join(" "));
    ensure!(
        answer.contains("3,000 tokens in 2 requests on 1 model")
            && answer.contains("As exported, at list prices where it ran: $0.006"),
        "the answer: {answer:?}"
    );
    // The traffic and its as-exported cost (the first two paragraphs) are on the first screen.
    answer_is_on_the_first_screen(&s, 2, "form.upload").await?;
    let overflow = s.horizontal_overflow(390).await?;
    ensure!(
        overflow.scroll_width <= 390.0 && overflow.offenders.is_empty(),
        "the answer scrolls sideways: {overflow:?}"
    );
    s.screenshot(&env, "usage-answer").await?;
    s.assert_clean_console("/usage answer (phone)").await?;
    s.quit().await?;
    Ok(())
}
