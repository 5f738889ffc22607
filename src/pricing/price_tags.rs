//! Every price tag of a model side by side (pure: plain data in, plain data out): the routed
//! price, each OpenRouter provider's, the maker's own list and each cloud's, and which is
//! cheapest. Where the routed price and the maker's own disagree: `pricing::discrepancies`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::batch_discounts::{self, BatchDiscount};

use crate::feed::Feed;
use crate::model::Variant;
use crate::model::price::Pricing;
use crate::seller::{self, Seller};
use crate::store::Catalogue;

/// Where a seller's batch price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchPriceSource {
    /// OpenRouter's `:batch` listing of the model.
    Listing,
    /// The official feed's own batch price (`price_variants`).
    Feed,
    /// The seller's published batch discount, from our reviewed table
    /// (`data/maker-batch-discounts.tsv`), applied to its on-demand list.
    MakerDiscountTable,
}

impl BatchPriceSource {
    /// The published spelling (the calculator's `batch_price_source`).
    pub fn key(self) -> &'static str {
        match self {
            BatchPriceSource::Listing => "listing",
            BatchPriceSource::Feed => "feed",
            BatchPriceSource::MakerDiscountTable => "maker-discount-table",
        }
    }
}

/// One (model, seller) price.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTag {
    pub model_id: String,
    pub seller: Seller,
    /// The seller's name, for readers.
    pub seller_name: String,
    /// Per-unit prices in force on the day asked about.
    pub pricing: Pricing,
    /// The batch prices a bill at this seller uses, when it has any.
    pub batch: Option<Pricing>,
    /// Where `batch` comes from.
    pub batch_source: Option<BatchPriceSource>,
    /// The reviewed table's line, when `batch` comes from it.
    pub batch_discount: Option<&'static BatchDiscount>,
    /// A price announced for a later date.
    pub announced: Option<(NaiveDate, Pricing)>,
    /// When the source's data was taken.
    pub as_of: Option<DateTime<Utc>>,
    /// When this price took effect, if the source dates it.
    pub since: Option<NaiveDate>,
    /// Where the price was fetched.
    pub feed: Feed,
    pub source_url: Option<String>,
    pub matched_by: Option<String>,
    /// How the match was made, in two or three words.
    pub matched_how: Option<&'static str>,
    /// Anything a reader must know to read the price right.
    pub note: Option<String>,
    /// False for a list that is not in dollars at source: shown, never compared or billed.
    pub comparable: bool,
}

impl PriceTag {
    /// The where-to-buy blend ([`super::where_to_buy::blend`], 3:1 input:output, no cache)
    /// of its base prices in USD per million tokens, `None` when it cannot be stated.
    pub fn blended(&self) -> Option<Decimal> {
        super::where_to_buy::blend(&self.pricing.base)
    }
}

/// The model id whose tags a listing shows: `:free`, `:batch` and other `:` variants and `~`
/// aliases follow their base model; a `-fast` listing is a model of its own (it is priced apart).
pub fn base_of<'a>(catalogue: &'a Catalogue, id: &'a str) -> &'a str {
    match catalogue.get(id) {
        Some(entry)
            if !matches!(entry.model.variant, Variant::Base | Variant::Fast)
                && catalogue.get(&entry.model.base_id).is_some() =>
        {
            entry.model.base_id.as_str()
        }
        _ => id,
    }
}

/// Every price tag of `id`'s base model on `day`: routed, each provider, maker, clouds.
pub fn price_tags(catalogue: &Catalogue, id: &str, day: NaiveDate) -> Vec<PriceTag> {
    let base = base_of(catalogue, id);
    let mut tags: Vec<PriceTag> = routed_tag(catalogue, base).into_iter().collect();
    tags.extend(provider_tags(catalogue, base));
    tags.extend(official_tags(catalogue, base, day));
    tags
}

/// OpenRouter's routed price of the listing `id`, with its `:batch` listing's prices.
pub fn routed_tag(catalogue: &Catalogue, id: &str) -> Option<PriceTag> {
    let model = &catalogue.get(id)?.model;
    let batch = catalogue.batch_listing(id);
    Some(PriceTag {
        model_id: id.to_string(),
        seller: Seller::Routed,
        seller_name: seller::ROUTED_NAME.into(),
        pricing: model.pricing.clone(),
        batch: batch.map(|m| m.pricing.clone()),
        batch_source: batch.map(|_| BatchPriceSource::Listing),
        batch_discount: None,
        announced: None,
        as_of: catalogue.freshness.as_of(),
        since: None,
        feed: Feed::OpenRouterCatalogue,
        source_url: Some(format!("https://openrouter.ai/{id}")),
        matched_by: None,
        matched_how: None,
        note: None,
        comparable: !model.pricing.is_variable(),
    })
}

/// Each upstream provider's price for `base` on OpenRouter.
pub fn provider_tags(catalogue: &Catalogue, base: &str) -> Vec<PriceTag> {
    let Some(endpoints) = catalogue.endpoints(base) else {
        return Vec::new();
    };
    endpoints
        .endpoints
        .iter()
        .map(|endpoint| provider_tag(base, endpoint, endpoints.fetched_at))
        .collect()
}

/// One provider endpoint's price for `base`, fetched at `as_of`. An endpoint has no batch
/// price of its own on OpenRouter.
pub fn provider_tag(
    base: &str,
    endpoint: &crate::store::endpoints::Endpoint,
    as_of: Option<DateTime<Utc>>,
) -> PriceTag {
    PriceTag {
        model_id: base.to_string(),
        seller: Seller::RoutedProvider {
            endpoint_tag: endpoint.tag.clone(),
        },
        seller_name: format!("{} via OpenRouter", endpoint.provider_name),
        pricing: endpoint.pricing.clone(),
        batch: None,
        batch_source: None,
        batch_discount: None,
        announced: None,
        as_of,
        since: None,
        feed: Feed::OpenRouterEndpoints,
        source_url: Some(format!("https://openrouter.ai/{base}/providers")),
        matched_by: None,
        matched_how: None,
        note: endpoint
            .quantization
            .as_ref()
            .filter(|q| q.as_str() != "unknown")
            .map(|q| format!("served at {q}")),
        comparable: !endpoint.pricing.is_variable(),
    }
}

/// The maker's own and each cloud's price for the base model `base` on `day`, makers first.
/// A list whose feed entry has no batch price takes one from the reviewed table of published
/// batch discounts, when the table has a line for its seller.
pub fn official_tags(catalogue: &Catalogue, base: &str, day: NaiveDate) -> Vec<PriceTag> {
    let official = catalogue.official();
    official
        .tags(base, day)
        .into_iter()
        .map(|tag| {
            let mut notes = Vec::new();
            if tag.cny_derived {
                notes.push(
                    "mainland-China list, converted from CNY by the source; not Z.AI's USD list"
                        .to_string(),
                );
            }
            if let Some(window) = tag.off_peak {
                let (start, end) = window.time_window.clone().unwrap_or_default();
                notes.push(format!(
                    "cheaper off-peak ({start}–{end} UTC), not shown here"
                ));
            }
            if tag.entry.deprecated {
                notes.push("marked deprecated by the maker".into());
            }
            let table =
                batch_discounts::for_seller(&tag.seller.bill_key()).filter(|_| tag.batch.is_none());
            let (batch, batch_source) = match (&tag.batch, table) {
                (Some(batch), _) => (Some(batch.clone()), Some(BatchPriceSource::Feed)),
                (None, Some(line)) => (
                    Some(line.apply(tag.pricing)),
                    Some(BatchPriceSource::MakerDiscountTable),
                ),
                (None, None) => (None, None),
            };
            PriceTag {
                model_id: base.to_string(),
                seller: tag.seller.clone(),
                seller_name: tag.seller_name.clone(),
                pricing: tag.pricing.clone(),
                batch,
                batch_source,
                batch_discount: table,
                announced: tag.announced.map(|(d, p)| (d, p.clone())),
                as_of: tag.as_of,
                since: tag.since,
                feed: Feed::Official,
                source_url: tag.provider.pricing_url.clone(),
                matched_by: Some(tag.rule.to_string()),
                matched_how: Some(match tag.rule {
                    crate::store::matching::Rule::Clause { .. } => "the source's match clause",
                    crate::store::matching::Rule::EntryId { .. } => "the source's entry id",
                    crate::store::matching::Rule::Override { .. } => "our reviewed override",
                }),
                note: (!notes.is_empty()).then(|| notes.join("; ")),
                comparable: !tag.cny_derived,
            }
        })
        .collect()
}

/// The indices of the cheapest comparable tags by the reference blend (several when tied).
pub fn cheapest(tags: &[PriceTag]) -> Vec<usize> {
    let blends: Vec<(usize, Decimal)> = tags
        .iter()
        .enumerate()
        .filter(|(_, t)| t.comparable)
        .filter_map(|(i, t)| t.blended().map(|b| (i, b)))
        .collect();
    let Some(min) = blends.iter().map(|(_, b)| *b).min() else {
        return Vec::new();
    };
    blends
        .into_iter()
        .filter(|(_, b)| *b == min)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::price::{Price, PriceSet};
    use std::str::FromStr;

    pub(crate) fn maker() -> Seller {
        Seller::FirstParty {
            provider: "deepseek".into(),
        }
    }

    pub(crate) fn tag(seller: Seller, prompt: &str, cache_read: &str) -> PriceTag {
        let mut base = PriceSet::default();
        base.set("prompt", Price::parse(prompt).unwrap());
        base.set("completion", Price::parse("0.0000008").unwrap());
        base.set("input_cache_read", Price::parse(cache_read).unwrap());
        PriceTag {
            model_id: "deepseek/deepseek-v4-flash".into(),
            seller_name: format!("{seller:?}"),
            seller,
            pricing: Pricing {
                base,
                overrides: Vec::new(),
            },
            batch: None,
            batch_source: None,
            batch_discount: None,
            announced: None,
            as_of: None,
            since: None,
            feed: Feed::Official,
            source_url: None,
            matched_by: None,
            matched_how: None,
            note: None,
            comparable: true,
        }
    }

    #[test]
    fn the_cheapest_tag_is_the_lowest_reference_blend() {
        // Blends (3 input : 1 output): routed (3·0.24 + 0.8)/4 = 0.38; maker (3·0.20 + 0.8)/4 = 0.35.
        let tags = [
            tag(Seller::Routed, "0.00000024", "0"),
            tag(maker(), "0.0000002", "0"),
        ];
        assert_eq!(tags[0].blended(), Some(Decimal::from_str("0.38").unwrap()));
        assert_eq!(cheapest(&tags), vec![1]);
        // A tie marks both.
        let tied = [
            tag(Seller::Routed, "0.0000002", "0"),
            tag(maker(), "0.0000002", "0"),
        ];
        assert_eq!(cheapest(&tied), vec![0, 1]);
    }
}
