//! The model page's price tags: every seller's price of the model (the routed price, each
//! OpenRouter provider, the maker's own API, each cloud), how each compares with the routed
//! price, and where they disagree (worded the same way on `/discrepancies`). The facts come
//! from `pricing::price_tags` and `pricing::discrepancies` (pure); this module only words and formats them. The same tags as
//! data are [`crate::web::exports::price_tags`].

use rust_decimal::Decimal;

use crate::feed::Feed;
use crate::model::price::{Component, Price, PriceSet};
use crate::pricing::difference::percent_difference;
use crate::pricing::discrepancies::{Discrepancy, discrepancies};
use crate::pricing::price_tags::{PriceTag, base_of, cheapest, price_tags};
use crate::pricing::sellers::Sellers;
use crate::seller::{Seller, SellerKind};
use crate::store::Catalogue;
use crate::store::matching::list_label;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::params::clip;
use crate::web::format;
use crate::web::today;

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
pub fn long_text(text: &str) -> String {
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

pub fn discrepancy_line(catalogue: &Catalogue, d: &Discrepancy) -> DiscrepancyLine {
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
                    sellers: Sellers::All,
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
