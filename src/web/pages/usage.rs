//! `/usage`: the upload form, and (after a POST) what was read from the export: its format,
//! the rows read and skipped (each skipped one by line, with its reason), the period, and
//! the traffic of every exported model name where it ran.

use askama::Template;

use super::{Page, impl_page};
use crate::seller::maker_name;
use crate::store::Catalogue;
use crate::usage::{Format, Notes, RanAt, Reading};
use crate::web::extractors::upload::{FILE_FIELD, TEXT_FIELD};
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::middleware::UPLOAD_BYTES;

/// One exported name's traffic, formatted.
pub struct TrafficRow {
    pub name: String,
    pub variant: Option<String>,
    pub ran_at: String,
    pub requests: String,
    pub uncached_input: String,
    pub cache_read: String,
    pub cache_write_5m: String,
    pub cache_write_1h: String,
    pub output: String,
    pub batch_requests: String,
    pub export_cost: Option<String>,
}

/// What was read, formatted for the page.
pub struct ReadingView {
    pub format: &'static str,
    pub rows_read: String,
    pub rows_skipped: String,
    /// (line, reason) of the listed skipped rows.
    pub skipped: Vec<(u64, String)>,
    /// Skipped rows counted but not listed.
    pub unlisted: String,
    /// "1 Mar 2026 – 31 Mar 2026 (31 days)".
    pub period: Option<String>,
    pub notes: Vec<String>,
    pub traffic: Vec<TrafficRow>,
    /// Whether the export has a cost column (the table then shows it).
    pub has_cost: bool,
}

#[derive(Template)]
#[template(path = "usage.html")]
pub struct UsagePage {
    pub layout: Layout,
    pub reading: Option<ReadingView>,
    pub formats: Vec<&'static str>,
    pub upload_limit: String,
    pub file_field: &'static str,
    pub text_field: &'static str,
}

/// Where the export says its traffic ran, in words.
fn ran_at(place: &RanAt) -> String {
    let named = |prefix: &str, name: &Option<String>| match name {
        Some(name) => format!("{prefix}: {name}"),
        None => prefix.to_string(),
    };
    match place {
        RanAt::OpenRouter { provider } => named("OpenRouter", provider),
        RanAt::FirstParty { provider } => {
            format!("{}'s own API", maker_name(provider).unwrap_or(provider))
        }
        RanAt::Bedrock { cloud, region } => named(cloud.label(), region),
        RanAt::LiteLlm { provider } => named("through LiteLLM", provider),
        RanAt::Unstated => "not stated".into(),
    }
}

/// The readings a reader must be told, as sentences.
fn notes(notes: &Notes) -> Vec<String> {
    let rows = |n: u64| {
        if n == 1 {
            "1 row".to_string()
        } else {
            format!("{} rows", format::count(n))
        }
    };
    let mut out = Vec::new();
    if notes.proxy_cache_hits > 0 {
        out.push(format!(
            "{} answered by the proxy's own cache never reached a seller: counted, not priced.",
            rows(notes.proxy_cache_hits)
        ));
    }
    if notes.failed_requests > 0 {
        out.push(format!(
            "{} of failed requests were not billed: counted, not priced.",
            rows(notes.failed_requests)
        ));
    }
    if notes.batch_unstated > 0 {
        out.push(format!(
            "{} do not say whether they ran as batch (the export was not grouped by it): \
             read as on-demand.",
            rows(notes.batch_unstated)
        ));
    }
    if notes.batch_apportioned > 0 {
        out.push(format!(
            "{} ran partly as batch: their tokens were shared out by request count.",
            rows(notes.batch_apportioned)
        ));
    }
    if notes.pages_with_more > 0 {
        out.push(
            "The export says more pages follow (has_more): only the pages given were read.".into(),
        );
    }
    out
}

impl ReadingView {
    pub fn new(reading: &Reading) -> ReadingView {
        let listed = reading.skipped.len() as u64;
        ReadingView {
            format: reading.format.name(),
            rows_read: format::count(reading.rows_read),
            rows_skipped: format::count(reading.rows_skipped),
            skipped: reading
                .skipped
                .iter()
                .map(|s| (s.line, s.reason.clone()))
                .collect(),
            unlisted: format::count(reading.rows_skipped.saturating_sub(listed)),
            period: reading.period.map(|p| {
                let days = p.days();
                format!(
                    "{} – {} ({} day{})",
                    format::prose_day(p.from),
                    format::prose_day(p.to),
                    days,
                    if days == 1 { "" } else { "s" }
                )
            }),
            notes: notes(&reading.notes),
            has_cost: reading.traffic.iter().any(|e| e.export_cost.is_some()),
            traffic: reading
                .traffic
                .iter()
                .map(|entry| {
                    let total = entry.total();
                    let known = |n: u64| {
                        if entry.requests_known {
                            format::count(n)
                        } else {
                            "not in the export".to_string()
                        }
                    };
                    TrafficRow {
                        name: entry.name.clone(),
                        variant: entry.variant.clone(),
                        ran_at: ran_at(&entry.ran_at),
                        requests: known(total.requests),
                        uncached_input: format::count(total.uncached_input),
                        cache_read: format::count(total.cache_read),
                        cache_write_5m: format::count(total.cache_write_5m),
                        cache_write_1h: format::count(total.cache_write_1h),
                        output: format::count(total.output),
                        batch_requests: if entry.bands.iter().any(|b| b.batch) {
                            known(entry.batch_requests())
                        } else {
                            "0".into()
                        },
                        export_cost: entry.export_cost.map(format::usd),
                    }
                })
                .collect(),
        }
    }
}

impl UsagePage {
    fn build(catalogue: &Catalogue, reading: Option<ReadingView>) -> UsagePage {
        UsagePage {
            layout: Layout::new(catalogue, "Price your own usage", "/usage")
                .describe(
                    "Upload a usage export from OpenRouter, OpenAI, Anthropic, a LiteLLM proxy \
                     or Bedrock and see the traffic it holds, read exactly.",
                )
                .canonical("/usage"),
            reading,
            formats: Format::ALL.iter().map(|f| f.name()).collect(),
            upload_limit: format!("{} MB", UPLOAD_BYTES >> 20),
            file_field: FILE_FIELD,
            text_field: TEXT_FIELD,
        }
    }

    /// The empty form.
    pub fn form(catalogue: &Catalogue) -> UsagePage {
        UsagePage::build(catalogue, None)
    }

    /// What was read from an upload, above the form.
    pub fn answer(catalogue: &Catalogue, reading: &Reading) -> UsagePage {
        UsagePage::build(catalogue, Some(ReadingView::new(reading)))
    }
}

impl Page for UsagePage {}
impl_page!(UsagePage);
