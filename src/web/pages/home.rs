//! `/`: what the site answers, the highlights of the prices served, and the way into
//! everything else.

use askama::Template;
use rust_decimal::Decimal;

use super::model::REFERENCE_MODELS;
use super::{Page, impl_page};
use crate::model::{Model, Variant};
use crate::pricing::ranking::{RankedModel, RankingParams, blended_price_per_million, rank};
use crate::store::Catalogue;
use crate::web::extractors::calculator::EXAMPLES;
use crate::web::extractors::compare;
use crate::web::format;
use crate::web::layout::Layout;

/// The quality bar for "cheapest capable model": an Artificial Analysis intelligence index.
pub const CAPABLE_INTELLIGENCE: f64 = 40.0;

/// One highlight of the day.
pub struct Highlight {
    /// Stable key, also the element id.
    pub key: &'static str,
    pub title: &'static str,
    pub id: String,
    pub name: String,
    pub figure: String,
    pub detail: String,
}

/// A calculator link with a typical workload filled in.
pub struct Preset {
    pub label: &'static str,
    pub detail: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub model_count: usize,
    pub author_count: usize,
    pub batch_count: usize,
    pub free_count: usize,
    pub highlights: Vec<Highlight>,
    /// The day the highlighted prices describe ("8 Aug 2026"): the heading names it, never
    /// "today", as a cached page outlives the day and the data may be older still.
    pub highlights_day: String,
    pub presets: Vec<Preset>,
    pub popular: Vec<(String, String)>,
    pub compare_href: String,
}

fn blended_text(value: Decimal) -> String {
    format!("{}/M", format::usd(value))
}

fn ranked_highlight(
    key: &'static str,
    title: &'static str,
    m: &RankedModel,
    detail: String,
) -> Highlight {
    Highlight {
        key,
        title,
        id: m.id.clone(),
        name: m.name.clone(),
        figure: blended_text(m.blended_per_million),
        detail,
    }
}

/// The highlights of the catalogue's prices, all at the default 3:1 input:output blend
/// without caching.
pub fn highlights(catalogue: &Catalogue) -> Vec<Highlight> {
    let params = RankingParams::default();
    let models: Vec<&Model> = catalogue.active().map(|e| &e.model).collect();
    let mut out = Vec::new();
    let ranked = rank(models.iter().copied(), &params)
        .map(|r| r.ranked)
        .unwrap_or_default();
    if let Some(best) = ranked.first() {
        out.push(ranked_highlight(
            "best-value",
            "Best value",
            best,
            format!(
                "Intelligence {:.1}: the most quality per dollar of any scored model.",
                best.quality
            ),
        ));
    }
    let capable = ranked
        .iter()
        .filter(|m| m.quality >= CAPABLE_INTELLIGENCE)
        .min_by(|a, b| {
            a.blended_per_million
                .cmp(&b.blended_per_million)
                .then_with(|| b.quality.total_cmp(&a.quality))
                .then_with(|| a.id.cmp(&b.id))
        });
    match capable {
        // The best value often is the cheapest capable model too: one card says both.
        Some(m) if ranked.first().is_some_and(|best| best.id == m.id) => {
            if let Some(card) = out.first_mut() {
                card.detail = format!(
                    "Intelligence {:.1}: the most quality per dollar, and the cheapest model scoring {CAPABLE_INTELLIGENCE:.0} or more.",
                    m.quality
                );
            }
        }
        Some(m) => out.push(ranked_highlight(
            "cheapest-capable",
            "Cheapest capable model",
            m,
            format!(
                "Intelligence {:.1}: the lowest price among models scoring {CAPABLE_INTELLIGENCE:.0} or more.",
                m.quality
            ),
        )),
        None => {}
    }
    // Any paid model, scored or not; batch listings and aliases repeat another listing.
    let cheapest = models
        .iter()
        .filter(|m| !matches!(m.variant, Variant::Free | Variant::Batch | Variant::Alias))
        .filter_map(|m| {
            let price = blended_price_per_million(&m.pricing.base, params.ratio, params.cache_hit)?;
            (price > Decimal::ZERO).then_some((price, *m))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    if let Some((price, m)) = cheapest {
        out.push(Highlight {
            key: "cheapest",
            title: "Cheapest paid model",
            id: m.id.clone(),
            name: m.short_name().to_string(),
            figure: blended_text(price),
            detail: format!(
                "{} input, {} output per million tokens.",
                format::token_price(m.pricing.base.prompt),
                format::token_price(m.pricing.base.completion)
            ),
        });
    }
    let smartest = ranked.iter().max_by(|a, b| {
        a.quality
            .total_cmp(&b.quality)
            .then_with(|| b.blended_per_million.cmp(&a.blended_per_million))
            .then_with(|| b.id.cmp(&a.id))
    });
    if let Some(m) = smartest {
        out.push(ranked_highlight(
            "smartest",
            "Highest intelligence",
            m,
            format!(
                "Intelligence {:.1}, the top score in the catalogue.",
                m.quality
            ),
        ));
    }
    out
}

/// The calculator's example workloads, as links.
fn presets() -> Vec<Preset> {
    EXAMPLES
        .iter()
        .map(|e| Preset {
            label: e.title,
            detail: e.blurb.to_string(),
            href: e.query.href(),
        })
        .collect()
}

impl Page for HomePage {}
impl_page!(HomePage);

impl HomePage {
    /// The home page: the catalogue's counts, highlights and ways in.
    pub fn build(catalogue: &Catalogue) -> HomePage {
        let active: Vec<&Model> = catalogue.active().map(|e| &e.model).collect();
        let popular: Vec<(String, String)> = REFERENCE_MODELS
            .iter()
            .filter_map(|id| catalogue.get(id).filter(|e| e.active))
            .map(|e| (e.model.id.clone(), e.model.short_name().to_string()))
            .collect();
        let ids: Vec<&str> = popular.iter().map(|(id, _)| id.as_str()).collect();
        let compare_href = compare::href(&ids);
        HomePage {
            layout: Layout::new(catalogue, "LLM API prices, workload costs and value", "/")
                .describe(format!(
                    "Compare the API prices of {} language models: price per million tokens, \
                 the monthly cost of your workload, and quality per dollar, refreshed daily.",
                    active.len()
                ))
                .canonical("/"),
            model_count: active.len(),
            author_count: catalogue.authors().len(),
            batch_count: active
                .iter()
                .filter(|m| m.variant == Variant::Batch)
                .count(),
            free_count: active.iter().filter(|m| m.is_free()).count(),
            highlights: highlights(catalogue),
            highlights_day: catalogue
                .freshness
                .as_of()
                .map(crate::format::prose_day)
                .unwrap_or_default(),
            presets: presets(),
            popular,
            compare_href,
        }
    }
}
