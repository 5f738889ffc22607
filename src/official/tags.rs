//! Every price tag of a model side by side (pure: plain data in, plain data out): the routed
//! price, each OpenRouter provider's, the maker's own list and each cloud's; and where the
//! routed price and the maker's own disagree by more than 25 %.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::feed::Feed;
use crate::model::Variant;
use crate::model::price::{Component, Price, Pricing};
use crate::pricing::ranking::blended_price_per_million;
use crate::seller::{self, Seller, SellerKind};
use crate::store::Catalogue;

/// One (model, seller) price.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTag {
    pub model_id: String,
    pub seller: Seller,
    /// The seller's name, for readers.
    pub seller_name: String,
    /// Per-unit prices in force on the day asked about.
    pub pricing: Pricing,
    pub batch: Option<Pricing>,
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

/// Input:output mix used to say which tag is cheapest and by how much tags differ: the
/// ranking's default of three input tokens to one output token, no cache.
pub const REFERENCE_RATIO: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

impl PriceTag {
    /// The reference blend in USD per million tokens, `None` when it cannot be stated.
    pub fn blended(&self) -> Option<Decimal> {
        blended_price_per_million(&self.pricing.base, REFERENCE_RATIO, Decimal::ZERO)
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
    Some(PriceTag {
        model_id: id.to_string(),
        seller: Seller::Routed,
        seller_name: seller::ROUTED_NAME.into(),
        pricing: model.pricing.clone(),
        batch: catalogue.batch_listing(id).map(|m| m.pricing.clone()),
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
fn provider_tags(catalogue: &Catalogue, base: &str) -> Vec<PriceTag> {
    let Some(endpoints) = catalogue.endpoints(base) else {
        return Vec::new();
    };
    endpoints
        .endpoints
        .iter()
        .map(|endpoint| PriceTag {
            model_id: base.to_string(),
            seller: Seller::RoutedProvider {
                endpoint_tag: endpoint.tag.clone(),
            },
            seller_name: format!("{} via OpenRouter", endpoint.provider_name),
            pricing: endpoint.pricing.clone(),
            batch: None,
            announced: None,
            as_of: endpoints.fetched_at,
            since: None,
            feed: Feed::OpenRouterEndpoints,
            source_url: Some(format!("https://openrouter.ai/{base}/providers")),
            matched_by: None,
            matched_how: None,
            note: endpoint
                .quantization
                .as_ref()
                .map(|q| format!("served at {q}")),
            comparable: !endpoint.pricing.is_variable(),
        })
        .collect()
}

/// The maker's own and each cloud's price for the base model `base` on `day`, makers first.
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
            PriceTag {
                model_id: base.to_string(),
                seller: tag.seller.clone(),
                seller_name: tag.seller_name.clone(),
                pricing: tag.pricing.clone(),
                batch: tag.batch.clone(),
                announced: tag.announced.map(|(d, p)| (d, p.clone())),
                as_of: official.as_of(),
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

/// How far a price is from a reference, as a fraction: +0.1 is 10 % dearer.
pub fn relative_difference(price: Decimal, reference: Decimal) -> Option<Decimal> {
    if reference.is_zero() {
        return None;
    }
    price.checked_sub(reference)?.checked_div(reference)
}

/// Components compared between the routed price and the maker's own.
pub const COMPARED: [Component; 5] = [
    Component::Prompt,
    Component::Completion,
    Component::InputCacheRead,
    Component::InputCacheWrite,
    Component::InputCacheWrite1h,
];

/// A difference counts as a disagreement beyond this fraction, either way.
pub const DISAGREEMENT: Decimal = Decimal::from_parts(25, 0, 0, false, 2);

/// The routed price and the maker's own price for one component, disagreeing.
#[derive(Clone, Debug, PartialEq)]
pub struct Discrepancy {
    pub model_id: String,
    /// The maker whose own list disagrees.
    pub seller: Seller,
    pub seller_name: String,
    pub component: Component,
    /// Per unit, exact.
    pub routed: Decimal,
    pub official: Decimal,
    /// routed ÷ official; `None` when the maker's price is zero.
    pub factor: Option<Decimal>,
}

impl Discrepancy {
    /// How far apart, as a multiple either way (10× dearer and 10× cheaper both read 10).
    pub fn spread(&self) -> Decimal {
        match self.factor {
            None => Decimal::MAX,
            Some(f) if f.is_zero() => Decimal::MAX,
            Some(f) if f < Decimal::ONE => Decimal::ONE.checked_div(f).unwrap_or(Decimal::MAX),
            Some(f) => f,
        }
    }
}

fn usd(price: Option<Price>) -> Option<Decimal> {
    price.and_then(Price::usd)
}

/// Where a model's routed price and its maker's own US-dollar list disagree by more than 25 %
/// on a component both state.
pub fn discrepancies(tags: &[PriceTag]) -> Vec<Discrepancy> {
    let Some(routed) = tags.iter().find(|t| t.seller == Seller::Routed) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for maker in tags
        .iter()
        .filter(|t| t.seller.kind() == SellerKind::FirstParty && t.comparable)
    {
        for component in COMPARED {
            let (Some(r), Some(o)) = (
                usd(routed.pricing.base.price(component)),
                usd(maker.pricing.base.price(component)),
            ) else {
                continue;
            };
            let disagrees = match relative_difference(r, o) {
                Some(diff) => diff.abs() > DISAGREEMENT,
                None => !r.is_zero(),
            };
            if disagrees {
                out.push(Discrepancy {
                    model_id: routed.model_id.clone(),
                    seller: maker.seller.clone(),
                    seller_name: maker.seller_name.clone(),
                    component,
                    routed: r,
                    official: o,
                    factor: r.checked_div(o),
                });
            }
        }
    }
    out
}

/// Every discrepancy of the catalogue's looked-up models on `day`, largest first.
pub fn all_discrepancies(catalogue: &Catalogue, day: NaiveDate) -> Vec<Discrepancy> {
    let mut ids: Vec<&str> = catalogue
        .official()
        .report
        .matches
        .iter()
        .map(|m| m.model_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<Discrepancy> = ids
        .into_iter()
        .filter(|id| catalogue.is_current(id))
        .flat_map(|id| discrepancies(&price_tags(catalogue, id, day)))
        .collect();
    out.sort_by(|a, b| {
        b.spread()
            .cmp(&a.spread())
            .then_with(|| a.model_id.cmp(&b.model_id))
            .then_with(|| a.component.key().cmp(b.component.key()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::PriceSet;
    use std::str::FromStr;

    fn maker() -> Seller {
        Seller::FirstParty {
            provider: "deepseek".into(),
        }
    }

    fn tag(seller: Seller, prompt: &str, cache_read: &str) -> PriceTag {
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
    fn a_tenfold_cache_read_is_flagged_and_a_small_difference_is_not() {
        // Routed cache read $0.20/M against the maker's $0.02/M: 10x. Input $0.24/M against
        // $0.20/M is 20 % dearer, inside the 25 % band.
        let tags = [
            tag(Seller::Routed, "0.00000024", "0.0000002"),
            tag(maker(), "0.0000002", "0.00000002"),
        ];
        let found = discrepancies(&tags);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].component, Component::InputCacheRead);
        assert_eq!(found[0].factor, Some(Decimal::from(10)));
        assert_eq!(found[0].spread(), Decimal::from(10));
    }

    #[test]
    fn the_band_is_25_percent_either_way() {
        // 0.26 vs 0.20 is +30 %; 0.14 vs 0.20 is −30 %; 0.25 vs 0.20 is exactly +25 % (not flagged).
        for (routed, flagged) in [
            ("0.00000026", true),
            ("0.00000014", true),
            ("0.00000025", false),
            ("0.00000015", false),
        ] {
            let tags = [
                tag(Seller::Routed, routed, "0.00000002"),
                tag(maker(), "0.0000002", "0.00000002"),
            ];
            assert_eq!(!discrepancies(&tags).is_empty(), flagged, "{routed}");
        }
        // Cheaper by a factor of 1/0.7: spread reads the same either way.
        let d = Discrepancy {
            model_id: String::new(),
            seller: maker(),
            seller_name: String::new(),
            component: Component::Prompt,
            routed: Decimal::from_str("0.1").unwrap(),
            official: Decimal::from_str("1").unwrap(),
            factor: Some(Decimal::from_str("0.1").unwrap()),
        };
        assert_eq!(d.spread(), Decimal::from(10));
    }

    #[test]
    fn a_list_converted_from_another_currency_is_never_compared() {
        let mut cny = tag(maker(), "0.000001", "0.0000001");
        cny.comparable = false;
        let tags = [tag(Seller::Routed, "0.0000002", "0.00000002"), cny];
        assert!(discrepancies(&tags).is_empty());
        assert_eq!(cheapest(&tags), vec![0]);
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
