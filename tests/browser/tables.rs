//! Issue 16, item 1: every price table is readable where it stands. At 1280 and 390 px the key
//! price cells of the first rows lie inside the window, and nothing clips them: the point at
//! each cell's centre belongs to the cell (a cell cut off by a scroll box or pushed past the
//! edge fails). Tables scroll with the page: no ancestor of a price table scrolls on its own.

use anyhow::{Result, ensure};
use serde::Deserialize;
use serde_json::json;

use crate::env::{Device, SharedEnv};

/// (page, the first rows' key price cells, which rows): hand-picked per table.
const CHECKS: &[(&str, &str, &str)] = &[
    (
        "/models?author=acme&author=globex",
        "table.models-table > tbody > tr",
        "td.input, td.output",
    ),
    (
        "/ranking",
        "table.ranking > tbody > tr",
        "td.blended, td.value",
    ),
    (
        "/compare?ids=acme/alpha,globex/gamma",
        "table.compare > tbody > tr:has(> th[scope=row])",
        "td",
    ),
    (
        // Six models at 390 px: each row is a card with every model's value (issue 16).
        "/compare?ids=acme/alpha,acme/beta,globex/gamma,globex/delta,initech/epsilon,initech/zeta",
        "table.compare > tbody > tr:has(> th[scope=row])",
        "td",
    ),
    (
        "/models/globex/gamma",
        "table.model-prices > tbody > tr[data-key=prompt], table.model-prices > tbody > tr[data-key=completion]",
        "td.amount",
    ),
    (
        "/calculator?requests=100000&input_tokens=2000&output_tokens=500",
        "table.bills > tbody > tr.bill",
        "td.monthly, td.per-request",
    ),
    (
        "/calculator/bill?requests=100000&input_tokens=2000&output_tokens=500&id=globex/gamma",
        "table.itemised > tbody > tr",
        "td.amount",
    ),
    (
        "/calculator/bill?requests=100000&input_tokens=2000&output_tokens=500&ids=globex/gamma&sellers=all&id=globex/gamma",
        "table.sellers-bills > tbody > tr",
        "td.monthly",
    ),
    (
        "/models/globex/gamma",
        "table.sellers-table > tbody > tr",
        "td.input, td.output",
    ),
    (
        "/providers",
        "table.provider-index > tbody > tr",
        "td.hq, td.models",
    ),
    (
        "/providers/origin",
        "table.provider-models > tbody > tr",
        "td.input, td.output",
    ),
    ("/changes", "table.change-table > tbody > tr", "td.move"),
    ("/about", "table.runs > tbody > tr", "td"),
    // Issue 18: every cell of the price-tags table, not only its prices, fits the phone
    // (but those a seller has no value for, and the provider's latency and policies, which a
    // phone leaves to the provider's own page).
    (
        "/models/globex/gamma",
        "table.sellers-table > tbody > tr",
        "td:not(.na):not(.provider-facts)",
    ),
];

/// Rows checked per table.
const FIRST_ROWS: usize = 2;

#[derive(Debug, Deserialize)]
struct Report {
    rows: usize,
    problems: Vec<String>,
}

/// For each of the first rows: scrolls it to the top of the window, then checks each cell's box
/// is inside the window and is what the browser shows at its centre. Also names any scroll box
/// (overflow auto/scroll with something to scroll) around the table.
const CELLS_JS: &str = r#"
const [rowCss, cellCss, first] = arguments;
const problems = [];
const rows = [...document.querySelectorAll(rowCss)].slice(0, first);
for (const row of rows) {
  row.scrollIntoView({ block: 'start' });
  window.scrollBy(0, -60);
  const cells = [...row.querySelectorAll(cellCss)].filter((c) => c.parentElement === row);
  if (cells.length === 0) problems.push(`no cell ${cellCss} in a row ${rowCss}`);
  for (const cell of cells) {
    const r = cell.getBoundingClientRect();
    const name = `${(row.querySelector('th') || row).textContent.trim().split('\n')[0].slice(0, 30)} / ${cell.className || cell.cellIndex}`;
    if (r.width === 0 || r.height === 0) { problems.push(`${name}: not displayed`); continue; }
    if (r.left < 0 || r.right > window.innerWidth + 0.5 || r.top < 0 || r.bottom > window.innerHeight + 0.5) {
      problems.push(`${name}: box ${Math.round(r.left)}..${Math.round(r.right)} × ${Math.round(r.top)}..${Math.round(r.bottom)} leaves the ${window.innerWidth}×${window.innerHeight} window`);
      continue;
    }
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (!hit || !(hit === cell || cell.contains(hit))) {
      problems.push(`${name}: covered or clipped (the centre shows ${hit ? hit.tagName + '.' + hit.className : 'nothing'})`);
    }
  }
  for (let up = row.parentElement; up && up !== document.body; up = up.parentElement) {
    const style = getComputedStyle(up);
    const scrolls = (v) => v === 'auto' || v === 'scroll';
    if ((scrolls(style.overflowY) && up.scrollHeight > up.clientHeight + 1) ||
        (scrolls(style.overflowX) && up.scrollWidth > up.clientWidth + 1)) {
      problems.push(`${up.tagName}.${up.className} scrolls on its own (${up.scrollWidth}×${up.scrollHeight} in ${up.clientWidth}×${up.clientHeight})`);
      break;
    }
  }
}
window.scrollTo(0, 0);
return { rows: rows.length, problems };
"#;

pub async fn price_cells_of_the_first_rows_are_in_view_at_both_widths(
    env: SharedEnv,
) -> Result<()> {
    let mut failures = Vec::new();
    let mut checked = 0;
    for device in [Device::Desktop, Device::Phone] {
        let s = env.session(device).await?;
        for (path, rows, cells) in CHECKS {
            s.open(&env, path).await?;
            let report: Report = s
                .eval(CELLS_JS, vec![json!(rows), json!(cells), json!(FIRST_ROWS)])
                .await?;
            if report.rows < FIRST_ROWS {
                failures.push(format!(
                    "{device:?} {path}: only {} rows match {rows}",
                    report.rows
                ));
            }
            checked += report.rows;
            for problem in report.problems {
                failures.push(format!("{device:?} {path}: {problem}"));
            }
        }
        s.quit().await?;
    }
    println!(
        "    {checked} rows' price cells checked on {} pages at 1280 and 390 px",
        CHECKS.len()
    );
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
