//! "Where to buy": every upstream provider's price for one model, next to OpenRouter's routed
//! headline price. Model pages render it with `{% include "partials/providers.html" %}` and a
//! field named `providers` holding [`providers_section`]'s result.
//!
//! Rows are sorted by a blended price per million tokens, `(3 × input + output) ÷ 4`: a 3:1
//! input:output mix without caching, the same default the ranking uses. The blend decides the
//! order, the cheapest mark, the spread, and each row's difference from the headline.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::calculator::CalculatorQuery;
use super::form::FieldErrors;
use super::format;
use super::provider_filters::{FilterForm, FilterQuery};
use crate::model::{Model, Variant};
use crate::pricing::price::{Component, PriceSet};
use crate::pricing::providers::{Offer, ProviderFilters, Shortfall, is_reduced_precision, select};
use crate::pricing::ranking::blended_price_per_million;
use crate::store::Catalogue;
use crate::store::catalogue::STALE_AFTER_HOURS;
use crate::store::endpoints::{Endpoint, ModelEndpoints};
use crate::store::providers::ProviderInfo;

/// Input tokens per output token in the blend that orders the table.
pub const BLEND_RATIO: u32 = 3;

/// The blended $/M that orders the table; `None` when a needed price is missing or variable.
pub fn blend(prices: &PriceSet) -> Option<Decimal> {
    blended_price_per_million(prices, Decimal::from(BLEND_RATIO), Decimal::ZERO)
}

/// Why the filters leave one provider out, "runs outside the EU; no tool calling", or `None`
/// when it qualifies. Shared by this section and the per-provider calculator.
pub fn shortfalls_text(reasons: &[Shortfall], filters: &ProviderFilters) -> Option<String> {
    (!reasons.is_empty()).then(|| {
        reasons
            .iter()
            .map(|r| r.describe(filters, true))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// "2 providers left out: 1 runs outside the EU, 1 does not say where it runs.", or `None`
/// when none was left out.
pub fn left_out_summary(
    left_out: usize,
    reasons: &[(Shortfall, usize)],
    filters: &ProviderFilters,
) -> Option<String> {
    (left_out > 0).then(|| {
        let why: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{n} {}", r.describe(filters, *n == 1)))
            .collect();
        let providers = if left_out == 1 {
            "1 provider".to_string()
        } else {
            format!("{left_out} providers")
        };
        format!("{providers} left out: {}.", why.join(", "))
    })
}

/// One provider endpoint, formatted.
#[derive(Clone, Debug)]
pub struct ProviderRow {
    pub provider: String,
    pub tag: String,
    pub input: String,
    pub output: String,
    pub cache_read: String,
    pub cache_write: String,
    pub blend: String,
    /// How this endpoint's price compares with the routed price, e.g. "+50%", "same".
    pub vs_headline: String,
    /// "dearer", "cheaper" or "" (same, or not comparable), for styling.
    pub vs_class: &'static str,
    pub context: String,
    pub max_output: String,
    pub quantization: String,
    /// Why a low-precision quantization is flagged; `None` when it is not.
    pub quantization_flag: Option<String>,
    pub uptime: String,
    pub uptime_detail: String,
    /// The last 5 and 30 minutes, short: "5 min 99.8% · 30 min 99.9%".
    pub uptime_recent: String,
    /// OpenRouter's status when not normal, e.g. "status −2".
    pub status_flag: Option<String>,
    /// The cheapest row (without filters: only when some provider charges more); with
    /// filters, the cheapest row that meets them.
    pub cheapest: bool,
    /// The provider's slug when OpenRouter's provider list has it: its page is
    /// `/providers/{slug}`.
    pub slug: Option<String>,
    /// Where the provider is based and runs, e.g. "HQ US · runs in SG, US".
    pub places: String,
    pub tools: &'static str,
    pub structured_outputs: &'static str,
    pub implicit_caching: &'static str,
    /// Median latency over 30 minutes, or "not published".
    pub latency: String,
    /// Median throughput over 30 minutes, or "not published".
    pub throughput: String,
    /// (label, absolute http(s) URL): privacy policy, terms, status page, as listed.
    pub policies: Vec<(&'static str, String)>,
    /// Why the reader's filters leave this row out; `None` when it qualifies.
    pub left_out: Option<String>,
    blend_value: Option<Decimal>,
}

/// OpenRouter's routed price for the model, the row every provider is compared with.
#[derive(Clone, Debug, Default)]
pub struct HeadlineRow {
    pub input: String,
    pub output: String,
    pub cache_read: String,
    pub cache_write: String,
    pub blend: String,
    pub context: String,
    pub max_output: String,
}

/// Everything the "Where to buy" partial shows.
#[derive(Clone, Debug, Default)]
pub struct ProvidersSection {
    pub model_id: String,
    pub model_name: String,
    /// A page-unique element id for the section heading.
    pub anchor: String,
    pub headline: Option<HeadlineRow>,
    /// Cheapest first; rows without a comparable price last.
    pub rows: Vec<ProviderRow>,
    pub show_cache_write: bool,
    /// A sentence on the range of prices, when providers differ.
    pub spread: Option<String>,
    /// The spread alone, e.g. "87.5%": how much more the dearest costs than the cheapest.
    pub spread_percent: Option<String>,
    /// Provider name(s) at the lowest blended price (also when all charge the same).
    pub cheapest: Vec<String>,
    /// Two or more providers, all at the same blended price.
    pub all_same_price: bool,
    pub cheapest_blend: Option<String>,
    /// How the cheapest compares with the routed price, e.g. "20% below the routed price".
    pub cheapest_vs_headline: Option<String>,
    pub flagged_quantization: usize,
    pub fetched_at: Option<String>,
    pub fetched_iso: String,
    pub stale: bool,
    /// Set when the latest refresh of this list failed.
    pub failure: Option<String>,
    /// For a `:free`/`:batch` listing: the base model whose providers are tracked.
    pub see_base: Option<String>,
    /// True when the reader set any filter.
    pub filtered: bool,
    /// Rows that meet the filters (all rows without filters).
    pub kept: usize,
    /// "2 providers left out: 1 runs outside the EU, 1 does not say where it runs."
    pub left_out_summary: Option<String>,
    /// The cheapest row that meets the filters, as "Name at $x per million blended".
    pub cheapest_qualifying: Option<String>,
    /// The filter form; filled in by the page that shows the section.
    pub form: super::provider_filters::FilterForm,
    /// The per-provider calculator for this model, with the filters carried over.
    pub calculator_href: String,
}

impl ProvidersSection {
    pub fn has_data(&self) -> bool {
        !self.rows.is_empty()
    }

    pub fn blend_label(&self) -> String {
        format!("{BLEND_RATIO}:1")
    }

    /// "1 provider" / "3 providers".
    pub fn provider_count(&self) -> String {
        match self.rows.len() {
            1 => "1 provider".into(),
            n => format!("{n} providers"),
        }
    }
}

/// Whether a quantization is below the 16-bit original (see
/// [`is_reduced_precision`]), and why that matters.
pub fn quantization_flag(quantization: &str) -> Option<String> {
    if !is_reduced_precision(quantization) {
        return None;
    }
    let digits: String = quantization
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(match digits.parse::<u32>() {
        Ok(bits) => format!("{bits}-bit weights, below the 16-bit original: answers can differ"),
        Err(_) => "reduced-precision weights, below the 16-bit original: answers can differ".into(),
    })
}

/// "HQ US · runs in SG, US"; "HQ not stated" and "datacenters not stated" when the list
/// does not say.
pub fn places_text(info: Option<&ProviderInfo>) -> String {
    let hq = info
        .and_then(|p| p.headquarters.as_deref())
        .unwrap_or("not stated");
    let runs = match info.map(|p| p.datacenters.as_slice()) {
        Some(list) if !list.is_empty() => format!("runs in {}", list.join(", ")),
        _ => "datacenters not stated".into(),
    };
    format!("HQ {hq} · {runs}")
}

/// The provider's own policy pages, as listed.
pub fn policy_links(info: Option<&ProviderInfo>) -> Vec<(&'static str, String)> {
    let Some(info) = info else {
        return Vec::new();
    };
    [
        ("Privacy", &info.privacy_policy_url),
        ("Terms", &info.terms_of_service_url),
        ("Status", &info.status_page_url),
    ]
    .into_iter()
    .filter_map(|(label, url)| url.clone().map(|u| (label, u)))
    .collect()
}

/// What the filters know of one endpoint and its provider.
pub fn offer<'a>(e: &'a Endpoint, info: Option<&'a ProviderInfo>) -> Offer<'a> {
    Offer {
        headquarters: info.and_then(|p| p.headquarters.as_deref()),
        datacenters: info.map_or(&[], |p| p.datacenters.as_slice()),
        uptime_last_1d: e.uptime_last_1d,
        quantization: e.quantization.as_deref(),
        supported_parameters: &e.supported_parameters,
    }
}

fn listed(parameters: &[String], name: &str) -> &'static str {
    if parameters.is_empty() {
        "not listed"
    } else if parameters.iter().any(|p| p == name) {
        "yes"
    } else {
        "no"
    }
}

/// A figure OpenRouter may withhold: "not published" rather than 0 when it does.
fn published(value: Option<f64>, unit: &str) -> String {
    value.map_or_else(|| "not published".into(), |v| format!("{v:.0} {unit}"))
}

pub(super) fn quantization_label(quantization: Option<&str>) -> String {
    match quantization {
        None | Some("") | Some("unknown") => "not stated".into(),
        Some(q) => q.to_string(),
    }
}

/// An uptime percentage, truncated so 99.97 never reads as a perfect 100.0.
pub(super) fn uptime_text(value: f64) -> String {
    format!("{:.1}%", (value * 10.0).floor() / 10.0)
}

fn uptime_cells(e: &Endpoint) -> (String, String, String) {
    let main = match (e.uptime_last_1d, e.uptime_last_30m) {
        (Some(day), _) => uptime_text(day),
        (None, Some(recent)) => format!("{} (30 min)", uptime_text(recent)),
        (None, None) => "not published".into(),
    };
    let parts: Vec<String> = [
        ("last 5 minutes", e.uptime_last_5m),
        ("last 30 minutes", e.uptime_last_30m),
        ("last day", e.uptime_last_1d),
    ]
    .iter()
    .filter_map(|(label, v)| v.map(|v| format!("{label}: {}", uptime_text(v))))
    .collect();
    let recent: Vec<String> = [("5 min", e.uptime_last_5m), ("30 min", e.uptime_last_30m)]
        .iter()
        .filter_map(|(label, v)| v.map(|v| format!("{label} {}", uptime_text(v))))
        .collect();
    (main, parts.join(", "), recent.join(" · "))
}

fn tokens(value: Option<u64>) -> String {
    value
        .map(format::tokens_short)
        .unwrap_or_else(|| "—".into())
}

/// `(a − b) / b` as a percentage, for display only.
fn percent_diff(a: Decimal, b: Decimal) -> Option<f64> {
    (a - b)
        .checked_div(b)
        .and_then(|r| r.to_f64())
        .map(|r| r * 100.0)
}

/// How an endpoint's price compares with the headline.
pub(super) fn versus(
    row: &PriceSet,
    row_blend: Option<Decimal>,
    head: &PriceSet,
    head_blend: Option<Decimal>,
) -> (String, &'static str) {
    let keys = [
        (Component::Prompt, "input"),
        (Component::Completion, "output"),
        (Component::InputCacheRead, "cache read"),
        (Component::InputCacheWrite, "cache write"),
    ];
    let differing: Vec<&str> = keys
        .iter()
        .filter(|(c, _)| row.price(*c) != head.price(*c))
        .map(|(_, label)| *label)
        .collect();
    if differing.is_empty() {
        return ("same".into(), "");
    }
    match (row_blend, head_blend) {
        (Some(r), Some(h)) if r == h => {
            let verb = if differing.len() == 1 {
                "differs"
            } else {
                "differ"
            };
            (format!("same blend; {} {verb}", differing.join(", ")), "")
        }
        (Some(r), Some(h)) if h.is_zero() => {
            (format!("{} (routed is free)", format::usd(r)), "dearer")
        }
        (Some(r), Some(h)) => match percent_diff(r, h) {
            Some(p) if r > h => (format::signed_percent(p), "dearer"),
            Some(p) => (format::signed_percent(p), "cheaper"),
            None => ("—".into(), ""),
        },
        _ => ("not comparable".into(), ""),
    }
}

fn headline_row(model: &Model) -> HeadlineRow {
    let base = &model.pricing.base;
    HeadlineRow {
        input: format::token_price(base.prompt),
        output: format::token_price(base.completion),
        cache_read: format::token_price(base.input_cache_read),
        cache_write: format::token_price(base.input_cache_write),
        blend: blend(base).map(format::usd).unwrap_or_else(|| {
            if model.is_variable() {
                "variable".into()
            } else {
                "—".into()
            }
        }),
        context: tokens(model.context_length),
        max_output: tokens(model.max_completion_tokens),
    }
}

fn provider_row(
    e: &Endpoint,
    info: Option<&ProviderInfo>,
    head: Option<&PriceSet>,
    head_blend: Option<Decimal>,
) -> ProviderRow {
    let prices = &e.pricing.base;
    let blend_value = blend(prices);
    let (vs_headline, vs_class) = match head {
        Some(head) => versus(prices, blend_value, head, head_blend),
        None => ("—".into(), ""),
    };
    let (uptime, uptime_detail, uptime_recent) = uptime_cells(e);
    ProviderRow {
        provider: e.provider_name.clone(),
        tag: e.tag.clone(),
        input: format::token_price(prices.prompt),
        output: format::token_price(prices.completion),
        cache_read: format::token_price(prices.input_cache_read),
        cache_write: format::token_price(prices.input_cache_write),
        blend: blend_value.map(format::usd).unwrap_or_else(|| {
            if prices.is_variable() {
                "variable".into()
            } else {
                "—".into()
            }
        }),
        vs_headline,
        vs_class,
        context: tokens(e.context_length),
        max_output: tokens(e.max_completion_tokens),
        quantization: quantization_label(e.quantization.as_deref()),
        quantization_flag: e.quantization.as_deref().and_then(quantization_flag),
        uptime,
        uptime_detail,
        uptime_recent,
        status_flag: e.status.filter(|s| *s != 0).map(|s| {
            if s < 0 {
                format!("status −{}", -s)
            } else {
                format!("status {s}")
            }
        }),
        cheapest: false,
        slug: info.map(|p| p.slug.clone()),
        places: places_text(info),
        tools: listed(&e.supported_parameters, "tools"),
        structured_outputs: listed(&e.supported_parameters, "structured_outputs"),
        implicit_caching: match e.supports_implicit_caching {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not stated",
        },
        latency: published(e.latency_last_30m, "ms"),
        throughput: published(e.throughput_last_30m, "tokens/s"),
        policies: policy_links(info),
        left_out: None,
        blend_value,
    }
}

fn anchor_for(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("where-to-buy-{slug}")
}

/// The endpoints that describe `model`: its own, or for an alias its target's.
fn endpoints_for<'a>(
    catalogue: &'a Catalogue,
    id: &str,
    model: Option<&Model>,
) -> Option<&'a ModelEndpoints> {
    catalogue.endpoints(id).or_else(|| {
        model
            .filter(|m| m.variant == Variant::Alias)
            .and_then(|m| catalogue.endpoints(&m.base_id))
    })
}

/// The "Where to buy" section of model `id` as of now, without filters.
pub fn providers_section(catalogue: &Catalogue, id: &str) -> ProvidersSection {
    providers_section_at(catalogue, id, &ProviderFilters::default(), Utc::now())
}

/// The "Where to buy" section of model `id` under the reader's filters, as of now.
pub fn providers_section_filtered(
    catalogue: &Catalogue,
    id: &str,
    filters: &ProviderFilters,
) -> ProvidersSection {
    providers_section_at(catalogue, id, filters, Utc::now())
}

/// The section as the model page shows it: filtered by the reader's `query` when it reads
/// (`errors` empty), with the filter form and the link to the per-provider calculator.
pub fn where_to_buy(
    catalogue: &Catalogue,
    id: &str,
    query: FilterQuery,
    filters: &ProviderFilters,
    errors: FieldErrors,
) -> ProvidersSection {
    let mut section = providers_section_filtered(catalogue, id, filters);
    let canonical = if errors.is_empty() {
        FilterQuery::from_filters(filters)
    } else {
        FilterQuery::default()
    };
    section.calculator_href = by_provider_href(id, &canonical);
    section.form = FilterForm::new(
        catalogue,
        &format!("/models/{id}"),
        &section.anchor,
        query,
        errors,
    );
    section
}

/// The per-provider calculator for model `id` under `filters`, for the default workload.
pub fn by_provider_href(id: &str, filters: &FilterQuery) -> String {
    let query = CalculatorQuery {
        ids: vec![id.to_string()],
        ..CalculatorQuery::default_workload()
    };
    let mut extra = vec![("by_provider", "1".to_string())];
    extra.extend(filters.pairs());
    format!("{}&{}", query.href(), super::params::encode(extra))
}

/// The "Where to buy" section of model `id`, with ages measured from `now`.
pub fn providers_section_at(
    catalogue: &Catalogue,
    id: &str,
    filters: &ProviderFilters,
    now: DateTime<Utc>,
) -> ProvidersSection {
    let model = catalogue.get(id).map(|e| &e.model);
    let mut section = ProvidersSection {
        model_id: id.to_string(),
        model_name: model.map_or_else(|| id.to_string(), |m| m.short_name().to_string()),
        anchor: anchor_for(id),
        headline: model.map(headline_row),
        ..ProvidersSection::default()
    };
    let data = endpoints_for(catalogue, id, model);
    if data.is_none_or(|d| d.endpoints.is_empty())
        && let Some(m) = model.filter(|m| {
            matches!(
                m.variant,
                Variant::Free | Variant::Batch | Variant::Other(_)
            ) && catalogue.get(&m.base_id).is_some()
        })
    {
        section.see_base = Some(m.base_id.clone());
    }
    let Some(data) = data else {
        return section;
    };
    if let Some(fetched) = data.fetched_at {
        section.fetched_at = Some(format::utc_minute(fetched));
        section.fetched_iso = fetched.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        section.stale =
            now.signed_duration_since(fetched) > chrono::Duration::hours(STALE_AFTER_HOURS);
    }
    if let (Some(reason), Some(attempt)) = (&data.status.last_error, data.status.last_attempt) {
        section.failure = Some(format!(
            "The latest refresh of this list, at {}, failed: {reason}.",
            format::utc_minute(attempt)
        ));
    }

    let head_prices = model.map(|m| &m.pricing.base);
    let head_blend = head_prices.and_then(blend);
    let infos: Vec<Option<&ProviderInfo>> = data
        .endpoints
        .iter()
        .map(|e| catalogue.provider_of(e).map(|p| &p.info))
        .collect();
    let mut rows: Vec<ProviderRow> = data
        .endpoints
        .iter()
        .zip(&infos)
        .map(|(e, info)| provider_row(e, *info, head_prices, head_blend))
        .collect();
    let offers: Vec<Offer> = data
        .endpoints
        .iter()
        .zip(&infos)
        .map(|(e, info)| offer(e, *info))
        .collect();
    let blends: Vec<Option<Decimal>> = rows.iter().map(|r| r.blend_value).collect();
    let selection = select(&offers, &blends, filters);
    section.filtered = !filters.is_empty();
    for (i, row) in rows.iter_mut().enumerate() {
        row.left_out = shortfalls_text(&selection.shortfalls[i], filters);
        if section.filtered {
            row.cheapest = selection.cheapest.contains(&i);
        }
    }
    section.kept = rows.len() - selection.left_out();
    if section.filtered {
        section.left_out_summary =
            left_out_summary(selection.left_out(), &selection.reasons, filters);
        section.cheapest_qualifying = selection.cheapest.first().map(|&i| {
            let names: Vec<&str> = selection
                .cheapest
                .iter()
                .map(|&j| rows[j].provider.as_str())
                .collect();
            format!(
                "{} at {} per million blended",
                names.join(", "),
                rows[i].blend
            )
        });
    }
    rows.sort_by(|a, b| {
        a.left_out
            .is_some()
            .cmp(&b.left_out.is_some())
            .then_with(|| match (a.blend_value, b.blend_value) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.provider.to_lowercase().cmp(&b.provider.to_lowercase()))
            .then_with(|| a.tag.cmp(&b.tag))
    });

    let priced: Vec<Decimal> = rows.iter().filter_map(|r| r.blend_value).collect();
    if let (Some(&min), Some(&max)) = (priced.iter().min(), priced.iter().max()) {
        // A mark only means something when some provider charges more; with filters the
        // mark is the cheapest that meets them, set above.
        let mark = max > min;
        for row in rows.iter_mut().filter(|r| r.blend_value == Some(min)) {
            if !section.filtered {
                row.cheapest = mark;
            }
            section.cheapest.push(row.provider.clone());
        }
        section.all_same_price = priced.len() >= 2 && !mark;
        section.cheapest_blend = Some(format::usd(min));
        section.cheapest_vs_headline = head_blend.and_then(|h| {
            if min == h {
                Some("the same as the routed price".into())
            } else if h.is_zero() {
                None
            } else {
                percent_diff(min, h).map(|p| {
                    if p < 0.0 {
                        format!("{} below the routed price", format::percent(-p))
                    } else {
                        format!("{} above the routed price", format::percent(p))
                    }
                })
            }
        });
        if mark {
            section.spread = Some(if min.is_zero() {
                format!(
                    "Prices run from free to {} per million blended.",
                    format::usd(max)
                )
            } else {
                let p = percent_diff(max, min).unwrap_or_default();
                section.spread_percent = Some(format::percent(p));
                format!(
                    "Prices run from {} to {} per million blended: the dearest costs {} more than the cheapest.",
                    format::usd(min),
                    format::usd(max),
                    format::percent(p)
                )
            });
        }
    }
    section.flagged_quantization = rows
        .iter()
        .filter(|r| r.quantization_flag.is_some())
        .count();
    section.show_cache_write = data
        .endpoints
        .iter()
        .any(|e| e.pricing.base.input_cache_write.is_some());
    section.rows = rows;
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantization_below_16_bit_is_flagged() {
        for low in ["fp8", "FP6", "fp4", "int8", "int4"] {
            assert!(quantization_flag(low).is_some(), "{low} not flagged");
        }
        for full in ["fp16", "bf16", "fp32", "unknown", ""] {
            assert!(quantization_flag(full).is_none(), "{full} flagged");
        }
    }

    #[test]
    fn uptime_never_rounds_up_to_perfect() {
        assert_eq!(uptime_text(99.97), "99.9%");
        assert_eq!(uptime_text(100.0), "100.0%");
        assert_eq!(uptime_text(91.126), "91.1%");
    }
}
