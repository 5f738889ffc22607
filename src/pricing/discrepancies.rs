//! Where a model's routed price and its maker's own US-dollar list disagree by more than
//! 25 % on a component both state (pure: price tags in, discrepancies out), for the model
//! page, `/discrepancies` and its JSON.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::difference::relative_difference;
use super::price_tags::{PriceTag, price_tags};
use crate::model::price::{Component, Price};
use crate::seller::{Seller, SellerKind};
use crate::store::Catalogue;

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
    use crate::pricing::price_tags::cheapest;
    use crate::pricing::price_tags::tests::{maker, tag};
    use std::str::FromStr;

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
}
