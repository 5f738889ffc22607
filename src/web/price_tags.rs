//! Every price tag of a model: the model page's `price-tags` section, `/api/price-tags.json`
//! and `.csv`, and `/discrepancies` with `/api/discrepancies.json`. The facts come from
//! `pricing::price_tags` and `pricing::discrepancies` (pure); this module only formats them.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::csv;
use super::error::{AppError, AppResult, render_html};
use super::format;
use super::layout::Layout;
use super::params::{Params, clip};
use crate::AppState;
use crate::feed::Feed;
use crate::model::price::{Component, Price, PriceSet, Pricing};
use crate::pricing::difference::percent_difference;
use crate::pricing::discrepancies::{Discrepancy, all_discrepancies, discrepancies};
use crate::pricing::price_tags::{PriceTag, REFERENCE_RATIO, base_of, cheapest, price_tags};
use crate::pricing::sellers::SellerChoice;
use crate::seller::{Seller, SellerKind};
use crate::store::Catalogue;
use crate::store::matching::list_label;
use crate::web::calculator::CalculatorQuery;

/// Today, as the official schedules are read.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// One row of the price-tags table.
pub struct TagRow {
    pub seller: String,
    pub seller_key: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub region: String,
    pub input: String,
    pub output: String,
    pub cache_read: String,
    pub cache_write: String,
    pub cache_write_1h: String,
    pub batch: String,
    pub long_context: Vec<String>,
    pub vs_routed: String,
    pub as_of: String,
    pub since: String,
    pub source: &'static str,
    pub source_url: String,
    pub matched_by: String,
    pub matched_how: &'static str,
    pub note: String,
    pub announced: String,
    pub cheapest: bool,
}

/// A disagreement, in words.
pub struct DiscrepancyLine {
    pub model_id: String,
    pub model_name: String,
    pub component: &'static str,
    pub routed: String,
    pub official: String,
    pub seller: String,
    /// "10× the maker's price" or "a tenth of…": how far apart, either way.
    pub spread: String,
    pub dearer: bool,
}

/// The model page's section.
pub struct PriceTagsSection {
    pub rows: Vec<TagRow>,
    /// True when no official list matched: the page says so in one line.
    pub unmatched: bool,
    /// Why a close official entry was refused, when one was.
    pub refusals: Vec<String>,
    pub discrepancies: Vec<DiscrepancyLine>,
    pub official_as_of: String,
    /// The calculator pricing the example workload on this model at its cheapest seller,
    /// when an official list is matched.
    pub calculator_href: Option<String>,
}

/// Sentences built from feed ids: long enough to read whole, bounded so one odd id cannot
/// swamp a page.
fn long_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(400).collect()
}

fn price(set: &PriceSet, component: Component) -> String {
    format::token_price(set.price(component))
}

fn in_out(set: &PriceSet) -> String {
    format!(
        "{} / {}",
        price(set, Component::Prompt),
        price(set, Component::Completion)
    )
}

/// Long-context tiers: OpenRouter's apply from their threshold, the feed's above its start.
fn long_context(tag: &PriceTag) -> Vec<String> {
    tag.pricing
        .tiers()
        .into_iter()
        .map(|(min, set)| {
            let threshold = if tag.feed == Feed::Official {
                format!("over {}", format::tokens_short(min.saturating_sub(1)))
            } else {
                format!("from {}", format::tokens_short(min))
            };
            format!("{threshold} tokens: {}", in_out(&set))
        })
        .collect()
}

/// Rounded to the shown decimal first: a difference too small to show reads "same".
fn signed_percent(percent: Decimal) -> String {
    format::signed_percent(format::round(percent, 1))
}

fn row(tag: &PriceTag, routed_blend: Option<Decimal>, cheapest: bool) -> TagRow {
    let base = &tag.pricing.base;
    let vs_routed = match (tag.seller.kind(), tag.blended(), routed_blend) {
        (SellerKind::Routed, _, _) => "baseline".into(),
        (_, Some(blend), Some(routed)) if tag.comparable => percent_difference(blend, routed)
            .map(signed_percent)
            .unwrap_or_else(|| "—".into()),
        _ => "—".into(),
    };
    TagRow {
        seller: clip(&tag.seller_name),
        seller_key: tag.seller.key(),
        kind: tag.seller.kind().key(),
        kind_label: tag.seller.kind().label(),
        region: tag.seller.region().unwrap_or_default().to_string(),
        input: price(base, Component::Prompt),
        output: price(base, Component::Completion),
        cache_read: price(base, Component::InputCacheRead),
        cache_write: price(base, Component::InputCacheWrite),
        cache_write_1h: price(base, Component::InputCacheWrite1h),
        batch: tag
            .batch
            .as_ref()
            .map_or_else(|| "—".into(), |b| in_out(&b.base)),
        long_context: long_context(tag),
        vs_routed,
        as_of: tag.as_of.map(format::day).unwrap_or_default(),
        since: tag.since.map(|d| d.to_string()).unwrap_or_default(),
        source: if tag.feed == Feed::Official {
            "genai-prices"
        } else {
            "OpenRouter"
        },
        source_url: tag.source_url.clone().unwrap_or_default(),
        matched_by: tag.matched_by.as_deref().map(long_text).unwrap_or_default(),
        matched_how: tag.matched_how.unwrap_or_default(),
        note: tag.note.as_deref().map(long_text).unwrap_or_default(),
        announced: tag
            .announced
            .as_ref()
            .map(|(from, p)| format!("from {from}: {}", in_out(&p.base)))
            .unwrap_or_default(),
        cheapest,
    }
}

fn spread_words(d: &Discrepancy) -> (String, bool) {
    let spread = d.spread();
    let dearer = d.factor.is_none_or(|f| f > Decimal::ONE);
    if spread == Decimal::MAX {
        return ("where the maker charges nothing".into(), dearer);
    }
    let times = spread.round_dp(1).normalize();
    if dearer {
        (format!("{times}× the maker's own price"), true)
    } else {
        (format!("1/{times} of the maker's own price"), false)
    }
}

fn discrepancy_line(catalogue: &Catalogue, d: &Discrepancy) -> DiscrepancyLine {
    let (spread, dearer) = spread_words(d);
    DiscrepancyLine {
        model_name: catalogue
            .get(&d.model_id)
            .map_or_else(|| d.model_id.clone(), |e| e.model.short_name().to_string()),
        model_id: d.model_id.clone(),
        component: d.component.label(),
        routed: format::token_price(Some(Price::Usd(d.routed))),
        official: format::token_price(Some(Price::Usd(d.official))),
        seller: d.seller_name.clone(),
        spread,
        dearer,
    }
}

impl PriceTagsSection {
    /// The section for the listing `id` (variants show their base model's tags).
    pub fn build(catalogue: &Catalogue, id: &str) -> PriceTagsSection {
        let day = today();
        let tags = price_tags(catalogue, id, day);
        let cheapest = cheapest(&tags);
        let routed_blend = tags
            .iter()
            .find(|t| t.seller == Seller::Routed)
            .and_then(PriceTag::blended);
        let rows = tags
            .iter()
            .enumerate()
            .map(|(i, t)| row(t, routed_blend, cheapest.contains(&i)))
            .collect();
        let base = base_of(catalogue, id);
        let official = catalogue.official();
        let unmatched = !tags
            .iter()
            .any(|t| matches!(t.seller.kind(), SellerKind::FirstParty | SellerKind::Cloud));
        PriceTagsSection {
            unmatched,
            // The calculator prices current listings only.
            calculator_href: (!unmatched && catalogue.is_current(base)).then(|| {
                CalculatorQuery {
                    ids: vec![base.to_string()],
                    source: Some(SellerChoice::Cheapest),
                    ..CalculatorQuery::default_workload()
                }
                .href()
            }),
            refusals: official
                .report
                .refusals
                .iter()
                .filter(|r| {
                    r.model_id == base && r.kind == crate::store::matching::RefusalKind::Unexplained
                })
                .map(|r| format!("{}: {}", list_label(r.seller.cloud()), long_text(&r.reason)))
                .collect(),
            discrepancies: discrepancies(&tags)
                .iter()
                .map(|d| discrepancy_line(catalogue, d))
                .collect(),
            official_as_of: official.as_of().map(format::day).unwrap_or_default(),
            rows,
        }
    }
}

/// Per-million prices of the components the API reports, as exact decimal strings.
fn per_million_json(set: &PriceSet) -> Value {
    let mut out = serde_json::Map::new();
    for (name, component) in [
        ("input", Component::Prompt),
        ("output", Component::Completion),
        ("cache_read", Component::InputCacheRead),
        ("cache_write_5m", Component::InputCacheWrite),
        ("cache_write_1h", Component::InputCacheWrite1h),
    ] {
        out.insert(
            name.into(),
            per_million_text(set.price(component)).map_or(Value::Null, Value::String),
        );
    }
    Value::Object(out)
}

fn per_million_text(price: Option<Price>) -> Option<String> {
    match price? {
        Price::Usd(value) => Some(format::per_million(value).normalize().to_string()),
        Price::Variable => Some("variable".into()),
    }
}

/// Long-context tiers, each from the prompt size it applies at (the feed's "above 200,000"
/// is stated as 200,001 here, as OpenRouter states its own).
fn tiers_json(pricing: &Pricing) -> Value {
    pricing
        .tiers()
        .into_iter()
        .map(|(min, set)| json!({"min_prompt_tokens": min, "prices_per_million": per_million_json(&set)}))
        .collect()
}

fn tag_json(tag: &PriceTag) -> Value {
    json!({
        "model_id": tag.model_id,
        "seller": tag.seller_name,
        "seller_key": tag.seller.key(),
        "kind": tag.seller.kind().key(),
        "region": tag.seller.region(),
        "prices_per_million": per_million_json(&tag.pricing.base),
        "long_context": tiers_json(&tag.pricing),
        "batch_per_million": tag.batch.as_ref().map(|b| per_million_json(&b.base)),
        "announced": tag.announced.as_ref().map(|(from, p)| json!({"from": from.to_string(), "prices_per_million": per_million_json(&p.base)})),
        "as_of": tag.as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "since": tag.since.map(|d| d.to_string()),
        "source": tag.feed.publisher(),
        "source_url": tag.source_url,
        "matched_by": tag.matched_by,
        "note": tag.note,
        "comparable": tag.comparable,
    })
}

/// The filters `/api/price-tags.*` accept.
struct TagFilters {
    id: Option<String>,
    author: Option<String>,
    kind: Option<SellerKind>,
}

fn tag_filters(query: Option<&str>) -> AppResult<TagFilters> {
    let params = Params::parse(query);
    let kind = match params.get("kind").filter(|k| !k.is_empty()) {
        None => None,
        Some(text) => Some(SellerKind::parse(text).ok_or_else(|| {
            AppError::invalid(
                "kind",
                format!(
                    "{:?} is not a kind of seller; use routed, routed-provider, first-party or cloud",
                    clip(text)
                ),
            )
        })?),
    };
    Ok(TagFilters {
        id: params
            .get("id")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        author: params
            .get("author")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        kind,
    })
}

/// Every tag the filters select, model by model (active base models only).
fn selected_tags(catalogue: &Catalogue, filters: &TagFilters) -> AppResult<Vec<PriceTag>> {
    let day = today();
    let ids: Vec<String> = match &filters.id {
        Some(id) => {
            if catalogue.get(id).is_none() {
                return Err(AppError::invalid(
                    "id",
                    format!("no model has the id {:?}", clip(id)),
                ));
            }
            vec![base_of(catalogue, id).to_string()]
        }
        None => catalogue
            .active()
            .filter(|e| crate::store::matching::is_looked_up(&e.model.id))
            .map(|e| e.model.id.clone())
            .collect(),
    };
    Ok(ids
        .iter()
        .filter(|id| {
            filters
                .author
                .as_ref()
                .is_none_or(|a| catalogue.get(id).is_some_and(|e| &e.model.author == a))
        })
        .flat_map(|id| price_tags(catalogue, id, day))
        .filter(|t| filters.kind.is_none_or(|k| t.seller.kind() == k))
        .collect())
}

/// `GET /api/price-tags.json`.
pub async fn api_json(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let filters = tag_filters(query.as_deref())?;
    let catalogue = state.catalogue();
    let tags = selected_tags(&catalogue, &filters)?;
    let rows: Vec<Value> = tags.iter().map(tag_json).collect();
    Ok(axum::Json(json!({
        "as_of": {
            "openrouter": catalogue.freshness.as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "official": catalogue.official().as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        },
        "units": "USD per million tokens, exact decimal strings",
        "count": rows.len(),
        "price_tags": rows,
    }))
    .into_response())
}

/// The CSV columns, in order.
pub const CSV_HEADER: &str = "model_id,seller,seller_key,kind,region,input_per_million,output_per_million,\
cache_read_per_million,cache_write_5m_per_million,cache_write_1h_per_million,batch_input_per_million,\
batch_output_per_million,as_of,since,announced_from,source,source_url,matched_by,note\n";

/// `GET /api/price-tags.csv`.
pub async fn api_csv(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let filters = tag_filters(query.as_deref())?;
    let catalogue = state.catalogue();
    let mut out = String::from(CSV_HEADER);
    for tag in selected_tags(&catalogue, &filters)? {
        let base = &tag.pricing.base;
        let batch = tag.batch.as_ref().map(|b| &b.base);
        let money = |set: Option<&PriceSet>, c| {
            set.and_then(|s| per_million_text(s.price(c)))
                .unwrap_or_default()
        };
        let fields = [
            tag.model_id.clone(),
            tag.seller_name.clone(),
            tag.seller.key(),
            tag.seller.kind().key().to_string(),
            tag.seller.region().unwrap_or_default().to_string(),
            money(Some(base), Component::Prompt),
            money(Some(base), Component::Completion),
            money(Some(base), Component::InputCacheRead),
            money(Some(base), Component::InputCacheWrite),
            money(Some(base), Component::InputCacheWrite1h),
            money(batch, Component::Prompt),
            money(batch, Component::Completion),
            tag.as_of
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            tag.since.map(|d| d.to_string()).unwrap_or_default(),
            tag.announced
                .as_ref()
                .map(|(d, _)| d.to_string())
                .unwrap_or_default(),
            tag.feed.publisher().to_string(),
            tag.source_url.clone().unwrap_or_default(),
            tag.matched_by.clone().unwrap_or_default(),
            tag.note.clone().unwrap_or_default(),
        ];
        csv::push_row(&mut out, &fields);
    }
    Ok(csv::response(
        out,
        "price-tags.csv",
        csv::Disposition::Attachment,
    ))
}

#[derive(Template)]
#[template(path = "discrepancies.html")]
pub struct DiscrepanciesPage {
    pub layout: Layout,
    pub lines: Vec<DiscrepancyLine>,
    pub official_as_of: String,
    pub compared: usize,
}

/// `GET /discrepancies`.
pub async fn page(State(state): State<AppState>) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let found = all_discrepancies(&catalogue, today());
    let page = DiscrepanciesPage {
        layout: Layout::new(
            &catalogue,
            "Where the routed price and the maker's own disagree",
            "discrepancies",
        ),
        lines: found
            .iter()
            .map(|d| discrepancy_line(&catalogue, d))
            .collect(),
        official_as_of: catalogue
            .official()
            .as_of()
            .map(format::day)
            .unwrap_or_default(),
        compared: compared_models(&catalogue),
    };
    Ok(render_html(&page, StatusCode::OK))
}

/// Models with both a routed price and a US-dollar list of their maker's.
fn compared_models(catalogue: &Catalogue) -> usize {
    let mut ids: Vec<&str> = catalogue
        .official()
        .report
        .matches
        .iter()
        .filter(|m| matches!(m.seller, Seller::FirstParty { .. }))
        .filter(|m| !crate::store::matching::CNY_DERIVED.contains(&m.provider_id.as_str()))
        .filter(|m| catalogue.is_current(&m.model_id))
        .map(|m| m.model_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

/// `GET /api/discrepancies.json`.
pub async fn api_discrepancies(State(state): State<AppState>) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let found = all_discrepancies(&catalogue, today());
    let rows: Vec<Value> = found
        .iter()
        .map(|d| {
            json!({
                "model_id": d.model_id,
                "component": d.component.key(),
                "seller": d.seller_name,
                "seller_key": d.seller.key(),
                "routed_per_million": format::per_million(d.routed).normalize().to_string(),
                "official_per_million": format::per_million(d.official).normalize().to_string(),
                "factor": d.factor.map(|f| f.round_dp(4).normalize().to_string()),
            })
        })
        .collect();
    Ok(axum::Json(json!({
        "threshold": "routed and the maker's own price differ by more than 25 %, either way",
        "ratio_note": format!("factor = routed ÷ maker's own; blends elsewhere use {REFERENCE_RATIO}:1 input:output"),
        "as_of": {
            "openrouter": catalogue.freshness.as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "official": catalogue.official().as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        },
        "count": rows.len(),
        "discrepancies": rows,
    }))
    .into_response())
}

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
