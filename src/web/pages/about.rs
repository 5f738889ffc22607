//! `/about`: methodology and data-source disclosure, with the ingest status read live
//! from the runs table (not from the cached catalogue) so a failure shows up at once.

use askama::Template;

use crate::usage::{Format, FormatReading};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::sections::price_tags::long_text;
use super::{Page, impl_page};
use crate::model::Model;
use crate::model::price::{Price, PriceSet, Pricing};
use crate::pricing::calculator::{Workload, price_workload};
use crate::store::matching::list_label;
use crate::store::{Catalogue, Delivery, Outcome, RunRecord};
use crate::web::extractors::params::clip;
use crate::web::format;
use crate::web::layout::Layout;

/// Failure reasons are third-party-ish text (HTTP errors, parser messages): shown
/// escaped, and clipped so one odd message cannot swamp the page.
const MAX_REASON_CHARS: usize = 300;

/// One ingest run, formatted for the page.
pub struct RunView {
    pub id: i64,
    pub success: bool,
    pub quarantined: bool,
    pub finished: String,
    pub finished_iso: String,
    pub as_of: String,
    pub as_of_iso: String,
    pub source: String,
    pub models: String,
    pub changes: String,
    pub reason: String,
}

fn time_text(t: DateTime<Utc>) -> String {
    format::utc_minute(t)
}

fn time_iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Where a run's data came from, in words. File runs show the file name only: the
/// server's directory layout is nobody's business.
pub fn source_label(run: &RunRecord) -> String {
    match run.delivery {
        Delivery::Snapshot => "bundled snapshot".into(),
        Delivery::Api => "OpenRouter API".into(),
        Delivery::File => {
            let path = run.source.strip_prefix("file:").unwrap_or(&run.source);
            let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
            format!("saved file {}", clip(name))
        }
    }
}

/// What the data being served was read from, for the exports' `source`: the OpenRouter
/// catalogue, live or as a saved file or the bundled snapshot; `None` before any data.
pub fn catalogue_source(catalogue: &Catalogue) -> Option<String> {
    let run = catalogue.freshness.last_success.as_ref()?;
    Some(match run.delivery {
        Delivery::Api => "OpenRouter /api/v1/models, fetched live".to_string(),
        _ => format!("OpenRouter /api/v1/models, from the {}", source_label(run)),
    })
}

fn clip_reason(text: &str) -> String {
    crate::format::clip(text, MAX_REASON_CHARS)
}

impl RunView {
    pub fn new(run: &RunRecord) -> RunView {
        let models = if run.success {
            format!("{} stored", format::count(run.models_stored.max(0) as u64))
        } else {
            format!("{} seen", format::count(run.models_seen.max(0) as u64))
        };
        let mut changes = Vec::new();
        if run.success {
            changes.push(format!("{} added", run.added));
            changes.push(format!("{} removed", run.removed));
            changes.push(format!("{} price changes", run.price_changes));
        }
        if run.skipped > 0 {
            changes.push(format!("{} records skipped", run.skipped));
        }
        RunView {
            id: run.id,
            success: run.success,
            quarantined: run.outcome == Outcome::Quarantined,
            finished: time_text(run.finished_at),
            finished_iso: time_iso(run.finished_at),
            as_of: time_text(run.as_of),
            as_of_iso: time_iso(run.as_of),
            source: source_label(run),
            models,
            changes: changes.join(", "),
            reason: run.error.as_deref().map(clip_reason).unwrap_or_default(),
        }
    }
}

/// The article's check, run through the real calculator: $5/M input, cache reads at 10 %,
/// a 70 % hit rate. Returns (effective input $/M, multiple of list) as display text.
pub fn worked_cache_check() -> Option<(String, String)> {
    // $5, $25 and $0.50 per million tokens, written per token.
    let mut base = PriceSet::default();
    base.set("prompt", Price::Usd(Decimal::new(5, 6)));
    base.set("completion", Price::Usd(Decimal::new(25, 6)));
    base.set("input_cache_read", Price::Usd(Decimal::new(5, 7)));
    let model = Model::new(
        "example/five-dollar-input",
        "Example",
        Pricing {
            base,
            overrides: Vec::new(),
        },
    );
    let workload = Workload {
        requests: Decimal::ONE,
        input_tokens: Decimal::from(1_000_000),
        cache_hit: Decimal::new(7, 1),
        ..Workload::default()
    };
    let bill = price_workload(&workload, &model, None).ok()?;
    Some((
        format::usd(bill.effective_input_per_million),
        format::fine_multiple(bill.input_vs_list()?),
    ))
}

#[derive(Template)]
#[template(path = "about.html")]
pub struct AboutPage {
    pub layout: Layout,
    pub last_success: Option<RunView>,
    pub last_failure: Option<RunView>,
    /// True when the last failure is newer than the last success.
    pub failing_now: bool,
    pub runs: Vec<RunView>,
    /// Quarantined runs that could still be applied with `tokenfare accept-run`.
    pub quarantined: Vec<RunView>,
    pub serving_snapshot: bool,
    pub served_as_of: String,
    pub active_models: usize,
    /// Models we keep for their history that are no longer listed.
    pub delisted_models: usize,
    /// The worked cache check as our calculator computes it: (effective $/M, multiple).
    /// `None` only if the calculator refused it, and then the sentence is left out.
    pub live_check: Option<(String, String)>,
    /// OpenRouter's provider list, refreshed with the catalogue and logged on its own.
    pub provider_list: ProviderListStatus,
    /// The official list prices: freshness, coverage and refusals.
    pub official: OfficialAbout,
    /// How `/usage` reads each export format, column by column.
    pub usage_formats: Vec<(&'static str, &'static FormatReading)>,
}

/// How the provider list's refreshes went.
pub struct ProviderListStatus {
    pub providers: usize,
    pub last_success: Option<String>,
    /// The latest attempt failed: when, and why (clipped).
    pub failing: Option<(String, String)>,
}

impl ProviderListStatus {
    fn new(catalogue: &crate::store::Catalogue) -> ProviderListStatus {
        let directory = catalogue.provider_directory();
        let failing = directory.failing().map(|f| {
            (
                time_text(f.finished_at),
                clip_reason(f.error.as_deref().unwrap_or_default()),
            )
        });
        ProviderListStatus {
            providers: directory.providers.iter().filter(|p| p.active).count(),
            last_success: directory
                .last_success
                .as_ref()
                .map(|r| time_text(r.finished_at)),
            failing,
        }
    }
}

impl AboutPage {
    /// A count as the page prints it, by format.rs's integer rule: "1,466".
    pub fn count(value: &usize) -> String {
        format::count(*value as u64)
    }

    /// The page from the catalogue's runs, counts and sources.
    pub fn build(catalogue: &Catalogue) -> AboutPage {
        let freshness = &catalogue.freshness;
        AboutPage {
            official: OfficialAbout::new(catalogue),
            layout: Layout::new(catalogue, "Methodology and data sources", "/about")
                .describe(
                    "How tokenfare reads OpenRouter's catalogue and the makers' own list prices, \
                     checks each refresh, and computes per-million prices, workload bills and the \
                     value ranking.",
                )
                .canonical("/about"),
            last_success: freshness.last_success.as_ref().map(RunView::new),
            last_failure: freshness.last_failure.as_ref().map(RunView::new),
            failing_now: freshness.failing_now(),
            runs: freshness.recent_runs.iter().map(RunView::new).collect(),
            quarantined: freshness.quarantined.iter().map(RunView::new).collect(),
            serving_snapshot: freshness.is_snapshot(),
            served_as_of: freshness.as_of().map(time_text).unwrap_or_default(),
            active_models: catalogue.active_count(),
            delisted_models: catalogue
                .all()
                .len()
                .saturating_sub(catalogue.active_count()),
            live_check: worked_cache_check(),
            provider_list: ProviderListStatus::new(catalogue),
            usage_formats: Format::ALL
                .iter()
                .map(|f| (f.name(), f.reading()))
                .collect(),
        }
    }
}

impl Page for AboutPage {}
impl_page!(AboutPage);

/// What `/about` says of the official feed: freshness, coverage per source, refusals.
pub struct OfficialAbout {
    pub as_of: String,
    pub last_refresh: String,
    /// The latest attempt failed: when, and why.
    pub failing: Option<(String, String)>,
    pub providers: usize,
    pub entries: usize,
    pub looked_up: usize,
    /// (source, models matched, models refused)
    pub coverage: Vec<(&'static str, usize, usize)>,
    /// (model id, source, reason)
    pub refusals: Vec<(String, &'static str, String)>,
    pub fallbacks: usize,
    /// (model id, source, reason)
    pub overrides: Vec<(String, &'static str, String)>,
}

impl OfficialAbout {
    pub fn new(catalogue: &Catalogue) -> OfficialAbout {
        use crate::store::matching::{RefusalKind, Rule};
        let view = catalogue.official();
        let report = &view.report;
        let when = format::utc_minute;
        let failing = match (&view.last_failure, &view.last_success) {
            (Some(f), s) if s.as_ref().is_none_or(|s| f.id > s.id) => Some((
                when(f.finished_at),
                long_text(f.error.as_deref().unwrap_or("unknown error")),
            )),
            _ => None,
        };
        OfficialAbout {
            as_of: view.as_of().map(format::day).unwrap_or_default(),
            last_refresh: view
                .last_success
                .as_ref()
                .map(|r| when(r.finished_at))
                .unwrap_or_default(),
            failing,
            providers: view.providers().len(),
            entries: view.providers().iter().map(|p| p.models.len()).sum(),
            looked_up: report.looked_up,
            coverage: report
                .coverage()
                .into_iter()
                .map(|(list, matched, refused)| (list_label(list), matched, refused))
                .collect(),
            refusals: report
                .refusals
                .iter()
                .filter(|r| r.kind != RefusalKind::Fallback)
                .map(|r| {
                    let list = list_label(r.seller.cloud());
                    (r.model_id.clone(), list, long_text(&r.reason))
                })
                .collect(),
            fallbacks: report
                .refusals
                .iter()
                .filter(|r| r.kind == RefusalKind::Fallback)
                .count(),
            overrides: report
                .matches
                .iter()
                .filter_map(|m| match &m.rule {
                    Rule::Override { reason } => Some((
                        m.model_id.clone(),
                        list_label(m.seller.cloud()),
                        long_text(reason),
                    )),
                    _ => None,
                })
                .collect(),
        }
    }
}
