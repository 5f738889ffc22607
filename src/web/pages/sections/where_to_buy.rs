//! "Where to buy": every upstream provider's price for one model, next to OpenRouter's routed
//! headline price. Pages render it with `{% include "partials/where_to_buy.html" %}` and a
//! variable named `where_to_buy` holding a [`WhereToBuySection`]: the model page (under the
//! reader's filters, with the filter form: [`with_form`]), `/compare` and the guide
//! ([`section`]). The bill at every seller words its rows with the same helpers.
//!
//! The table's rules (the blend that orders it, the order, the cheapest mark, the range of
//! prices) are [`crate::pricing::where_to_buy`]'s; this module words and formats them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::where_to_buy_form::FilterForm;
use crate::model::price::{Component, PriceSet};
use crate::model::{Model, Variant};
use crate::pricing::providers::{Offer, ProviderFilters, Shortfall, is_reduced_precision};
use crate::pricing::sellers::SellerFilters;
use crate::pricing::where_to_buy::{self, Offering, PriceRange, Versus, VersusHeadline, arrange};
pub use crate::pricing::where_to_buy::{BLEND_RATIO, blend};
use crate::store::Catalogue;
use crate::store::catalogue::STALE_AFTER_HOURS;
use crate::store::endpoints::{Endpoint, ModelEndpoints};
use crate::store::providers::ProviderInfo;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::where_to_buy::{FilterQuery, WhereToBuyQuery};
use crate::web::format;

/// The seller filters in words, to follow "every seller": ", limited to sellers running only
/// in the EU and at full precision", or nothing when none is set.
pub fn filters_words(filters: &SellerFilters) -> String {
    let places = &filters.places;
    let mut parts: Vec<String> = Vec::new();
    if filters.maker_and_clouds {
        parts.push("that are the maker's own API or a cloud".into());
    }
    if let Some(region) = &places.datacenter {
        parts.push(format!("running only in {}", region.label()));
    }
    if let Some(region) = &places.headquarters {
        parts.push(format!("based in {}", region.label()));
    }
    if let Some(min) = places.min_uptime {
        parts.push(format!("up at least {}% of the last day", min.normalize()));
    }
    if places.full_precision {
        parts.push("at full precision".into());
    }
    if places.tools {
        parts.push("listing tool calling".into());
    }
    if places.structured_outputs {
        parts.push("listing structured outputs".into());
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => format!(", limited to sellers {one}"),
        [init @ .., last] => format!(", limited to sellers {} and {last}", init.join(", ")),
    }
}

/// Why the filters leave one provider out, "runs outside the EU; no tool calling", or `None`
/// when it qualifies. Shared by this section and the bill at every seller.
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
    noun: &str,
) -> Option<String> {
    (left_out > 0).then(|| {
        let why: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{n} {}", r.describe(filters, *n == 1)))
            .collect();
        let counted = if left_out == 1 {
            format!("1 {noun}")
        } else {
            format!("{left_out} {noun}s")
        };
        format!("{counted} left out: {}.", why.join(", "))
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
pub struct WhereToBuySection {
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
    pub form: FilterForm,
    /// The model's bill at every seller, with the filters carried over.
    pub calculator_href: String,
}

impl WhereToBuySection {
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
        region_of_choice: false,
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

pub fn quantization_label(quantization: Option<&str>) -> String {
    match quantization {
        None | Some("") | Some("unknown") => "not stated".into(),
        Some(q) => q.to_string(),
    }
}

/// An uptime percentage, truncated so 99.97 never reads as a perfect 100.0.
pub fn uptime_text(value: f64) -> String {
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

/// How an endpoint's price compares with the headline, worded: "+50%", "same", with the
/// class the row is styled by ("dearer", "cheaper" or "").
pub fn versus(
    row: &PriceSet,
    row_blend: Option<Decimal>,
    head: &PriceSet,
    head_blend: Option<Decimal>,
) -> (String, &'static str) {
    match where_to_buy::versus(row, row_blend, head, head_blend) {
        Versus::Same => ("same".into(), ""),
        Versus::SameBlend(differing) => {
            let verb = if differing.len() == 1 {
                "differs"
            } else {
                "differ"
            };
            let names: Vec<&str> = differing.iter().map(|c| compared_label(*c)).collect();
            (format!("same blend; {} {verb}", names.join(", ")), "")
        }
        Versus::RoutedFree(r) => (format!("{} (routed is free)", format::usd(r)), "dearer"),
        Versus::Dearer(p) => (format::signed_percent(p), "dearer"),
        Versus::Cheaper(p) => (format::signed_percent(p), "cheaper"),
        Versus::NotComparable => ("not comparable".into(), ""),
        Versus::Unknown => ("—".into(), ""),
    }
}

/// How a compared component is named in "same blend; input, output differ".
fn compared_label(component: Component) -> &'static str {
    match component {
        Component::Prompt => "input",
        Component::Completion => "output",
        Component::InputCacheRead => "cache read",
        _ => "cache write",
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
        context: format::tokens_cell(model.context_length),
        max_output: format::tokens_cell(model.max_completion_tokens),
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
        context: format::tokens_cell(e.context_length),
        max_output: format::tokens_cell(e.max_completion_tokens),
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

/// The "Where to buy" section of model `id` under `filters`, as of now.
pub fn section(catalogue: &Catalogue, id: &str, filters: &ProviderFilters) -> WhereToBuySection {
    section_at(catalogue, id, filters, Utc::now())
}

/// The section as the model page shows it: filtered by the reader's `query` when it reads
/// (`errors` empty), with the filter form and the link to the bill at every seller.
pub fn with_form(
    catalogue: &Catalogue,
    id: &str,
    query: WhereToBuyQuery,
    errors: FieldErrors,
) -> WhereToBuySection {
    let mut section = section(catalogue, id, &query.filters.places);
    let canonical = if errors.is_empty() {
        FilterQuery::from_seller_filters(&query.filters)
    } else {
        FilterQuery::default()
    };
    section.calculator_href = every_seller_href(id, &canonical);
    section.form = FilterForm::new(
        catalogue,
        &format!("/models/{id}"),
        &section.anchor,
        query.typed,
        errors,
    );
    section
}

/// Model `id`'s bill at every seller under `filters`, for the default workload.
pub fn every_seller_href(id: &str, filters: &FilterQuery) -> String {
    CalculatorQuery {
        ids: vec![id.to_string()],
        sellers: crate::pricing::sellers::Sellers::All,
        filters: filters.clone(),
        ..CalculatorQuery::default_workload()
    }
    .bill_href(id)
}

/// The "Where to buy" section of model `id`, with ages measured from `now`.
pub fn section_at(
    catalogue: &Catalogue,
    id: &str,
    filters: &ProviderFilters,
    now: DateTime<Utc>,
) -> WhereToBuySection {
    let model = catalogue.get(id).map(|e| &e.model);
    let mut section = WhereToBuySection {
        model_id: id.to_string(),
        model_name: model.map_or_else(|| id.to_string(), |m| m.short_name().to_string()),
        anchor: anchor_for(id),
        headline: model.map(headline_row),
        ..WhereToBuySection::default()
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
    let offerings: Vec<Offering> = data
        .endpoints
        .iter()
        .zip(&infos)
        .map(|(e, info)| Offering {
            provider: &e.provider_name,
            tag: &e.tag,
            blend: blend(&e.pricing.base),
            offer: offer(e, *info),
        })
        .collect();
    let table = arrange(&offerings, filters);
    let selection = &table.selection;
    let mut rows: Vec<ProviderRow> = data
        .endpoints
        .iter()
        .zip(&infos)
        .enumerate()
        .map(|(i, (e, info))| ProviderRow {
            left_out: shortfalls_text(&selection.shortfalls[i], filters),
            cheapest: table.is_marked(i),
            ..provider_row(e, *info, head_prices, head_blend)
        })
        .collect();
    section.filtered = !filters.is_empty();
    section.kept = rows.len() - selection.left_out();
    if section.filtered {
        section.left_out_summary = left_out_summary(
            selection.left_out(),
            &selection.reasons,
            filters,
            "provider",
        );
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
    if let Some(range) = &table.range {
        price_range(&mut section, range, &rows, head_blend);
    }
    section.flagged_quantization = rows
        .iter()
        .filter(|r| r.quantization_flag.is_some())
        .count();
    section.show_cache_write = data
        .endpoints
        .iter()
        .any(|e| e.pricing.base.input_cache_write.is_some());
    // Rows move into table order; `table.order` is a permutation of the rows' indices.
    let mut slots: Vec<Option<ProviderRow>> = rows.drain(..).map(Some).collect();
    section.rows = table
        .order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect();
    section
}

/// The section's sentences on the range of prices: the cheapest, the spread, and how the
/// cheapest compares with the routed price. `rows` are in input order.
fn price_range(
    section: &mut WhereToBuySection,
    range: &PriceRange,
    rows: &[ProviderRow],
    head_blend: Option<Decimal>,
) {
    section.cheapest = range
        .at_min
        .iter()
        .map(|&i| rows[i].provider.clone())
        .collect();
    section.all_same_price = range.all_same();
    section.cheapest_blend = Some(format::usd(range.min));
    section.cheapest_vs_headline = head_blend
        .and_then(|h| where_to_buy::versus_headline(range.min, h))
        .map(|v| match v {
            VersusHeadline::Same => "the same as the routed price".into(),
            VersusHeadline::Below(p) => format!("{} below the routed price", format::percent(p)),
            VersusHeadline::Above(p) => format!("{} above the routed price", format::percent(p)),
        });
    if range.differs() {
        section.spread = Some(match range.spread_percent() {
            None => format!(
                "Prices run from free to {} per million blended.",
                format::usd(range.max)
            ),
            Some(p) => {
                section.spread_percent = Some(format::percent(p));
                format!(
                    "Prices run from {} to {} per million blended: the dearest costs {} more than the cheapest.",
                    format::usd(range.min),
                    format::usd(range.max),
                    format::percent(p)
                )
            }
        });
    }
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
