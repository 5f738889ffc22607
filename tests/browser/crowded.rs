//! Issue 25's phone layouts, on the crowded site (120 generated models with long names, two
//! listings six days apart: see `env::crowd_catalogue`), in real Chromium at 390 px, measured
//! by the boxes the browser draws: long lists come in pages with a sort control a phone can
//! use (item 7), the biggest-moves, factor and "Other listings" tables fit the screen and the
//! calculator's cards draw every amount (item 6, partly on the main test site), and no chart
//! label covers another model's dot (item 8).

use anyhow::{Context, Result, ensure};
use serde::Deserialize;
use serde_json::json;

use crate::env::{CROWD_LONG_VARIANT_BASE, Device, Env, PHONE_WIDTH, Session, SharedEnv};

/// A box as the browser drew it, in CSS px relative to the window.
#[derive(Clone, Debug, Deserialize)]
pub struct Box {
    pub what: String,
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Box {
    fn overlaps(&self, other: &Box) -> bool {
        // Half a pixel of slack: antialiased edges that merely touch are not a cover.
        self.left < other.right - 0.5
            && other.left < self.right - 0.5
            && self.top < other.bottom - 0.5
            && other.top < self.bottom - 0.5
    }

    pub fn is_drawn(&self) -> bool {
        self.right > self.left && self.bottom > self.top
    }
}

/// The boxes of every element matching `css` that is displayed, with what each is.
const BOXES_JS: &str = r#"
const out = [];
for (const e of document.querySelectorAll(arguments[0])) {
  // Hidden (the label set for the other screen width): no box at all.
  const r = e.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  const what = (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40) || e.tagName;
  out.push({ what, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
}
return out;
"#;

/// The document's width and height against the window's.
const PAGE_SIZE_JS: &str = r#"
return {
  scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  scrollHeight: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
  innerWidth: window.innerWidth,
};
"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageSize {
    pub scroll_width: f64,
    pub scroll_height: f64,
    pub inner_width: f64,
}

pub async fn boxes(s: &Session, css: &str) -> Result<Vec<Box>> {
    s.eval(BOXES_JS, vec![json!(css)]).await
}

async fn page_size(s: &Session) -> Result<PageSize> {
    s.eval(PAGE_SIZE_JS, vec![]).await
}

async fn open_crowd(s: &Session, env: &Env, path: &str) -> Result<()> {
    s.driver
        .goto(env.crowd_url(path))
        .await
        .with_context(|| format!("opening {path} on the crowded site"))?;
    s.wait_loaded().await
}

/// Scrolls `css` into view and returns its box; fails unless it is drawn and lies inside
/// the window's width.
async fn in_view(s: &Session, css: &str) -> Result<Box> {
    s.find(css)
        .await?
        .scroll_into_view()
        .await
        .with_context(|| format!("scrolling to {css}"))?;
    let found = boxes(s, css).await?;
    let first = found
        .first()
        .with_context(|| format!("{css} is not displayed"))?
        .clone();
    ensure!(
        first.is_drawn() && first.left >= -0.5 && first.right <= f64::from(PHONE_WIDTH) + 0.5,
        "{css} is drawn at {first:?}, outside the {PHONE_WIDTH} px screen"
    );
    Ok(first)
}

/// The document is no wider than the phone: nothing scrolls sideways.
pub async fn no_sideways_scroll(s: &Session, what: &str) -> Result<PageSize> {
    let size = page_size(s).await?;
    ensure!(
        size.scroll_width <= f64::from(PHONE_WIDTH) && size.inner_width == f64::from(PHONE_WIDTH),
        "{what}: the page is {} px wide on a {PHONE_WIDTH} px phone (window {} px)",
        size.scroll_width,
        size.inner_width
    );
    Ok(size)
}

/// Tallest a page of one long list may be at 390 px: 40 cards and the page's own chrome.
/// (All 120 rows of the crowded catalogue come to about 28,000 px; the real 318 to 70,590.)
const MAX_PHONE_PAGE_HEIGHT: f64 = 14_000.0;

/// Item 7: `/models` and `/ranking` at 390 px come a page at a time, a sort control sits
/// on the screen and works, and the page links keep the filters and the sort.
pub async fn long_lists_come_in_pages_with_a_sort_control_on_a_phone(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let filtered = "/models?author=umbrella&author=cyberdyne&author=tyrell";
    open_crowd(&s, &env, filtered).await?;
    s.screenshot(&env, "crowd-models").await?;
    let size = no_sideways_scroll(&s, filtered).await?;
    let rows = s.find_all("table.models-table tbody tr").await?.len();
    println!(
        "    {filtered}: {rows} rows, {} px tall at {PHONE_WIDTH} px",
        size.scroll_height
    );
    ensure!(rows == 40, "{rows} rows on the first page, expected 40");
    ensure!(
        size.scroll_height <= MAX_PHONE_PAGE_HEIGHT,
        "the page is {} px tall",
        size.scroll_height
    );

    // Sort by input price, dearest first, with the phone's own control.
    in_view(&s, "form.sort-control #sort-by").await?;
    in_view(&s, "form.sort-control button").await?;
    s.find("#sort-by option[value='input']")
        .await?
        .click()
        .await?;
    s.find("#sort-dir option[value='desc']")
        .await?
        .click()
        .await?;
    s.find("form.sort-control button").await?.click().await?;
    let url = s
        .wait_for_url("the catalogue sorted by input", |u| {
            u.query()
                .is_some_and(|q| q.contains("sort=input") && q.contains("dir=desc"))
        })
        .await?;
    ensure!(
        url.query()
            .is_some_and(|q| q.matches("author=").count() == 3),
        "the sort dropped the filters: {url}"
    );
    let inputs = s.texts("table.models-table tbody td.input").await?;
    let dollars: Vec<f64> = inputs
        .iter()
        .map(|t| t.trim_start_matches('$').replace(',', "").parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("input prices {inputs:?}"))?;
    ensure!(
        dollars.windows(2).all(|w| w[0] >= w[1]),
        "not dearest first: {inputs:?}"
    );

    // The next page, by the pager at the foot of the list, keeps filters and sort.
    let next = "nav.pager a[rel=next]";
    in_view(&s, next).await?;
    s.find(next).await?.click().await?;
    let url = s
        .wait_for_url("the second page", |u| {
            u.query().is_some_and(|q| q.contains("page=2"))
        })
        .await?;
    let query = url.query().unwrap_or_default();
    ensure!(
        query.contains("sort=input") && query.matches("author=").count() == 3,
        "page 2 lost the view: {url}"
    );
    let second: Vec<String> = s.texts("table.models-table tbody td.input").await?;
    ensure!(
        !second.is_empty() && second.len() <= 40,
        "{} rows on page 2",
        second.len()
    );
    no_sideways_scroll(&s, "page 2").await?;

    // The ranking likewise.
    open_crowd(&s, &env, "/ranking").await?;
    s.screenshot(&env, "crowd-ranking").await?;
    let size = no_sideways_scroll(&s, "/ranking").await?;
    let ranked = s.find_all("table.ranking tbody tr").await?.len();
    println!(
        "    /ranking: {ranked} rows, {} px tall at {PHONE_WIDTH} px",
        size.scroll_height
    );
    ensure!(ranked == 40, "{ranked} ranking rows on the first page");
    ensure!(
        size.scroll_height <= MAX_PHONE_PAGE_HEIGHT,
        "the ranking is {} px tall",
        size.scroll_height
    );
    in_view(&s, "form.sort-control #sort-by").await?;
    s.find("#sort-by option[value='-quality']")
        .await?
        .click()
        .await?;
    s.find("form.sort-control button").await?.click().await?;
    s.wait_for_url("the ranking by quality", |u| {
        u.query().is_some_and(|q| q.contains("sort=-quality"))
    })
    .await?;
    let quality = s.texts("table.ranking tbody td.quality").await?;
    let scores: Vec<f64> = quality
        .iter()
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("scores {quality:?}"))?;
    ensure!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not highest quality first: {quality:?}"
    );
    in_view(&s, "nav.pager a[rel=next]").await?;
    s.quit().await?;
    Ok(())
}

/// Item 6: at 390 px the biggest moves of a period and the guide's factors fit the screen:
/// every cell lies inside it, no text is cut, and the page does not scroll sideways.
pub async fn period_moves_and_guide_factors_fit_a_phone(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let period = format!("/changes?from={}", env.crowd_day_one);
    open_crowd(&s, &env, &period).await?;
    s.screenshot(&env, "crowd-changes-period").await?;
    let mut failures = Vec::new();
    failures.extend(
        no_sideways_scroll(&s, &period)
            .await
            .err()
            .map(|e| e.to_string()),
    );
    failures.extend(cells_fit(&s, "table.biggest-moves tbody tr > *", &period).await?);
    let percents = s.texts("table.biggest-moves td.pct").await?;
    ensure!(
        percents.iter().any(|p| p == "+116.3%"),
        "the largest rise is not listed: {percents:?}"
    );

    s.open(&env, "/guide/why-prices-differ").await?;
    s.screenshot(&env, "guide-factors").await?;
    failures.extend(
        no_sideways_scroll(&s, "the guide")
            .await
            .err()
            .map(|e| e.to_string()),
    );
    failures.extend(cells_fit(&s, "table.factors tbody tr > *", "the guide").await?);
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    // Every row's third column ("When it applies", its second data cell) was among the
    // cells seen fitting above: all nine factors have one.
    let third = s
        .find_all("table.factors tbody tr > td:nth-of-type(2)")
        .await?;
    ensure!(
        third.len() >= 9,
        "the third column has {} cells",
        third.len()
    );
    s.quit().await?;
    Ok(())
}

/// Item 6: at 390 px every cell of the calculator's cards, for several chosen models, priced
/// at the routed price and at every seller, is drawn inside the screen: a card that holds an
/// amount in a cell of no size (or one cut or covered) fails.
pub async fn calculator_cards_show_every_amount_on_a_phone(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let chosen = "requests=100000&input_tokens=2000&output_tokens=500\
        &ids=acme/alpha,acme/beta,globex/gamma,globex/delta,initech/epsilon";
    let mut failures = Vec::new();
    for path in [
        format!("/calculator?{chosen}"),
        format!("/calculator?{chosen}&sellers=all"),
    ] {
        s.open(&env, &path).await?;
        let cards = s.find_all("table.bills > tbody > tr.bill").await?.len();
        ensure!(cards >= 4, "{path}: {cards} cards");
        // Every amount a card holds (the cell has text): none may be hidden.
        failures
            .extend(cells_fit(&s, "table.bills > tbody > tr.bill > td:not(:empty)", &path).await?);
        failures.extend(
            no_sideways_scroll(&s, &path)
                .await
                .err()
                .map(|e| e.to_string()),
        );
    }
    s.screenshot(&env, "calculator-cards").await?;
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    s.quit().await?;
    Ok(())
}

/// Item 6: at 390 px the model page's "Other listings" table fits the screen: every column of
/// every row (the listing, its id, and its four figures down to "vs base") is drawn inside it,
/// not cut and not covered.
pub async fn other_listings_fit_a_phone(env: SharedEnv) -> Result<()> {
    let s = env.session(Device::Phone).await?;
    let mut failures = Vec::new();
    let long = format!("/models/{CROWD_LONG_VARIANT_BASE}");
    for (crowd, path) in [
        (false, "/models/acme/alpha"),
        (false, "/models/globex/gamma:batch"),
        (true, long.as_str()),
    ] {
        if crowd {
            open_crowd(&s, &env, path).await?;
        } else {
            s.open(&env, path).await?;
        }
        let columns = s
            .find_all("table.variants > tbody > tr:first-child > *")
            .await?
            .len();
        ensure!(columns == 5, "{path}: {columns} columns in the first row");
        let listings = s.find_all("table.variants > tbody > tr").await?.len();
        ensure!(listings >= 2, "{path}: {listings} listings");
        failures.extend(cells_fit(&s, "table.variants > tbody > tr > *", path).await?);
        failures.extend(cells_fit(&s, "table.variants small.id", path).await?);
        failures.extend(
            no_sideways_scroll(&s, path)
                .await
                .err()
                .map(|e| e.to_string()),
        );
    }
    s.screenshot(&env, "model-other-listings").await?;
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    s.quit().await?;
    Ok(())
}

/// Each cell matching `css`, as a reader first sees it (the page scrolled down to it, never
/// sideways, and no table scrolled inside its own box): drawn, wholly inside the phone's
/// width and inside every box that clips it, its text not cut (nothing wider than the
/// cell), and what the browser shows at its centre belongs to it.
pub async fn cells_fit(s: &Session, css: &str, page: &str) -> Result<Vec<String>> {
    const CELLS_JS: &str = r#"
const [css, phoneWidth] = arguments;
const problems = [];
let n = 0;
for (const cell of document.querySelectorAll(css)) {
  n += 1;
  const name = (cell.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 30);
  // Down to the cell's middle, the page only: scrollIntoView would also scroll a table's
  // own box sideways and bring a hidden column into view.
  let r = cell.getBoundingClientRect();
  window.scrollBy(0, (r.top + r.bottom) / 2 - window.innerHeight / 2);
  r = cell.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) { problems.push(`"${name}" is not drawn`); continue; }
  // What can be seen: the phone's width, cut by each ancestor that clips its overflow.
  let left = 0, right = phoneWidth, top = -Infinity, bottom = Infinity;
  for (let a = cell.parentElement; a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a);
    const b = a.getBoundingClientRect();
    if (style.overflowX !== 'visible') { left = Math.max(left, b.left); right = Math.min(right, b.right); }
    if (style.overflowY !== 'visible') { top = Math.max(top, b.top); bottom = Math.min(bottom, b.bottom); }
  }
  if (r.left < left - 0.5 || r.right > right + 0.5 || r.top < top - 0.5 || r.bottom > bottom + 0.5) {
    problems.push(`"${name}" spans ${Math.round(r.left)}..${Math.round(r.right)} px where ${Math.round(left)}..${Math.round(right)} px shows`);
    continue;
  }
  if (cell.scrollWidth > cell.clientWidth + 1) {
    problems.push(`"${name}" is cut: ${cell.scrollWidth} px of text in ${cell.clientWidth} px`);
  }
  const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
  if (!hit || !(hit === cell || cell.contains(hit))) {
    problems.push(`"${name}" is covered or clipped`);
  }
}
window.scrollTo(0, 0);
return { n, problems };
"#;
    #[derive(Deserialize)]
    struct Report {
        n: usize,
        problems: Vec<String>,
    }
    let report: Report = s
        .eval(CELLS_JS, vec![json!(css), json!(PHONE_WIDTH)])
        .await?;
    ensure!(report.n > 0, "{page}: no cell matches {css}");
    Ok(report
        .problems
        .into_iter()
        .map(|p| format!("{page}: {p}"))
        .collect())
}

/// Item 8: on the crowded ranking's chart, at 390 px and at 1280 px, no label's box touches
/// any dot or another label.
pub async fn chart_labels_never_cover_a_dot(env: SharedEnv) -> Result<()> {
    let mut failures = Vec::new();
    for device in [Device::Phone, Device::Desktop] {
        let s = env.session(device).await?;
        open_crowd(&s, &env, "/ranking").await?;
        let chart = s.find("figure.value-chart-figure svg").await?;
        chart.scroll_into_view().await?;
        let labels: Vec<Box> = boxes(&s, "svg.value-chart .labels text")
            .await?
            .into_iter()
            .filter(Box::is_drawn)
            .collect();
        let dots = boxes(&s, "svg.value-chart circle.dot").await?;
        println!(
            "    {}: {} labels drawn among {} dots",
            device.label(),
            labels.len(),
            dots.len()
        );
        ensure!(dots.len() >= 100, "{} dots", dots.len());
        ensure!(labels.len() >= 3, "only {} labels drawn", labels.len());
        let mut covered = 0;
        for (i, label) in labels.iter().enumerate() {
            let under: Vec<&Box> = dots.iter().filter(|d| label.overlaps(d)).collect();
            if !under.is_empty() {
                covered += under.len();
                failures.push(format!(
                    "{}: the label {:?} covers {} dot(s), e.g. at {:.0},{:.0}",
                    device.label(),
                    label.what,
                    under.len(),
                    under[0].left,
                    under[0].top
                ));
            }
            for other in &labels[i + 1..] {
                if label.overlaps(other) {
                    failures.push(format!(
                        "{}: labels {:?} and {:?} overlap",
                        device.label(),
                        label.what,
                        other.what
                    ));
                }
            }
        }
        if covered > 0 {
            failures.push(format!("{}: {covered} dots covered in all", device.label()));
        }
        s.screenshot(&env, "crowd-ranking-chart").await?;
        s.quit().await?;
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
