//! What a flow does to and reads from the page in front of it: navigate, wait, read text,
//! check the console, measure layout, walk the Tab order, and save screenshots.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::env::{Env, Session};

/// How long a flow waits for a page to appear after a click or a key press.
const NAVIGATION_WAIT: Duration = Duration::from_secs(10);

impl Session {
    /// Opens `path` on the site and waits until it has loaded.
    pub async fn open(&self, env: &Env, path: &str) -> Result<()> {
        self.driver
            .goto(env.url(path))
            .await
            .with_context(|| format!("opening {path}"))?;
        self.wait_loaded().await
    }

    pub async fn wait_loaded(&self) -> Result<()> {
        let deadline = Instant::now() + NAVIGATION_WAIT;
        loop {
            let state = self
                .driver
                .execute("return document.readyState", vec![])
                .await?;
            if state.json() == "complete" {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the page did not finish loading");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the address bar satisfies `done` (after a click or Enter that navigates).
    pub async fn wait_for_url(
        &self,
        what: &str,
        done: impl Fn(&reqwest::Url) -> bool,
    ) -> Result<reqwest::Url> {
        let deadline = Instant::now() + NAVIGATION_WAIT;
        loop {
            let url = self.driver.current_url().await?;
            if done(&url) {
                self.wait_loaded().await?;
                return Ok(url);
            }
            if Instant::now() > deadline {
                bail!("waited for {what}, but the browser stayed at {url}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The path and query of the current address, e.g. `/models?sort=output`.
    pub async fn path_and_query(&self) -> Result<String> {
        let url = self.driver.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        })
    }

    pub async fn find(&self, css: &str) -> Result<WebElement> {
        self.driver
            .find(By::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<WebElement>> {
        Ok(self.driver.find_all(By::Css(css)).await?)
    }

    /// The rendered (visible) text of every element matching `css`, whitespace collapsed.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for element in self.find_all(css).await? {
            out.push(collapse(&element.text().await?));
        }
        Ok(out)
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(collapse(&self.find(css).await?.text().await?))
    }

    /// An attribute of every element matching `css` (elements without it are skipped).
    pub async fn attrs(&self, css: &str, name: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for element in self.find_all(css).await? {
            if let Some(value) = element.attr(name).await? {
                out.push(value);
            }
        }
        Ok(out)
    }

    /// Clears a text field and types `text` into it, key by key.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<WebElement> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(field)
    }

    /// Runs `script` and deserialises what it returns.
    pub async fn eval<T: for<'de> Deserialize<'de>>(
        &self,
        script: &str,
        args: Vec<Value>,
    ) -> Result<T> {
        let ret = self.driver.execute(script, args).await?;
        serde_json::from_value(ret.json().clone())
            .with_context(|| format!("reading {:?}", ret.json()))
    }

    /// The browser console since the last call: every entry at error level, and anything about a
    /// refused (CSP-blocked) or failed resource at any level.
    pub async fn console_problems(&self) -> Result<Vec<String>> {
        let entries = self.driver.browser_log().await?;
        Ok(entries
            .into_iter()
            .filter(|e| {
                e.level == "SEVERE"
                    || e.message.contains("Content Security Policy")
                    || e.message.contains("Refused to")
                    || e.message.contains("Failed to load resource")
            })
            .map(|e| format!("[{}] {}", e.level, e.message))
            .collect())
    }

    /// Fails when the console shows problems on the current page.
    pub async fn assert_clean_console(&self, page: &str) -> Result<()> {
        let problems = self.console_problems().await?;
        ensure!(
            problems.is_empty(),
            "the console shows problems on {page}:\n  {}",
            problems.join("\n  ")
        );
        Ok(())
    }

    /// Saves the whole page (not just the viewport) as `target/screenshots/<name>-<device>.png`.
    pub async fn screenshot(&self, env: &Env, name: &str) -> Result<()> {
        let cdp = self.driver.cdp();
        let metrics = cdp.send_raw("Page.getLayoutMetrics", json!({})).await?;
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().context("content width")?;
        // Very long pages are cut off; the top is what a reader sees first anyway.
        let height = size["height"]
            .as_f64()
            .context("content height")?
            .min(12_000.0);
        let shot = cdp
            .send_raw(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                       "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
            )
            .await?;
        let data = shot["data"].as_str().context("screenshot data")?;
        let png = thirtyfour::support::base64_decode(data)?;
        let path = env
            .screenshots
            .join(format!("{name}-{}.png", self.device.label()));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// Measures horizontal overflow against a device `width` CSS px wide: the document's scroll
    /// width, and any element sticking out without an ancestor that scrolls or clips it. (A
    /// mobile browser zooms out to fit a too-wide page, so `innerWidth` itself grows with it.)
    pub async fn horizontal_overflow(&self, width: u32) -> Result<Overflow> {
        self.eval(OVERFLOW_JS, vec![json!(width)]).await
    }

    /// Tables whose body cells do not start under a header column (a row rendered outside the
    /// table's grid, for instance), one message per table.
    pub async fn misaligned_tables(&self) -> Result<Vec<String>> {
        self.eval(TABLE_GRID_JS, vec![]).await
    }

    /// Presses Tab until focus has been round the page; returns each stop with its focus style.
    pub async fn walk_tab_order(&self) -> Result<TabWalk> {
        let expected: Vec<String> = self.eval(TAB_STOPS_JS, vec![]).await?;
        // Start from the top of the document with nothing focused.
        self.driver
            .execute(
                "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
                vec![],
            )
            .await?;
        let mut stops: Vec<TabStop> = Vec::new();
        for _ in 0..expected.len() + 8 {
            self.driver
                .action_chain()
                .send_keys(Key::Tab)
                .perform()
                .await?;
            let stop: Option<TabStop> = self.eval(FOCUSED_JS, vec![]).await?;
            match stop {
                // Focus has left the page (past the last control): the walk is complete.
                None if !stops.is_empty() => break,
                None => continue,
                Some(stop)
                    if stops
                        .first()
                        .is_some_and(|first| first.index == stop.index && stop.index >= 0) =>
                {
                    break;
                }
                Some(stop) => stops.push(stop),
            }
        }
        Ok(TabWalk { expected, stops })
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overflow {
    pub inner_width: f64,
    pub scroll_width: f64,
    pub offenders: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TabStop {
    /// Position among the controls we expect, in document order; -1 for anything else.
    pub index: i64,
    pub describe: String,
    /// Chromium makes an overflowing box focusable by keyboard so that it can be scrolled.
    pub scroller: bool,
    pub ring_visible: bool,
    pub ring: String,
    pub in_viewport: bool,
}

#[derive(Debug)]
pub struct TabWalk {
    /// Every control a reader should reach, in document order.
    pub expected: Vec<String>,
    pub stops: Vec<TabStop>,
}

impl TabWalk {
    /// What is wrong with this walk: unreachable controls, stops out of document order, stops
    /// without a visible focus ring or outside the viewport.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        // A date field is one control with several Tab stops (day, month, year): count it once.
        let mut reached: Vec<i64> = self
            .stops
            .iter()
            .map(|s| s.index)
            .filter(|i| *i >= 0)
            .collect();
        reached.dedup();
        for (i, control) in self.expected.iter().enumerate() {
            if !reached.contains(&(i as i64)) {
                problems.push(format!("never reached by Tab: {control}"));
            }
        }
        if reached.windows(2).any(|w| w[1] <= w[0]) {
            problems.push(format!(
                "Tab order differs from document order: {reached:?}"
            ));
        }
        if let Some(first) = self.stops.first()
            && !first.describe.contains("skip")
        {
            problems.push(format!(
                "the first Tab stop is {}, not the skip link",
                first.describe
            ));
        }
        for stop in &self.stops {
            if stop.index < 0 && !stop.scroller {
                problems.push(format!("unexpected Tab stop: {}", stop.describe));
            }
            if !stop.ring_visible {
                problems.push(format!(
                    "no visible focus ring on {} ({})",
                    stop.describe, stop.ring
                ));
            }
            if !stop.in_viewport {
                problems.push(format!("focused but off screen: {}", stop.describe));
            }
        }
        problems
    }
}

/// The controls a keyboard user must be able to reach, in document order. Stored in
/// `window.__stops` so that each Tab stop can be matched by identity.
const TAB_STOPS_JS: &str = concat!(
    r#"
const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
const all = [...document.querySelectorAll(selector)].filter((e) => {
  if (e.getClientRects().length === 0) return false;
  // The body of a folded <details> is not rendered (though it may still report boxes): its
  // summary is the one stop until it is opened.
  const folded = e.closest('details:not([open])');
  if (folded && !(e.tagName === 'SUMMARY' && e.parentElement === folded)) return false;
  const style = getComputedStyle(e);
  return style.visibility !== 'hidden' && !e.closest('[inert]');
});
// A group of radio buttons is one Tab stop.
const radiosSeen = new Set();
window.__stops = all.filter((e) => {
  if (e.type !== 'radio') return true;
  if (radiosSeen.has(e.name)) return false;
  radiosSeen.add(e.name);
  return true;
});
"#,
    r#"
window.__describe = (e) => {
  let d = e.tagName.toLowerCase();
  if (e.id) d += '#' + e.id;
  if (e.className && typeof e.className === 'string' && e.className.trim()) d += '.' + e.className.trim().split(/\s+/).join('.');
  if (e.name) d += '[name=' + e.name + ']';
  if (e.getAttribute('href')) d += '[href=' + e.getAttribute('href') + ']';
  else if (e.value && e.type === 'checkbox') d += '[value=' + e.value + ']';
  const text = (e.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 30);
  if (text) d += ' "' + text + '"';
  return d;
};
return window.__stops.map(window.__describe);
"#
);

/// The focused element after a Tab: where it is among the expected stops, and whether its focus
/// ring is visible (an outline or a box shadow) and on screen.
const FOCUSED_JS: &str = r#"
const e = document.activeElement;
if (!e || e === document.body || e === document.documentElement) return null;
const style = getComputedStyle(e);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
  && style.outlineColor !== 'transparent' && style.outlineColor !== 'rgba(0, 0, 0, 0)';
const shadow = style.boxShadow && style.boxShadow !== 'none';
const r = e.getBoundingClientRect();
const inViewport = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
  && r.left < innerWidth && r.top < innerHeight;
const scroller = e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight;
return {
  index: window.__stops.indexOf(e),
  describe: window.__describe(e),
  scroller,
  ringVisible: outline || shadow,
  ring: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor + (shadow ? ' / shadow ' + style.boxShadow : ''),
  inViewport,
};
"#;

const OVERFLOW_JS: &str = r#"
const vw = arguments[0];
const offenders = [];
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  // Moved off screen on purpose (the skip link until it is focused).
  if (r.right <= 0) continue;
  if (r.right <= vw + 0.5 && r.left >= -0.5) continue;
  let clipped = false;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
  }
  if (!clipped) {
    let d = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
    offenders.push(d + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + 'px');
  }
}
return {
  innerWidth: window.innerWidth,
  scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  offenders: offenders.slice(0, 12),
};
"#;

const TABLE_GRID_JS: &str = r#"
const problems = [];
for (const table of document.querySelectorAll('table')) {
  const head = table.tHead;
  if (!head || head.rows.length === 0) continue;
  // A table stacked into cards on a narrow screen has no visible header row to align with.
  if (getComputedStyle(table).display !== 'table') continue;
  const lefts = [...head.rows[head.rows.length - 1].cells].map((c) => c.getBoundingClientRect().left);
  search: for (const body of table.tBodies) {
    for (const row of body.rows) {
      for (const cell of row.cells) {
        const r = cell.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (!lefts.some((x) => Math.abs(x - r.left) < 1.5)) {
          const name = table.className ? 'table.' + table.className.trim().split(/\s+/).join('.') : 'a table';
          const text = (row.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 40);
          problems.push(name + ': row "' + text + '" has a cell at x=' + Math.round(r.left) + ', under no column');
          break search;
        }
      }
    }
  }
}
return problems;
"#;
