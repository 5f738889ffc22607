//! Issue 24, item 4's done-when: the model page of Claude Opus 4.8 on a phone, with four
//! OpenRouter providers beside the routed price, the maker's own API and the clouds (the
//! official site: see `env::start_official_site`), stays short enough to read, and its one
//! table of sellers draws every seller with its price, cheapest first.

use anyhow::{Context, Result, ensure};

use crate::crowded::{cells_fit, no_sideways_scroll};
use crate::env::{Device, OPUS, PHONE_WIDTH, SharedEnv};

/// Tallest the page may be at 390 px (issue 24: "no taller than 6,000 px").
const MAX_MODEL_PAGE_HEIGHT: f64 = 6_000.0;

/// The rows of the sellers table.
const ROWS: &str = "#price-tags table.sellers-table > tbody > tr";

/// "$4.50" → 4.5; a cell without a dollar figure is an error.
fn dollars(text: &str) -> Result<f64> {
    text.trim()
        .trim_start_matches('$')
        .replace(',', "")
        .parse()
        .with_context(|| format!("{text:?} is not a price"))
}

/// At 390 px the Opus 4.8 page, with four providers and its official rows, is at most
/// 6,000 px tall and never scrolls sideways; its sellers table has a row for each of the four
/// providers, the routed price, the maker and the three cloud rows; every row's seller and
/// input price are drawn on the screen; and the cheapest (by the 3:1 blend the table is
/// ordered by) comes first.
pub async fn model_page_with_every_kind_of_seller_fits_a_phone(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let path = format!("/models/{OPUS}");
    s.driver
        .goto(env.official_url(&path))
        .await
        .with_context(|| format!("opening {path} on the official site"))?;
    s.wait_loaded().await?;
    s.screenshot(&env, "opus-sellers").await?;
    let size = no_sideways_scroll(&s, &path).await?;
    println!(
        "    {path}: {} px tall at {PHONE_WIDTH} px",
        size.scroll_height
    );

    let kinds = s.attrs(ROWS, "data-kind").await?;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    ensure!(
        count("routed-provider") == 4
            && count("routed") == 1
            && count("first-party") == 1
            && count("cloud") == 3
            && kinds.len() == 9,
        "expected 4 providers, the routed price, the maker and 3 cloud rows: {kinds:?}"
    );

    let mut failures = Vec::new();
    let names = format!("{ROWS} > th[scope=row] > a");
    let inputs = format!("{ROWS} > td.input");
    for (css, what) in [(&names, "seller names"), (&inputs, "input prices")] {
        let drawn = s.find_all(css).await?.len();
        ensure!(
            drawn == kinds.len(),
            "{drawn} {what} for {} rows",
            kinds.len()
        );
        failures.extend(cells_fit(&s, css, &path).await?);
    }

    // Cheapest first: the first row's 3:1 blend is the lowest, and it is marked.
    let input_prices = s.texts(&inputs).await?;
    let output_prices = s.texts(&format!("{ROWS} > td.output")).await?;
    ensure!(
        input_prices.len() == output_prices.len(),
        "{input_prices:?} against {output_prices:?}"
    );
    let blends: Vec<f64> = input_prices
        .iter()
        .zip(&output_prices)
        .map(|(i, o)| Ok((3.0 * dollars(i)? + dollars(o)?) / 4.0))
        .collect::<Result<_>>()?;
    let first = blends.first().copied().context("no seller rows")?;
    ensure!(
        blends.iter().all(|b| first <= *b),
        "the first row is not the cheapest: blends {blends:?}"
    );
    let first_class = s
        .find(&format!("{ROWS}:first-child"))
        .await?
        .attr("class")
        .await?
        .unwrap_or_default();
    ensure!(
        first_class.split_whitespace().any(|c| c == "cheapest"),
        "the first row is not marked cheapest (class {first_class:?})"
    );

    ensure!(
        size.scroll_height <= MAX_MODEL_PAGE_HEIGHT,
        "{path} is {} px tall at {PHONE_WIDTH} px, more than {MAX_MODEL_PAGE_HEIGHT}",
        size.scroll_height
    );
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    s.quit().await?;
    Ok(())
}
