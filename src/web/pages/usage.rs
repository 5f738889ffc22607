//! `/usage`: the upload form, and (after a POST or from a share link) the answer first: the
//! period and traffic, the traffic as exported at list prices beside the export's own cost,
//! each model at its cheapest seller, the whole traffic on other models; then every seller of
//! every model, the names we could not resolve, and what was read from the export (its
//! format, the rows read and skipped, each skipped one by line with its reason).

use askama::Template;

use super::{Page, impl_page};
use crate::seller::maker_name;
use crate::store::Catalogue;
use rust_decimal::Decimal;

use crate::pricing::usage::{ModelBill, UsageBill};
use crate::usage::{Format, Notes, RanAt, Reading, TierBy};
use crate::web::extractors::upload::{FILE_FIELD, TEXT_FIELD};
use crate::web::format;
use crate::web::handlers::usage::Answer;
use crate::web::layout::{Layout, absolute};
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

/// One seller's bill for one model, formatted.
pub struct SellerRow {
    pub seller: String,
    pub cost: String,
    pub cheapest: bool,
    pub as_exported: bool,
    pub notes: Vec<&'static str>,
}

/// One resolved model, formatted.
pub struct ModelRow {
    pub id: String,
    pub name: String,
    /// "`claude-sonnet-4-20250514` (the rule)" per exported spelling.
    pub spellings: Vec<(String, String)>,
    pub requests: String,
    pub tokens: String,
    pub as_exported: Option<(String, String)>,
    pub as_exported_note: Option<String>,
    pub export_cost: Option<String>,
    pub cheapest: Option<(String, String)>,
    pub tier_note: Option<&'static str>,
    pub sellers: Vec<SellerRow>,
    pub unpriced: Vec<(String, String)>,
}

/// A name we could not resolve, formatted.
pub struct UnresolvedRow {
    pub name: String,
    pub ran_at: String,
    pub requests: String,
    pub tokens: String,
    pub reason: String,
}

/// Another model taking the whole traffic, formatted.
pub struct AlternativeRow {
    pub rank: usize,
    pub id: String,
    pub name: String,
    pub seller: String,
    pub cost: String,
    pub per_30_days: Option<String>,
    pub quality: String,
    pub quality_pick: bool,
    pub notes: Vec<&'static str>,
}

/// The priced answer, formatted: the summary first, then the tables.
pub struct AnswerView {
    pub summary: Vec<String>,
    pub models: Vec<ModelRow>,
    pub unresolved: Vec<UnresolvedRow>,
    pub alternatives: Vec<AlternativeRow>,
    pub alternatives_line: String,
    pub share_url: Option<String>,
    pub json_url: Option<String>,
    pub csv_url: Option<String>,
}

#[derive(Template)]
#[template(path = "usage.html")]
pub struct UsagePage {
    pub layout: Layout,
    pub answer: Option<AnswerView>,
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

/// A figure for `days` scaled to 30 days.
fn per_30_days(amount: Decimal, days: Option<i64>) -> Option<Decimal> {
    let days = Decimal::from(days.filter(|d| *d > 0)?);
    amount.checked_mul(Decimal::from(30))?.checked_div(days)
}

fn tokens_of(sums: &crate::usage::Sums) -> u64 {
    sums.prompt_tokens()
        .and_then(|p| p.checked_add(sums.output))
        .unwrap_or(u64::MAX)
}

fn tier_note(tier_by: &[TierBy]) -> Option<&'static str> {
    if tier_by.contains(&TierBy::Unstated) {
        Some(
            "the export gives neither a request count nor a tier marker: the long-context tier could not be checked and the base price applies",
        )
    } else if tier_by.contains(&TierBy::BucketAverage) {
        Some("long-context tier by each bucket's average prompt (the export sums requests)")
    } else if tier_by.contains(&TierBy::ExportMarker) {
        Some("long-context tier by the export's own tier marker")
    } else {
        None
    }
}

fn model_row(m: &ModelBill) -> ModelRow {
    let as_exported_seller = m.as_exported.as_ref().map(|a| a.seller.clone());
    ModelRow {
        id: m.id.clone(),
        name: m.name.clone(),
        spellings: m.spellings.clone(),
        requests: if m.requests_known {
            format::count(m.total.requests)
        } else {
            "not in the export".into()
        },
        tokens: format::count(tokens_of(&m.total)),
        as_exported: m
            .as_exported
            .as_ref()
            .map(|a| (a.seller_name.clone(), format::usd(a.cost))),
        as_exported_note: m.as_exported.as_ref().and_then(|a| a.note.clone()),
        export_cost: m.export_cost.map(format::usd),
        cheapest: m
            .cheapest()
            .map(|s| (s.seller_name.clone(), format::usd(s.cost))),
        tier_note: tier_note(&m.tier_by),
        sellers: m
            .sellers
            .iter()
            .map(|s| SellerRow {
                seller: s.seller_name.clone(),
                cost: format::usd(s.cost),
                cheapest: s.cheapest,
                as_exported: as_exported_seller.as_deref() == Some(s.seller.key().as_str()),
                notes: s.readings.sentences(),
            })
            .collect(),
        unpriced: m.unpriced.clone(),
    }
}

impl AnswerView {
    pub fn new(reading: &Reading, bill: &UsageBill, share_url: Option<&str>) -> AnswerView {
        let days = reading.period.map(|p| p.days());
        let all = reading
            .traffic
            .iter()
            .fold(crate::usage::Sums::default(), |sum, e| {
                sum.saturating_add(&e.total())
            });
        let mut summary = Vec::new();
        let requests_known = reading.traffic.iter().all(|e| e.requests_known);
        summary.push(format!(
            "{}: {} tokens{} on {} model{}{}.",
            reading
                .period
                .map(|p| format!(
                    "{} – {} ({} day{})",
                    format::prose_day(p.from),
                    format::prose_day(p.to),
                    p.days(),
                    if p.days() == 1 { "" } else { "s" }
                ))
                .unwrap_or_else(|| "Your export (no dates given)".into()),
            format::count(tokens_of(&all)),
            if requests_known {
                format!(" in {} requests", format::count(all.requests))
            } else {
                String::new()
            },
            bill.models.len(),
            if bill.models.len() == 1 { "" } else { "s" },
            if bill.unresolved.is_empty() {
                String::new()
            } else {
                format!(
                    ", and {} name{} we could not resolve (listed below, not priced)",
                    bill.unresolved.len(),
                    if bill.unresolved.len() == 1 { "" } else { "s" }
                )
            }
        ));
        let totals = &bill.totals;
        match (totals.as_exported, totals.export_cost) {
            (Some(ours), Some(theirs)) => summary.push(format!(
                "As exported, at list prices where it ran: {}. The export's own cost: {}; our list-price total differs from it by {}{}.",
                format::usd(ours),
                format::usd(theirs),
                totals
                    .difference_percent()
                    .map_or_else(|| "an amount we cannot state as a share (it is zero)".into(), format::signed_percent),
                if totals
                    .difference_percent()
                    .is_some_and(|d| d.abs() > Decimal::TEN)
                {
                    "; a gap this large points at negotiated prices, free variants or our error"
                } else {
                    ""
                }
            )),
            (Some(ours), None) => summary.push(format!(
                "As exported, at list prices where it ran: {}.",
                format::usd(ours)
            )),
            (None, Some(theirs)) => summary.push(format!(
                "The export's own cost: {}; where it ran is not stated, so there is no list-price total to set beside it.",
                format::usd(theirs)
            )),
            (None, None) => {}
        }
        if let Some(cheapest) = totals.cheapest_sellers {
            summary.push(match totals.saving() {
                Some(saving) if saving > Decimal::ZERO => format!(
                    "Each model at its cheapest seller: {}, {} less.",
                    format::usd(cheapest),
                    format::usd(saving)
                ),
                _ => format!(
                    "Each model at its cheapest seller: {}.",
                    format::usd(cheapest)
                ),
            });
        }
        if let (Some(days), Some(figure)) = (days, totals.as_exported.or(totals.cheapest_sellers))
            && days != 30
            && let Some(scaled) = per_30_days(figure, Some(days))
        {
            summary.push(format!(
                "Per 30 days: {}{}.",
                format::usd(scaled),
                if totals.as_exported.is_some() {
                    " as exported"
                } else {
                    " at the cheapest sellers"
                }
            ));
        }
        if let Some(pick) = bill.alternatives.iter().find(|a| a.quality_pick) {
            summary.push(format!(
                "The cheapest model at least as good as the best one you use now ({} on the intelligence index): {} at {}.",
                bill.current_quality.map_or_else(String::new, format::score),
                pick.name,
                format::usd(pick.cost)
            ));
        }
        let link = |format: &str| share_url.map(|url| format!("{url}&format={format}"));
        AnswerView {
            summary,
            models: bill.models.iter().map(model_row).collect(),
            unresolved: bill
                .unresolved
                .iter()
                .map(|u| UnresolvedRow {
                    name: u.name.clone()
                        + &u.variant
                            .as_ref()
                            .map_or_else(String::new, |v| format!(" ({v})")),
                    ran_at: u.places.iter().map(ran_at).collect::<Vec<_>>().join("; "),
                    requests: if u.requests_known {
                        format::count(u.total.requests)
                    } else {
                        "not in the export".into()
                    },
                    tokens: format::count(tokens_of(&u.total)),
                    reason: u.reason.clone(),
                })
                .collect(),
            alternatives: bill
                .alternatives
                .iter()
                .enumerate()
                .map(|(i, a)| AlternativeRow {
                    rank: i + 1,
                    id: a.id.clone(),
                    name: a.name.clone(),
                    seller: a.seller_name.clone(),
                    cost: format::usd(a.cost),
                    per_30_days: per_30_days(a.cost, days).map(format::usd),
                    quality: a.quality.map_or_else(|| "—".into(), format::score),
                    quality_pick: a.quality_pick,
                    notes: a.left_out.clone(),
                })
                .collect(),
            alternatives_line: format!(
                "The whole traffic on each of the {} models whose window is larger than {} tokens{}, each at its cheapest seller, cheapest first.",
                bill.alternatives_counted,
                format::count(bill.largest_band),
                if bill.largest_band == 0 {
                    String::new()
                } else {
                    " (the largest request-size band the traffic reaches)".into()
                }
            ),
            share_url: share_url.map(absolute),
            json_url: link("json"),
            csv_url: link("csv"),
        }
    }
}

impl UsagePage {
    fn build(
        catalogue: &Catalogue,
        answer: Option<AnswerView>,
        reading: Option<ReadingView>,
    ) -> UsagePage {
        UsagePage {
            layout: Layout::new(catalogue, "Price your own usage", "/usage")
                .describe(
                    "Upload a usage export from OpenRouter, OpenAI, Anthropic, a LiteLLM proxy \
                     or Bedrock and see the traffic it holds, read exactly.",
                )
                .canonical("/usage"),
            answer,
            reading,
            formats: Format::ALL.iter().map(|f| f.name()).collect(),
            upload_limit: format!("{} MB", UPLOAD_BYTES >> 20),
            file_field: FILE_FIELD,
            text_field: TEXT_FIELD,
        }
    }

    /// The empty form.
    pub fn form(catalogue: &Catalogue) -> UsagePage {
        UsagePage::build(catalogue, None, None)
    }

    /// The priced answer first, what was read from the export after it, the form last. Its
    /// canonical URL is its share link: the one address of this answer.
    pub fn answer(catalogue: &Catalogue, answer: &Answer) -> UsagePage {
        let mut page = UsagePage::build(
            catalogue,
            Some(AnswerView::new(
                &answer.reading,
                &answer.bill,
                answer.share_url.as_deref(),
            )),
            Some(ReadingView::new(&answer.reading)),
        );
        if let Some(url) = &answer.share_url {
            page.layout = page.layout.canonical(url.clone());
        }
        page
    }
}

impl Page for UsagePage {}
impl_page!(UsagePage);
